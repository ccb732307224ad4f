import type { Disposition, Service } from '@zhiyin/workflow';
import { api, authorizedFetch, query } from '../../lib/api';
import type { ReferralDetail, ReferralSummary } from '../../shared/referrals/api';
import type { Diagnosis, EcgReportMeasurements, ReportView } from '../../shared/referrals/report';

// The REST calls only the reading room makes; the referral's own shapes and calls are in
// shared/referrals/ (see the referrals and clinical modules of the API).

export interface ReportDraft {
  findings?: string;
  impression?: string;
  diagnoses?: Diagnosis[];
  measurements?: EcgReportMeasurements;
  disposition?: Disposition;
}

export interface Icd10Entry {
  code: string;
  zh: string;
  en: string;
}

/** Waiting and in-progress referrals of the caller's pool, most urgent first. */
export function worklist(signal?: AbortSignal) {
  return api<{ items: ReferralSummary[]; total: number }>(`/api/referrals${query({ worklist: 'true', limit: 200 })}`, {
    signal,
  });
}

export function claimNext() {
  return api<ReferralDetail>('/api/referrals/claim-next', { method: 'POST' });
}

export function saveReport(id: string, draft: ReportDraft) {
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
  return api<Icd10Entry[]>(`/api/icd10${query({ q })}`, { signal });
}

export interface Facility {
  id: string;
  code: string;
  nameZh: string;
  nameEn: string;
}

/** A hub reading centre, by the name the administrator gave it. */
export interface ReadingCentre {
  id: string;
  hubId: string;
  service: Service;
  nameZh: string;
  nameEn: string;
}

export function facilities(signal?: AbortSignal) {
  return api<{ facilities: Facility[]; readingCentres: ReadingCentre[] }>('/api/facilities', { signal });
}

export function reportPdfPath(id: string): string {
  return `/api/referrals/${encodeURIComponent(id)}/report/pdf`;
}

/** One of the patient's earlier studies in the network, as the priors endpoint lists them. */
export interface PriorStudy {
  studyInstanceUid: string;
  studyDate?: string | null;
  modalities?: string[];
  description?: string | null;
  centreName?: string | null;
}

/**
 * The patient's earlier studies for a referral; null when the server does not answer 200 (an API
 * without the endpoint, or no access), so the reading room shows no prior picker at all.
 */
export async function priorStudies(referralId: string, signal?: AbortSignal): Promise<PriorStudy[] | null> {
  const res = await authorizedFetch(`/api/referrals/${encodeURIComponent(referralId)}/priors`, { signal });
  if (res.status !== 200) return null;
  return (await res.json()) as PriorStudy[];
}
