import type { Medication } from '@zhiyin/contracts';
import { DISPOSITION_LABELS, DISPOSITIONS, needsHubAppointment } from '@zhiyin/workflow';
import { useId, type Dispatch, type FormEvent, type SetStateAction } from 'react';
import { useI18n } from '../../i18n/i18n';
import { EMPTY_MED, MED_FIELDS, type PlanForm } from './planForm';

interface Props {
  form: PlanForm;
  setForm: Dispatch<SetStateAction<PlanForm | undefined>>;
  /** revising an existing version (else proposing the first) */
  revising: boolean;
  busy: boolean;
  formError: string | undefined;
  onSubmit: (e: FormEvent) => void;
}

/** The form that proposes the plan or revises it: disposition, hub appointment, medicines and advice. */
export function PlanEditForm({ form, setForm, revising, busy, formError, onSubmit }: Props) {
  const { t, labelOf } = useI18n();
  const ids = useId();
  const label = (k: keyof typeof DISPOSITION_LABELS) => labelOf(DISPOSITION_LABELS[k]);
  const set = (k: keyof PlanForm) => (e: { target: { value: string } }) =>
    setForm((f) => (f ? { ...f, [k]: e.target.value } : f));
  const setMed = (i: number, k: keyof Medication, v: string) =>
    setForm((f) => (f ? { ...f, medications: f.medications.map((m, j) => (j === i ? { ...m, [k]: v } : m)) } : f));

  return (
    <form className="ref-plan-form" onSubmit={onSubmit} noValidate aria-labelledby={`${ids}-fh`}>
      <h3 id={`${ids}-fh`}>{revising ? t('referrals.plan.reviseTitle') : t('referrals.plan.proposeTitle')}</h3>
      {revising && <p className="hint">{t('referrals.plan.reviseHint')}</p>}
      <label htmlFor={`${ids}-diag`}>{t('referrals.plan.diagnosis')}</label>
      <input id={`${ids}-diag`} value={form.diagnosis} onChange={set('diagnosis')} maxLength={500} required />
      <label htmlFor={`${ids}-disp`}>{t('referrals.plan.disposition')}</label>
      <select id={`${ids}-disp`} value={form.disposition} onChange={set('disposition')}>
        {DISPOSITIONS.map((d) => (
          <option key={d} value={d}>
            {label(d)}
          </option>
        ))}
      </select>
      {needsHubAppointment(form.disposition) && (
        <fieldset className="field">
          <legend>{t('referrals.plan.appointment')}</legend>
          <p className="hint">{t('referrals.plan.appointmentHint')}</p>
          <div className="ref-row">
            <div>
              <label htmlFor={`${ids}-at`}>{t('referrals.plan.appointmentAt')}</label>
              <input
                id={`${ids}-at`}
                type="datetime-local"
                value={form.appointmentAt}
                onChange={set('appointmentAt')}
              />
            </div>
            <div>
              <label htmlFor={`${ids}-dep`}>{t('referrals.plan.department')}</label>
              <input id={`${ids}-dep`} value={form.department} onChange={set('department')} maxLength={100} />
            </div>
            <div>
              <label htmlFor={`${ids}-place`}>{t('referrals.plan.place')}</label>
              <input id={`${ids}-place`} value={form.place} onChange={set('place')} maxLength={200} />
            </div>
          </div>
        </fieldset>
      )}
      <fieldset className="field">
        <legend>{t('referrals.plan.medications')}</legend>
        {form.medications.map((m, i) => (
          <div className="ref-med" key={i}>
            {MED_FIELDS.map((k) => (
              <div key={k}>
                <label htmlFor={`${ids}-m${i}-${k}`}>{t(`referrals.plan.med.${k}`)}</label>
                <input
                  id={`${ids}-m${i}-${k}`}
                  value={m[k]}
                  maxLength={k === 'name' ? 100 : 50}
                  onChange={(e) => setMed(i, k, e.target.value)}
                />
              </div>
            ))}
            <button
              type="button"
              className="secondary"
              aria-label={t('referrals.plan.med.removeN', { n: i + 1 })}
              onClick={() => setForm({ ...form, medications: form.medications.filter((_, j) => j !== i) })}
            >
              {t('referrals.plan.med.remove')}
            </button>
          </div>
        ))}
        <button
          type="button"
          className="secondary"
          onClick={() => setForm({ ...form, medications: [...form.medications, { ...EMPTY_MED }] })}
        >
          {t('referrals.plan.med.add')}
        </button>
      </fieldset>
      {(
        [
          ['whereTreated', 200, 1],
          ['followUp', 200, 1],
          ['tests', 1000, 2],
          ['instructions', 2000, 3],
          ['warningSigns', 1000, 2],
          ['bring', 500, 1],
        ] as const
      ).map(([k, max, rows]) => (
        <div key={k}>
          <label htmlFor={`${ids}-${k}`}>{t(`referrals.plan.${k}`)}</label>
          {rows === 1 ? (
            <input id={`${ids}-${k}`} value={form[k]} onChange={set(k)} maxLength={max} />
          ) : (
            <textarea id={`${ids}-${k}`} value={form[k]} onChange={set(k)} maxLength={max} rows={rows} />
          )}
        </div>
      ))}
      {formError && (
        <p className="field-error" role="alert">
          {formError}
        </p>
      )}
      <div className="actions">
        <button type="submit" disabled={busy} data-testid="plan-save">
          {revising ? t('referrals.plan.saveRevision') : t('referrals.plan.saveProposal')}
        </button>
        <button type="button" className="secondary" onClick={() => setForm(undefined)}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
