import { useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useConfirm } from '../../lib/confirm';
import { ErrorMessage, errorReason } from '../../lib/errors';
import { useAction } from '../../lib/useAction';
import { REFERRAL_REFUSALS } from '../referrals/refusal';
import type { LiveReferral } from '../referrals/useLiveReferral';
import { savePlan, signPlan } from './api';
import { PlanEditForm } from './PlanEditForm';
import { formOf, planInputOf, type PlanForm } from './planForm';
import { PlanSignatures } from './PlanSignatures';
import { PlanVersionFacts } from './PlanVersionFacts';
import { usePlan } from './usePlan';
import '../referrals/referrals.css';

/**
 * The joint treatment plan of a referral: the current version, both doctors' signatures, a form to
 * propose or revise it (either doctor; every change is a new version and clears both signatures) and
 * signing the version on screen. The plan binds only when both have signed the same version; a
 * signature on a version that has since changed is refused by the API and the panel reloads.
 */
export function PlanPanel({ referral }: { referral: LiveReferral }) {
  const { t } = useI18n();
  const ids = useId();
  const r = referral.data;
  const referralId = r?.id ?? '';
  const { plan, answered } = usePlan(referral);
  const [form, setForm] = useState<PlanForm>();
  const { busy, error, run, reset } = useAction();
  const [formError, setFormError] = useState<string>();
  const [done, setDone] = useState('');
  const [confirm, confirmDialog] = useConfirm();

  const current = plan.data?.current ?? null;
  const available = r?.availableEvents ?? [];
  const canEdit = available.includes('propose_plan') || available.includes('revise_plan');
  const canSign = available.includes('sign_plan') || available.includes('countersign_plan');

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
    const input = planInputOf(form);
    if ('missing' in input) return setFormError(t(input.missing));
    return run(async () => {
      const saved = await referral.step(['propose_plan', 'revise_plan'], async () => {
        answered.current = await savePlan(referralId, input.body);
        return answered.current;
      });
      setForm(undefined);
      setDone(t('referrals.plan.savedNote', { version: saved.current?.version ?? '' }));
    });
  };

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

      {plan.data && current && (
        <>
          <PlanVersionFacts version={current} />
          <PlanSignatures plan={plan.data} />
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
        <PlanEditForm
          form={form}
          setForm={setForm}
          revising={Boolean(current)}
          busy={busy}
          formError={formError}
          onSubmit={(e) => void save(e)}
        />
      )}
    </section>
  );
}
