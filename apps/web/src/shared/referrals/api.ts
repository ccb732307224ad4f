import type { ReferralDetailView, ReferralEventRequest, ReferralListView } from '@zhiyin/contracts';
import { api, query } from '../../lib/api';

// The calls that read a referral or take a step on it (apps/api/src/modules/referrals; the shapes are
// packages/contracts' views): the referral screens, the reading room, the board and the patient's page all use them.
// What only the referral screens call stays in features/referrals/api.ts.

/** The path of one referral, which its messages, plan and report hang under. */
export const referralPath = (id: string) => `/api/referrals/${encodeURIComponent(id)}`;

export const listReferrals = (
  params: { state?: string; priority?: string; service?: string; patientId?: string; limit?: number; offset?: number },
  signal?: AbortSignal,
) => api<ReferralListView>(`/api/referrals${query(params)}`, { signal });

export const getReferral = (id: string, signal?: AbortSignal) => api<ReferralDetailView>(referralPath(id), { signal });

export const fireEvent = (id: string, body: ReferralEventRequest) =>
  api<ReferralDetailView>(`${referralPath(id)}/events`, { method: 'POST', body });
