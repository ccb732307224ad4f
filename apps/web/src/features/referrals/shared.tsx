import { isTerminalState, REFERRAL_STATES, TERMINAL_STATES, type ReferralState } from '@zhiyin/workflow';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import '../../shared/referrals/referrals.css';

export const OPEN_STATES: ReferralState[] = REFERRAL_STATES.filter((s) => !isTerminalState(s));
export const CLOSED_STATES: ReferralState[] = [...TERMINAL_STATES];

import type { Need } from './needs';

export { needOf, type Need } from './needs';

/** "3 h 5 min", "2 d 4 h": how long, for people. */
export function useDuration(): (ms: number) => string {
  const { t } = useI18n();
  return (ms: number) => {
    const min = Math.max(0, Math.round(Math.abs(ms) / 60_000));
    if (min < 60) return t('referrals.dur.min', { m: min });
    const h = Math.floor(min / 60);
    if (h < 48) return t('referrals.dur.hmin', { h, m: min % 60 });
    return t('referrals.dur.dh', { d: Math.floor(h / 24), h: h % 24 });
  };
}

export function NeedBadge({ need }: { need: Need }) {
  const { t } = useI18n();
  return <span className="ref-badge action">{t(`referrals.need.${need}` as MessageKey)}</span>;
}
