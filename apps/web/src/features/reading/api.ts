import type {
  FacilityListView,
  Icd10EntryView,
  PriorStudyView,
  ReferralDetailView,
  ReferralListView,
  ReportDraftRequest,
  ReportView,
} from '@zhiyin/contracts';
import { api, authorizedFetch, query } from '../../lib/api';

// The REST calls only the reading room makes; the referral's own shapes and calls are in
// shared/referrals/ (see the referrals and clinical modules of the API).

/** Waiting and in-progress referrals of the caller's pool, most urgent first. */
export function worklist(signal?: AbortSignal) {
  return api<ReferralListView>(`/api/referrals${query({ worklist: 'true', limit: 200 })}`, {
    signal,
  });
}

export function claimNext() {
  return api<ReferralDetailView>('/api/referrals/claim-next', { method: 'POST' });
}

export function saveReport(id: string, draft: ReportDraftRequest) {
  return api<ReportView>(`/api/referrals/${encodeURIComponent(id)}/report`, { method: 'PUT', body: draft });
}

export function signReport(id: string) {
  return api<ReportView>(`/api/referrals/${encodeURIComponent(id)}/report/sign`, { method: 'POST' });
}

export function addAddendum(id: string, body: string) {
  return api<ReportView>(`/api/referrals/${encodeURIComponent(id)}/report/addenda`, {
    method: 'POST',
    body: { body },
  });
}

export function searchIcd10(q: string, signal?: AbortSignal) {
  return api<Icd10EntryView[]>(`/api/icd10${query({ q })}`, { signal });
}

export function facilities(signal?: AbortSignal) {
  return api<FacilityListView>('/api/facilities', { signal });
}

export function reportPdfPath(id: string): string {
  return `/api/referrals/${encodeURIComponent(id)}/report/pdf`;
}

/**
 * The patient's earlier studies for a referral; null when the server does not answer 200 (an API
 * without the endpoint, or no access), so the reading room shows no prior picker at all.
 */
export async function priorStudies(referralId: string, signal?: AbortSignal): Promise<PriorStudyView[] | null> {
  const res = await authorizedFetch(`/api/referrals/${encodeURIComponent(referralId)}/priors`, { signal });
  if (res.status !== 200) return null;
  return (await res.json()) as PriorStudyView[];
}
