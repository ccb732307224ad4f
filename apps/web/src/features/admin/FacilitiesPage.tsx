import type { FacilityView } from '@zhiyin/contracts';
import { SERVICE_LABELS, SERVICES, type FacilityKind, type Service } from '@zhiyin/workflow';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { createFacility, listFacilities, setFacilityActive, updateFacility } from './api';
import { ReadingCentresSection } from './ReadingCentresSection';
import { ADMIN_ERRORS, EditorActions, Field, StatusNote, useFieldErrors } from './shared';
import './admin.css';
import { ErrorMessage } from '../../lib/errors';

interface Form {
  code: string;
  kind: FacilityKind;
  nameZh: string;
  nameEn: string;
  address: string;
  phone: string;
  hubId: string;
  readingServices: Service[];
}

const EMPTY: Form = {
  code: '',
  kind: 'community',
  nameZh: '',
  nameEn: '',
  address: '',
  phone: '',
  hubId: '',
  // A new hub runs both reading centres unless the administrator unticks one.
  readingServices: [...SERVICES],
};

type FormKey = keyof Form;
type Errors = Partial<Record<FormKey, string>>;

export default function FacilitiesPage() {
  const { t, name, labelOf } = useI18n();
  const { session } = useAuth();
  const canEdit = session?.user.role === 'admin';
  usePageTitle('facilities.title');
  const result = useAsync((signal) => listFacilities(signal), []);
  const [editing, setEditing] = useState<FacilityView | 'new' | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const facilities = result.data?.facilities ?? [];
  const hubs = facilities.filter((f) => f.kind === 'hub');

  const done = (text: string) => {
    setEditing(null);
    setStatus(text);
    result.reload();
  };

  return (
    <section className="page admin-page">
      <div className="page-head">
        <h1>{t('facilities.title')}</h1>
        {canEdit && editing === null && (
          <div className="actions">
            <button
              type="button"
              onClick={() => {
                setStatus(null);
                setEditing('new');
              }}
            >
              {t('admin.facilities.new')}
            </button>
          </div>
        )}
      </div>
      <p className="muted">{t('admin.facilities.intro')}</p>
      <StatusNote text={status} />
      {editing !== null && (
        <FacilityEditor
          key={editing === 'new' ? 'new' : editing.id}
          facility={editing === 'new' ? null : editing}
          hubs={hubs}
          onCancel={() => setEditing(null)}
          onDone={done}
        />
      )}
      <ErrorMessage error={result.error} wording={ADMIN_ERRORS} />
      {result.data && (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('facilities.code')}</th>
                <th scope="col">{t('facilities.name')}</th>
                <th scope="col">{t('facilities.kind')}</th>
                <th scope="col">{t('admin.facilities.readBy')}</th>
                <th scope="col">{t('facilities.address')}</th>
                <th scope="col">{t('admin.status')}</th>
                {canEdit && <th scope="col">{t('admin.actions')}</th>}
              </tr>
            </thead>
            <tbody>
              {facilities.map((f) => (
                <tr key={f.id} className={f.active ? undefined : 'admin-inactive'}>
                  <td className="mono">{f.code}</td>
                  <th scope="row" className="admin-rowhead">
                    {name(f.nameZh, f.nameEn)}
                  </th>
                  <td>{t(`facilities.kind.${f.kind}`)}</td>
                  <td>
                    {f.readingCentres.length === 0
                      ? '—'
                      : f.readingCentres.map((c) => (
                          <span key={c.id} className="tag">
                            {labelOf(SERVICE_LABELS[c.service])}
                          </span>
                        ))}
                  </td>
                  <td>{f.address ?? '—'}</td>
                  <td>{f.active ? t('admin.active') : <strong>{t('admin.inactive')}</strong>}</td>
                  {canEdit && (
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        aria-label={`${t('common.edit')} ${name(f.nameZh, f.nameEn)}`}
                        onClick={() => {
                          setStatus(null);
                          setEditing(f);
                        }}
                      >
                        {t('common.edit')}
                      </button>
                    </td>
                  )}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {result.data && (
        <ReadingCentresSection
          centres={result.data.readingCentres}
          facilities={facilities}
          canEdit={canEdit}
          onRenamed={(text) => {
            setStatus(text);
            result.reload();
          }}
        />
      )}
    </section>
  );
}

function FacilityEditor({
  facility,
  hubs,
  onCancel,
  onDone,
}: {
  facility: FacilityView | null;
  hubs: readonly FacilityView[];
  onCancel: () => void;
  onDone: (text: string) => void;
}) {
  const { t, name, labelOf } = useI18n();
  const ids = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [form, setForm] = useState<Form>(() =>
    facility
      ? {
          code: facility.code,
          kind: facility.kind,
          nameZh: facility.nameZh,
          nameEn: facility.nameEn,
          address: facility.address ?? '',
          phone: facility.phone ?? '',
          hubId: facility.hubId ?? '',
          readingServices: facility.kind === 'hub' ? facility.readingCentres.map((c) => c.service) : [],
        }
      : { ...EMPTY, hubId: hubs.find((h) => h.active)?.id ?? '' },
  );
  const { busy, errors, submitError, refuse, send } = useFieldErrors<FormKey>(ids, EMPTY);
  const [confirming, setConfirming] = useState(false);

  useEffect(() => heading.current?.focus(), []);

  const set = (field: FormKey) => (e: { target: { value: string } }) =>
    setForm((f) => ({ ...f, [field]: e.target.value }));

  const check = (): Errors => {
    const e: Errors = {};
    if (!form.code.trim()) e.code = t('admin.required');
    else if (!/^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$/.test(form.code.trim())) e.code = t('admin.facilities.invalid.code');
    if (!form.nameZh.trim()) e.nameZh = t('admin.required');
    if (!form.nameEn.trim()) e.nameEn = t('admin.required');
    if (form.phone.trim() && !/^[0-9+\- ]{5,20}$/.test(form.phone.trim()))
      e.phone = t('admin.facilities.invalid.phone');
    if (form.kind === 'community' && !form.hubId) e.hubId = t('admin.required');
    return e;
  };

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (refuse(check())) return;
    const body = {
      code: form.code.trim().toUpperCase(),
      nameZh: form.nameZh.trim(),
      nameEn: form.nameEn.trim(),
      address: form.address.trim(),
      ...(form.phone.trim() || facility ? { phone: form.phone.trim() } : {}),
      ...(form.kind === 'community' ? { hubId: form.hubId } : { readingServices: form.readingServices }),
    };
    return send(async () => {
      const saved = facility
        ? await updateFacility(facility.id, body)
        : await createFacility({ ...body, kind: form.kind, address: body.address || undefined });
      onDone(
        t(facility ? 'admin.facilities.updated' : 'admin.facilities.created', {
          name: name(saved.nameZh, saved.nameEn),
        }),
      );
    });
  };

  const toggleActive = () => {
    if (!facility) return;
    return send(async () => {
      try {
        const saved = await setFacilityActive(facility.id, !facility.active);
        onDone(
          t(saved.active ? 'admin.facilities.activated' : 'admin.facilities.deactivated', {
            name: name(saved.nameZh, saved.nameEn),
          }),
        );
      } catch (err) {
        setConfirming(false);
        throw err;
      }
    });
  };

  const title = facility
    ? t('admin.facilities.editTitle', { name: name(facility.nameZh, facility.nameEn) })
    : t('admin.facilities.new');
  const text = (
    field: Exclude<FormKey, 'kind' | 'readingServices' | 'hubId'>,
    label: string,
    hint?: string,
    lang?: string,
  ) => (
    <Field id={`${ids}-${field}`} label={label} hint={hint} error={errors[field]}>
      {(a11y) => (
        <input {...a11y} name={field} value={form[field]} onChange={set(field)} autoComplete="off" lang={lang} />
      )}
    </Field>
  );

  return (
    <section className="card admin-editor" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} ref={heading} tabIndex={-1}>
        {title}
      </h2>
      <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
        {!facility && (
          <fieldset className="field">
            <legend>{t('facilities.kind')}</legend>
            <div className="choices">
              {(['community', 'hub'] as const).map((k) => (
                <label key={k} className="choice">
                  <input
                    type="radio"
                    name="kind"
                    value={k}
                    checked={form.kind === k}
                    onChange={() => setForm((f) => ({ ...f, kind: k }))}
                  />
                  {t(`facilities.kind.${k}`)}
                </label>
              ))}
            </div>
          </fieldset>
        )}
        <div className="row">
          {text('code', t('facilities.code'), t('admin.facilities.codeHint'))}
          {text('phone', t('admin.facilities.phone'))}
        </div>
        <div className="row">
          {text('nameZh', t('admin.facilities.nameZh'), undefined, 'zh-CN')}
          {text('nameEn', t('admin.facilities.nameEn'), undefined, 'en')}
        </div>
        {text('address', t('facilities.address'))}
        {form.kind === 'community' ? (
          <Field
            id={`${ids}-hubId`}
            label={t('admin.facilities.hub')}
            hint={t('admin.facilities.hubHint')}
            error={errors.hubId}
          >
            {(a11y) => (
              <select {...a11y} name="hubId" value={form.hubId} onChange={set('hubId')}>
                <option value="">—</option>
                {hubs.map((h) => (
                  <option key={h.id} value={h.id} disabled={!h.active && h.id !== facility?.hubId}>
                    {name(h.nameZh, h.nameEn)} ·{' '}
                    {h.readingCentres.map((c) => labelOf(SERVICE_LABELS[c.service])).join('、') || '—'}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : (
          <fieldset
            className={`field${errors.readingServices ? ' invalid' : ''}`}
            aria-describedby={errors.readingServices ? `${ids}-readingServices-err` : undefined}
          >
            <legend>{t('admin.facilities.readingServices')}</legend>
            <div className="choices">
              {SERVICES.map((s) => (
                <label key={s} className="choice">
                  <input
                    type="checkbox"
                    name="readingServices"
                    value={s}
                    checked={form.readingServices.includes(s)}
                    onChange={(e) =>
                      setForm((f) => ({
                        ...f,
                        readingServices: e.target.checked
                          ? SERVICES.filter((x) => x === s || f.readingServices.includes(x))
                          : f.readingServices.filter((x) => x !== s),
                      }))
                    }
                  />
                  {labelOf(SERVICE_LABELS[s])}
                </label>
              ))}
            </div>
            {errors.readingServices && (
              <p className="field-error" id={`${ids}-readingServices-err`}>
                {errors.readingServices}
              </p>
            )}
          </fieldset>
        )}
        <ErrorMessage error={submitError} wording={ADMIN_ERRORS} />
        <EditorActions
          busy={busy}
          onCancel={onCancel}
          toggle={
            facility
              ? {
                  active: facility.active,
                  confirming,
                  setConfirming,
                  onToggle: () => void toggleActive(),
                  activate: t('admin.facilities.activate'),
                  deactivate: t('admin.facilities.deactivate'),
                  confirmText: t('admin.facilities.confirmDeactivate', {
                    name: name(facility.nameZh, facility.nameEn),
                  }),
                }
              : undefined
          }
        />
      </form>
    </section>
  );
}
