import type { PlanView } from '@zhiyin/contracts';
import { planSignerOf, type PlanSigner } from '@zhiyin/workflow';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { SIGNERS } from './usePlan';

/** Both doctors' signatures on the current version (or the older version they last signed), and whether it binds. */
export function PlanSignatures({ plan }: { plan: PlanView }) {
  const { t, name, dateTime } = useI18n();
  const { session } = useAuth();
  const current = plan.current;
  if (!current) return null;
  const mySlot = session ? planSignerOf(session.user.role) : null;
  // The last signature of each doctor, on whichever version it was.
  const lastSignature = (role: PlanSigner) =>
    [...plan.versions]
      .reverse()
      .flatMap((v) => v.signatures.filter((s) => s.role === role).map((s) => ({ ...s, version: v.version })))[0];

  return (
    <>
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
      <p className={plan.agreed ? 'ok' : 'muted small'} role="status">
        {plan.agreed ? t('referrals.plan.agreedNote', { version: current.version }) : t('referrals.plan.bindingRule')}
      </p>
    </>
  );
}
