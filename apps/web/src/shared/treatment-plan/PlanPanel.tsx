import {
  DISPOSITION_LABELS,
  DISPOSITIONS,
  needsHubAppointment,
  planSignerOf,
  type Disposition,
  type PlanSigner,
  type PlanSnapshot,
} from '@zhiyin/workflow';
import { useId, useRef, useState, type FormEvent } from 'react';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { useConfirm } from '../../lib/confirm';
import { ErrorMessage, errorReason } from '../../lib/errors';
import { useAsync } from '../../lib/hooks';
import { getPlan, savePlan, signPlan, type Medication, type PlanInput, type PlanVersion, type PlanView } from './api';
import { REFERRAL_REFUSALS } from '../referrals/refusal';
import type { LiveReferral } from '../referrals/useLiveReferral';
import '../referrals/referrals.css';
import { useAction } from '../../lib/useAction';

const SIGNERS: PlanSigner[] = ['community_doctor', 'specialist'];
const MED_FIELDS = ['name', 'dose', 'route', 'frequency', 'duration'] as const;
const EMPTY_MED: Medication = { name: '', dose: '', route: '', frequency: '', duration: '' };

interface Form {
  diagnosis: string;
  medications: Medication[];
  tests: string;
  followUp: string;
  whereTreated: string;
  instructions: string;
  warningSigns: string;
  bring: string;
  disposition: Disposition;
  appointmentAt: string;
  department: string;
  place: string;
}

/** A datetime-local value (local time, minutes) for an ISO time. */
function localInput(iso: string | null | undefined): string {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function formOf(v: PlanVersion | null, fallback: Disposition): Form {
  const c = v?.content;
  return {
    diagnosis: c?.diagnosis ?? '',
    medications: c?.medications?.length ? c.medications.map((m) => ({ ...m })) : [],
    tests: c?.tests ?? '',
    followUp: c?.followUp ?? '',
    whereTreated: c?.whereTreated ?? '',
    instructions: c?.instructions ?? '',
    warningSigns: c?.warningSigns ?? '',
    bring: c?.bring ?? '',
    disposition: v?.disposition ?? fallback,
    appointmentAt: localInput(v?.hubAppointment?.at),
    department: v?.hubAppointment?.department ?? '',
    place: c?.appointmentPlace ?? '',
  };
}

/** What of the plan the referral shows: its version and who signed that version. */
function planKey(p: PlanSnapshot | null | undefined): string {
  if (!p) return 'none';
  const signed = SIGNERS.filter((role) => p.signatures[role]?.version === p.version);
  return `${p.version}:${signed.join(',')}`;
}

function viewKey(v: PlanView): string {
  if (!v.current) return 'none';
  const signed = SIGNERS.filter((role) => v.current!.signatures.some((s) => s.role === role));
  return `${v.current.version}:${signed.join(',')}`;
}

/**
 * The joint treatment plan of a referral: the current version, both doctors' signatures, a form to
 * propose or revise it (either doctor; every change is a new version and clears both signatures) and
 * signing the version on screen. The plan binds only when both have signed the same version; a
 * signature on a version that has since changed is refused by the API and the panel reloads.
 */
export function PlanPanel({ referral }: { referral: LiveReferral }) {
  const { t, name, dateTime, labelOf } = useI18n();
  const { session } = useAuth();
  const ids = useId();
  const r = referral.data;
  const referralId = r?.id ?? '';
  // The plan is read when the panel opens and again only when the screen's referral shows another version
  // or other signatures; the answer to a save or a signature here is used as it is.
  const key = planKey(r?.plan);
  const answered = useRef<PlanView>(undefined);
  const plan = useAsync(
    (signal) =>
      !referralId
        ? Promise.resolve(undefined)
        : answered.current && viewKey(answered.current) === key
          ? Promise.resolve(answered.current)
          : getPlan(referralId, signal),
    [referralId, key],
  );
  const [form, setForm] = useState<Form>();
  const { busy, error, run, reset } = useAction();
  const [formError, setFormError] = useState<string>();
  const [done, setDone] = useState('');
  const [confirm, confirmDialog] = useConfirm();

  const current = plan.data?.current ?? null;
  const available = r?.availableEvents ?? [];
  const canEdit = available.includes('propose_plan') || available.includes('revise_plan');
  const canSign = available.includes('sign_plan') || available.includes('countersign_plan');
  const mySlot = session ? planSignerOf(session.user.role) : null;
  const label = (k: keyof typeof DISPOSITION_LABELS) => labelOf(DISPOSITION_LABELS[k]);

  const startEdit = () => {
    reset();
    setFormError(undefined);
    setForm(formOf(current, r?.report?.disposition ?? 'manage_in_community'));
  };

  const sign = async () => {
    if (!current) return;
    const confirmed = await confirm({
      title: t('referrals.plan.signTitle', { n: current.version }),
      text: t('referrals.plan.signConfirm', { version: current.version }),
      confirmLabel: t('referrals.plan.sign', { n: current.version }),
    });
    if (!confirmed) return;
    setDone('');
    // A version changed meanwhile: the referral, read again, shows it, and the plan follows.
    return run(async () => {
      await referral.step(['sign_plan', 'countersign_plan'], async () => {
        answered.current = await signPlan(referralId, current.version);
      });
      setDone(t('referrals.plan.signedNote', { version: current.version }));
    });
  };

  const save = (e: FormEvent) => {
    e.preventDefault();
    if (!form) return;
    setFormError(undefined);
    reset();
    const meds = form.medications.filter((m) => MED_FIELDS.some((k) => m[k].trim()));
    if (!form.diagnosis.trim()) return setFormError(t('referrals.plan.needDiagnosis'));
    if (meds.some((m) => MED_FIELDS.some((k) => !m[k].trim()))) return setFormError(t('referrals.plan.needMedFields'));
    const withAppointment = needsHubAppointment(form.disposition);
    if (withAppointment && form.appointmentAt && !form.department.trim())
      return setFormError(t('referrals.plan.needDepartment'));
    const opt = (v: string) => (v.trim() ? v.trim() : undefined);
    const body: PlanInput = {
      disposition: form.disposition,
      content: {
        diagnosis: form.diagnosis.trim(),
        medications: meds.map((m) => ({
          name: m.name.trim(),
          dose: m.dose.trim(),
          route: m.route.trim(),
          frequency: m.frequency.trim(),
          duration: m.duration.trim(),
        })),
        tests: opt(form.tests),
        followUp: opt(form.followUp),
        whereTreated: opt(form.whereTreated),
        instructions: opt(form.instructions),
        warningSigns: opt(form.warningSigns),
        bring: opt(form.bring),
      },
      ...(withAppointment && form.appointmentAt
        ? {
            hubAppointment: {
              at: new Date(form.appointmentAt).toISOString(),
              department: form.department.trim(),
              ...(form.place.trim() ? { place: form.place.trim() } : {}),
            },
          }
        : {}),
    };
    return run(async () => {
      const saved = await referral.step(['propose_plan', 'revise_plan'], async () => {
        answered.current = await savePlan(referralId, body);
        return answered.current;
      });
      setForm(undefined);
      setDone(t('referrals.plan.savedNote', { version: saved.current?.version ?? '' }));
    });
  };

  const set = (k: keyof Form) => (e: { target: { value: string } }) =>
    setForm((f) => (f ? { ...f, [k]: e.target.value } : f));
  const setMed = (i: number, k: keyof Medication, v: string) =>
    setForm((f) => (f ? { ...f, medications: f.medications.map((m, j) => (j === i ? { ...m, [k]: v } : m)) } : f));

  // The last signature of each doctor, on whichever version it was.
  const lastSignature = (role: PlanSigner) =>
    [...(plan.data?.versions ?? [])]
      .reverse()
      .flatMap((v) => v.signatures.filter((s) => s.role === role).map((s) => ({ ...s, version: v.version })))[0];

  const text = (label: string, value: string | null | undefined) =>
    value ? (
      <div>
        <dt>{label}</dt>
        <dd className="ref-pre">{value}</dd>
      </div>
    ) : null;

  return (
    <section className="card ref-plan" aria-labelledby={`${ids}-h`} data-testid="plan-panel">
      <div className="page-head">
        <h2 id={`${ids}-h`}>
          {t('referrals.plan.title')}
          {current && <span className="muted small"> · {t('referrals.plan.version', { n: current.version })}</span>}
        </h2>
        {plan.data?.agreed && (
          <span className="ref-badge ok-badge" data-testid="plan-agreed">
            {t('referrals.plan.binding')}
          </span>
        )}
      </div>
      {confirmDialog}
      <ErrorMessage error={plan.error ?? referral.error} />
      {plan.data && !current && <p className="muted">{t('referrals.plan.none')}</p>}

      {current && (
        <>
          <dl className="ref-plan-facts">
            <div>
              <dt>{t('referrals.plan.diagnosis')}</dt>
              <dd data-testid="plan-diagnosis">{current.content.diagnosis}</dd>
            </div>
            <div>
              <dt>{t('referrals.plan.disposition')}</dt>
              <dd>{label(current.disposition)}</dd>
            </div>
            {current.hubAppointment && (
              <div>
                <dt>{t('referrals.plan.appointment')}</dt>
                <dd>
                  {dateTime(current.hubAppointment.at)} {current.hubAppointment.department ?? ''}{' '}
                  {current.content.appointmentPlace ?? ''}
                </dd>
              </div>
            )}
            {text(t('referrals.plan.whereTreated'), current.content.whereTreated)}
            {text(t('referrals.plan.followUp'), current.content.followUp)}
            {text(t('referrals.plan.tests'), current.content.tests)}
            {text(t('referrals.plan.instructions'), current.content.instructions)}
            {text(t('referrals.plan.warningSigns'), current.content.warningSigns)}
            {text(t('referrals.plan.bring'), current.content.bring)}
          </dl>
          {current.content.medications.length > 0 && (
            <div className="table-wrap">
              <table className="list">
                <caption className="ref-caption">{t('referrals.plan.medications')}</caption>
                <thead>
                  <tr>
                    <th scope="col">{t('referrals.plan.med.name')}</th>
                    <th scope="col">{t('referrals.plan.med.dose')}</th>
                    <th scope="col">{t('referrals.plan.med.route')}</th>
                    <th scope="col">{t('referrals.plan.med.frequency')}</th>
                    <th scope="col">{t('referrals.plan.med.duration')}</th>
                  </tr>
                </thead>
                <tbody>
                  {current.content.medications.map((m, i) => (
                    <tr key={i}>
                      <td>{m.name}</td>
                      <td>{m.dose}</td>
                      <td>{m.route}</td>
                      <td>{m.frequency}</td>
                      <td>{m.duration}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <p className="muted small">
            {t('referrals.plan.changedBy', {
              who: name(current.changedBy.nameZh, current.changedBy.nameEn),
              when: dateTime(current.changedAt),
            })}
          </p>

          <h3>{t('referrals.plan.signatures')}</h3>
          <ul className="ref-signatures">
            {SIGNERS.map((role) => {
              const onCurrent = current.signatures.find((s) => s.role === role);
              const last = lastSignature(role);
              return (
                <li key={role} data-testid={`signature-${role}`} data-signed={onCurrent ? 'true' : 'false'}>
                  <strong>{t(`role.${role}`)}</strong>
                  {role === mySlot && <span className="muted small"> ({t('referrals.msg.you')})</span>}:{' '}
                  {onCurrent ? (
                    <span className="ok">
                      ✓{' '}
                      {t('referrals.plan.signedBy', {
                        who: name(onCurrent.nameZh, onCurrent.nameEn),
                        version: current.version,
                        when: dateTime(onCurrent.at),
                      })}
                    </span>
                  ) : last ? (
                    <span className="warning-text">
                      {t('referrals.plan.signedOlder', { version: last.version, when: dateTime(last.at) })}
                    </span>
                  ) : (
                    <span className="muted">{t('referrals.plan.notSigned')}</span>
                  )}
                </li>
              );
            })}
          </ul>
          <p className={plan.data?.agreed ? 'ok' : 'muted small'} role="status">
            {plan.data?.agreed
              ? t('referrals.plan.agreedNote', { version: current.version })
              : t('referrals.plan.bindingRule')}
          </p>
        </>
      )}

      <ErrorMessage error={error} wording={REFERRAL_REFUSALS} />
      {errorReason(error) === 'stale_plan_version' && (
        <p className="notice" role="status">
          {t('referrals.plan.reloaded')}
        </p>
      )}
      {done && !error && (
        <p className="ok" role="status">
          {done}
        </p>
      )}

      {!form && (canSign || canEdit) && (
        <div className="actions">
          {canSign && current && (
            <button type="button" disabled={busy} onClick={() => void sign()} data-testid="plan-sign">
              {t('referrals.plan.sign', { n: current.version })}
            </button>
          )}
          {canEdit && (
            <button type="button" className="secondary" onClick={startEdit} data-testid="plan-edit">
              {current ? t('referrals.plan.revise') : t('referrals.plan.propose')}
            </button>
          )}
        </div>
      )}

      {form && (
        <form className="ref-plan-form" onSubmit={(e) => void save(e)} noValidate aria-labelledby={`${ids}-fh`}>
          <h3 id={`${ids}-fh`}>{current ? t('referrals.plan.reviseTitle') : t('referrals.plan.proposeTitle')}</h3>
          {current && <p className="hint">{t('referrals.plan.reviseHint')}</p>}
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
              {current ? t('referrals.plan.saveRevision') : t('referrals.plan.saveProposal')}
            </button>
            <button type="button" className="secondary" onClick={() => setForm(undefined)}>
              {t('common.cancel')}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}
