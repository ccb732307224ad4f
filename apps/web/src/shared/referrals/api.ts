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

// A referral asked for ahead of its screen (a page opened at /reading/:id or /referrals/:id asks for it as soon as the
// sign-in is picked up, before the app has rendered), handed to the screen's own first read once: one request (one
// audited read), made earlier. Kept briefly, so that a later opening asks the server again.
const AHEAD_MS = 20_000;
const ahead = new Map<string, { at: number; referral: Promise<ReferralDetailView> }>();

/** Asks for a referral now, for the screen that will read it in a moment. */
export function prefetchReferral(id: string): Promise<ReferralDetailView> {
  const hit = ahead.get(id);
  if (hit && Date.now() - hit.at < AHEAD_MS) return hit.referral;
  const referral = getReferral(id);
  // the screen's own read then says what is wrong
  referral.catch(() => {
    if (ahead.get(id)?.referral === referral) ahead.delete(id);
  });
  ahead.set(id, { at: Date.now(), referral });
  return referral;
}

/** The referral asked for ahead, if any, taken (a second read asks the server). */
export function takePrefetchedReferral(id: string): Promise<ReferralDetailView> | undefined {
  const hit = ahead.get(id);
  ahead.delete(id);
  return hit && Date.now() - hit.at < AHEAD_MS ? hit.referral : undefined;
}

export const fireEvent = (id: string, body: ReferralEventRequest) =>
  api<ReferralDetailView>(`${referralPath(id)}/events`, { method: 'POST', body });
