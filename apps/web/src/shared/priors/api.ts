import type { PriorStudyView } from '@zhiyin/contracts';
import { api } from '../../lib/api';

/** The referral patient's earlier studies in the network, newest first (see the API's priors module). */
export function listPriors(referralId: string, signal?: AbortSignal) {
  return api<PriorStudyView[]>(`/api/referrals/${encodeURIComponent(referralId)}/priors`, { signal });
}
