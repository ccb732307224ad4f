import type { FacilityView, NewServiceAccount } from '@zhiyin/contracts';
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { createServiceAccount } from './api';
import { ADMIN_ERRORS, EditorActions, Field, useFieldErrors } from './shared';
import { ErrorMessage } from '../../lib/errors';

/** A new gateway account of a community centre: its centre and a name the centre's staff recognise. */
export function GatewayAccountEditor({
  facilities,
  onCancel,
  onDone,
}: {
  facilities: readonly FacilityView[];
  onCancel: () => void;
  onDone: (account: NewServiceAccount) => void;
}) {
  const { t, name } = useI18n();
  const ids = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [form, setForm] = useState({ name: '', facilityId: '' });
  const { busy, errors, submitError, refuse, send } = useFieldErrors<'name' | 'facilityId'>(ids, [
    'name',
    'facilityId',
  ]);
  useEffect(() => heading.current?.focus(), []);
  // A gateway forwards a community centre's studies: only those can have one.
  const centres = facilities.filter((f) => f.active && f.kind === 'community');

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const found: Partial<Record<'name' | 'facilityId', string>> = {};
    if (!form.name.trim()) found.name = t('admin.required');
    else if (form.name.trim().length > 100) found.name = t('admin.centres.tooLong', { max: 100 });
    if (!form.facilityId) found.facilityId = t('admin.required');
    if (refuse(found)) return;
    return send(async () =>
      onDone(await createServiceAccount({ facilityId: form.facilityId, name: form.name.trim() })),
    );
  };

  return (
    <section className="card admin-editor" aria-labelledby={`${ids}-title`}>
      <h3 id={`${ids}-title`} ref={heading} tabIndex={-1}>
        {t('admin.devices.gateways.new')}
      </h3>
      <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
        <div className="row">
          <Field id={`${ids}-facilityId`} label={t('admin.devices.aes.facility')} error={errors.facilityId}>
            {(a11y) => (
              <select
                {...a11y}
                name="facilityId"
                value={form.facilityId}
                onChange={(e) => {
                  const f = centres.find((c) => c.id === e.target.value);
                  setForm((x) => ({
                    facilityId: e.target.value,
                    // a name the centre's staff recognise, unless one was typed
                    name:
                      x.name ||
                      (f ? t('admin.devices.gateways.defaultName', { centre: name(f.nameZh, f.nameEn) }) : ''),
                  }));
                }}
              >
                <option value="">{t('admin.devices.aes.choose')}</option>
                {centres.map((f) => (
                  <option key={f.id} value={f.id}>
                    {name(f.nameZh, f.nameEn)}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <Field id={`${ids}-name`} label={t('admin.devices.gateways.name')} error={errors.name}>
            {(a11y) => (
              <input
                {...a11y}
                name="name"
                value={form.name}
                maxLength={100}
                autoComplete="off"
                onChange={(e) => setForm((x) => ({ ...x, name: e.target.value }))}
              />
            )}
          </Field>
        </div>
        <ErrorMessage error={submitError} wording={ADMIN_ERRORS} />
        <EditorActions busy={busy} onCancel={onCancel} />
      </form>
    </section>
  );
}
