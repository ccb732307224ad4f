import type { ReferralDetailView, ReferralEventRequest, ReferralListView } from '@zhiyin/contracts';
import { api, query } from '../../lib/api';
import { askedAhead } from '../../lib/askedAhead';

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

// A referral asked for ahead of its screen (a page opened at /reading/:id or /referrals/:id, app/prefetch.ts).
const ahead = askedAhead<ReferralDetailView>();

/** Asks for a referral now, for the screen that will read it in a moment. */
export const prefetchReferral = (id: string) => ahead.ask(id, () => getReferral(id));

/** The referral asked for ahead, if any, taken (a second read asks the server). */
export const takePrefetchedReferral = (id: string) => ahead.take(id);

export const fireEvent = (id: string, body: ReferralEventRequest) =>
  api<ReferralDetailView>(`${referralPath(id)}/events`, { method: 'POST', body });
