import { PRIORITY_LABELS, STATE_LABELS, type Priority, type ReferralState } from '@zhiyin/workflow';
import { useI18n } from '../../i18n/i18n';
import './referrals.css';

// A referral's state and priority as the lists show them, wherever referrals are listed (the referral list, a
// patient's page): the same colours everywhere, so a state reads the same on every screen.

export function StateBadge({ state }: { state: ReferralState }) {
  const { labelOf } = useI18n();
  return (
    <span className={`ref-state st-${state}`} data-state={state}>
      {labelOf(STATE_LABELS[state])}
    </span>
  );
}

export function PriorityBadge({ priority }: { priority: Priority }) {
  const { labelOf } = useI18n();
  return <span className={`ref-priority pr-${priority}`}>{labelOf(PRIORITY_LABELS[priority])}</span>;
}
