import {
  AE_CHARACTER_SETS,
  AE_KINDS,
  AE_TITLE_PATTERN,
  type AeCharacterSet,
  type AeKind,
  type DicomAeView,
  type FacilityView,
  type ReadingCentreView,
} from '@zhiyin/contracts';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { createDicomAe, updateDicomAe } from './api';
import { ADMIN_ERRORS, EditorActions, Field, useFieldErrors } from './shared';
import { ErrorMessage } from '../../lib/errors';

/** The modalities a community centre sends from, offered first; any DICOM modality code may be typed. */
const COMMON_MODALITIES = ['DX', 'CR', 'US', 'ECG', 'CT', 'MR', 'XA', 'MG', 'OT'];
const MODALITY = /^[A-Z0-9]{1,16}$/;
// An IPv4 or IPv6 address, as the API checks it (IsIP); a host name is not taken (the check compares addresses).
const IP = /^(\d{1,3}(\.\d{1,3}){3}|[0-9a-fA-F:]+:[0-9a-fA-F:.]*)$/;

interface Form {
  aeTitle: string;
  kind: AeKind;
  facilityId: string;
  readingCentreId: string;
  modality: string;
  host: string;
  port: string;
  characterSet: AeCharacterSet;
}
type Key = keyof Form;
const FIELDS: Key[] = ['aeTitle', 'kind', 'facilityId', 'readingCentreId', 'modality', 'host', 'port', 'characterSet'];

/** Registers a calling AE title to a centre, or changes one (its title, kind and centre stay as registered). */
export function DicomAeEditor({
  ae,
  facilities,
  readingCentres,
  onCancel,
  onDone,
}: {
  ae: DicomAeView | null;
  facilities: readonly FacilityView[];
  readingCentres: readonly ReadingCentreView[];
  onCancel: () => void;
  onDone: (text: string) => void;
}) {
  const { t, name } = useI18n();
  const ids = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [form, setForm] = useState<Form>(() => ({
    aeTitle: ae?.aeTitle ?? '',
    kind: ae?.kind ?? 'modality',
    facilityId: ae?.facilityId ?? '',
    readingCentreId: ae?.readingCentreId ?? '',
    modality: ae?.modality ?? '',
    host: ae?.host ?? '',
    port: ae?.port ? String(ae.port) : '',
    characterSet: ae?.characterSet ?? 'ISO_IR 192',
  }));
  const { busy, errors, submitError, refuse, send } = useFieldErrors<Key>(ids, FIELDS);
  const [confirming, setConfirming] = useState(false);
  useEffect(() => heading.current?.focus(), []);

  const set = <K extends Key>(k: K, v: Form[K]) => setForm((f) => ({ ...f, [k]: v }));
  const workstation = form.kind === 'workstation';
  // A modality belongs to a community centre, a workstation to the hub (the API refuses the other pairings).
  const owners = facilities.filter((f) => f.active && f.kind === (workstation ? 'hub' : 'community'));
  const centres = readingCentres.filter((c) => c.hubId === form.facilityId);

  const check = (): Partial<Record<Key, string>> => {
    const found: Partial<Record<Key, string>> = {};
    if (!ae) {
      if (!AE_TITLE_PATTERN.test(form.aeTitle)) found.aeTitle = t('admin.devices.aes.badTitle');
      if (!form.facilityId) found.facilityId = t('admin.required');
      if (workstation && !form.readingCentreId) found.readingCentreId = t('admin.required');
    }
    if (form.modality && !MODALITY.test(form.modality)) found.modality = t('admin.devices.aes.badModality');
    if (form.host && !IP.test(form.host.trim())) found.host = t('admin.devices.aes.badHost');
    if (form.port) {
      const port = Number(form.port);
      if (!Number.isInteger(port) || port < 1 || port > 65535) found.port = t('admin.devices.aes.badPort');
      else if (!form.host.trim()) found.host = t('admin.reason.port_needs_host');
    }
    return found;
  };

  const save = (request: () => Promise<DicomAeView>, text: (saved: DicomAeView) => string) =>
    send(async () => {
      const saved = await request();
      onDone(text(saved));
    });

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (refuse(check())) return;
    const host = form.host.trim();
    const port = form.port ? Number(form.port) : null;
    if (ae) {
      const id = ae.id;
      void save(
        () =>
          updateDicomAe(id, {
            ...(form.modality ? { modality: form.modality } : {}),
            host,
            ...(workstation ? { port } : {}),
            characterSet: form.characterSet,
          }),
        (saved) => t('admin.devices.aes.saved', { ae: saved.aeTitle }),
      );
    } else
      void save(
        () =>
          createDicomAe({
            aeTitle: form.aeTitle.trim(),
            kind: form.kind,
            facilityId: form.facilityId,
            ...(workstation ? { readingCentreId: form.readingCentreId } : {}),
            ...(form.modality ? { modality: form.modality } : {}),
            ...(host ? { host } : {}),
            ...(workstation && port ? { port } : {}),
            characterSet: form.characterSet,
          }),
        (saved) => t('admin.devices.aes.created', { ae: saved.aeTitle }),
      );
  };

  const toggle = () =>
    void save(
      () => updateDicomAe(ae!.id, { active: !ae!.active }),
      (saved) =>
        t(saved.active ? 'admin.devices.aes.activated' : 'admin.devices.aes.deactivated', { ae: saved.aeTitle }),
    );

  return (
    <section className="card admin-editor" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`} ref={heading} tabIndex={-1}>
        {ae ? t('admin.devices.aes.editTitle', { ae: ae.aeTitle }) : t('admin.devices.aes.new')}
      </h3>
      <form onSubmit={submit} noValidate className="form-grid">
        <div className="row">
          <Field
            id={`${ids}-aeTitle`}
            label={t('admin.devices.aes.aeTitle')}
            hint={t('admin.devices.aes.titleHint')}
            error={errors.aeTitle}
          >
            {(a11y) => (
              <input
                {...a11y}
                name="aeTitle"
                value={form.aeTitle}
                maxLength={16}
                readOnly={ae !== null}
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => set('aeTitle', e.target.value.toUpperCase())}
              />
            )}
          </Field>
          <Field id={`${ids}-kind`} label={t('admin.devices.aes.kind')} error={errors.kind}>
            {(a11y) => (
              <select
                {...a11y}
                name="kind"
                value={form.kind}
                disabled={ae !== null}
                onChange={(e) =>
                  setForm((f) => ({ ...f, kind: e.target.value as AeKind, facilityId: '', readingCentreId: '' }))
                }
              >
                {AE_KINDS.map((k) => (
                  <option key={k} value={k}>
                    {t(`admin.devices.kind.${k}`)}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <div className="row">
          <Field id={`${ids}-facilityId`} label={t('admin.devices.aes.facility')} error={errors.facilityId}>
            {(a11y) => (
              <select
                {...a11y}
                name="facilityId"
                value={form.facilityId}
                disabled={ae !== null}
                onChange={(e) => setForm((f) => ({ ...f, facilityId: e.target.value, readingCentreId: '' }))}
              >
                <option value="">{t('admin.devices.aes.choose')}</option>
                {(ae ? facilities.filter((f) => f.id === ae.facilityId) : owners).map((f) => (
                  <option key={f.id} value={f.id}>
                    {name(f.nameZh, f.nameEn)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          {workstation && (
            <Field
              id={`${ids}-readingCentreId`}
              label={t('admin.devices.aes.readingCentre')}
              error={errors.readingCentreId}
            >
              {(a11y) => (
                <select
                  {...a11y}
                  name="readingCentreId"
                  value={form.readingCentreId}
                  disabled={ae !== null}
                  onChange={(e) => set('readingCentreId', e.target.value)}
                >
                  <option value="">{t('admin.devices.aes.choose')}</option>
                  {(ae ? readingCentres.filter((c) => c.id === ae.readingCentreId) : centres).map((c) => (
                    <option key={c.id} value={c.id}>
                      {name(c.nameZh, c.nameEn)}
                    </option>
                  ))}
                </select>
              )}
            </Field>
          )}
          <Field
            id={`${ids}-modality`}
            label={t('admin.devices.aes.modality')}
            hint={t('admin.devices.aes.modalityHint')}
            error={errors.modality}
          >
            {(a11y) => (
              <>
                <input
                  {...a11y}
                  name="modality"
                  value={form.modality}
                  list={`${ids}-modalities`}
                  maxLength={16}
                  autoComplete="off"
                  onChange={(e) => set('modality', e.target.value.toUpperCase())}
                />
                <datalist id={`${ids}-modalities`}>
                  {COMMON_MODALITIES.map((m) => (
                    <option key={m} value={m} />
                  ))}
                </datalist>
              </>
            )}
          </Field>
        </div>
        <div className="row">
          <Field
            id={`${ids}-host`}
            label={t('admin.devices.aes.host')}
            hint={t('admin.devices.aes.hostHint')}
            error={errors.host}
          >
            {(a11y) => (
              <input
                {...a11y}
                name="host"
                value={form.host}
                autoComplete="off"
                spellCheck={false}
                onChange={(e) => set('host', e.target.value)}
              />
            )}
          </Field>
          {workstation && (
            <Field
              id={`${ids}-port`}
              label={t('admin.devices.aes.port')}
              hint={t('admin.devices.aes.portHint')}
              error={errors.port}
            >
              {(a11y) => (
                <input
                  {...a11y}
                  name="port"
                  inputMode="numeric"
                  value={form.port}
                  autoComplete="off"
                  onChange={(e) => set('port', e.target.value.replace(/\D/g, ''))}
                />
              )}
            </Field>
          )}
          <Field
            id={`${ids}-characterSet`}
            label={t('admin.devices.aes.characterSet')}
            hint={t('admin.devices.aes.charsetHint')}
            error={errors.characterSet}
          >
            {(a11y) => (
              <select
                {...a11y}
                name="characterSet"
                value={form.characterSet}
                onChange={(e) => set('characterSet', e.target.value as AeCharacterSet)}
              >
                {AE_CHARACTER_SETS.map((c) => (
                  <option key={c} value={c}>
                    {t(c === 'GB18030' ? 'admin.devices.charset.gb18030' : 'admin.devices.charset.utf8')}
                  </option>
                ))}
              </select>
            )}
          </Field>
        </div>
        <ErrorMessage error={submitError} wording={ADMIN_ERRORS} />
        <EditorActions
          busy={busy}
          onCancel={onCancel}
          {...(ae
            ? {
                toggle: {
                  active: ae.active,
                  confirming,
                  setConfirming,
                  onToggle: toggle,
                  activate: t('admin.devices.aes.activate'),
                  deactivate: t('admin.devices.aes.deactivate'),
                  confirmText: t('admin.devices.aes.confirmDeactivate', { ae: ae.aeTitle }),
                },
              }
            : {})}
        />
      </form>
    </section>
  );
}
