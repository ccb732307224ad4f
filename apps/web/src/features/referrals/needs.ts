import type { ReferralSummaryView } from '@zhiyin/contracts';
import type { Role } from '../../lib/session';

/** What a referral waits for from this person, if anything (the desk makes it stand out). */
export type Need = 'submit' | 'accept' | 'answer' | 'plan' | 'outcome';

export function needOf(
  r: Pick<ReferralSummaryView, 'state' | 'direction' | 'planSigners'>,
  role: Role | undefined,
): Need | null {
  if (role === 'community_doctor') {
    switch (r.state) {
      case 'draft':
        return 'submit';
      case 'info_requested':
        return 'answer';
      case 'reported':
        // The plan waits for this doctor unless they signed its latest version (then the specialist).
        return r.planSigners?.includes('community_doctor') ? null : 'plan';
      case 'plan_agreed':
      case 'acknowledged':
        return 'outcome';
      case 'accepted':
        return r.direction === 'down' ? 'outcome' : null;
      case 'submitted':
        return r.direction === 'down' ? 'accept' : null;
      case 'offered':
      case 'in_review':
      case 'closed':
      case 'cancelled':
        return null;
    }
  }
  if (role === 'coordinator') return r.state === 'plan_agreed' || r.state === 'acknowledged' ? 'outcome' : null;
  return null;
}
