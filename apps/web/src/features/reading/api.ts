import type { Disposition, Priority, ReferralEventType, ReferralState, Service, TimerKind } from '@zhiyin/workflow';
import { api, query } from '../../lib/api';

// The REST shapes the reading room uses (see the referrals and clinical modules of the API).

export interface WorklistItem {
  id: string;
  number: string;
  direction: 'up' | 'down';
  state: ReferralState;
  service: Service;
  modality: string | null;
  priority: Priority;
  patient_id: string;
  origin_facility_id: string;
  assignee_id: string | null;
  holder_name_zh?: string | null;
  holder_name_en?: string | null;
  offered_to: string | null;
  submitted_at: string | null;
  created_at: string;
  updated_at: string;
  row_version: number;
  timers: Partial<Record<TimerKind, string>> | null;
  patient_name: string;
  patient_name_pinyin: string;
  patient_mrn: string;
  patient_sex: 'M' | 'F' | 'O' | 'U';
  patient_birth_date: string;
}

export interface ReferralStudy {
  studyInstanceUid: string;
  modalities: string[] | null;
  seriesCount: number;
  instanceCount: number;
  studyDate: string | null;
  studyDescription: string | null;
}

export interface ReferralDetail extends WorklistItem {
  clinical_question: string | null;
  /** the relevant history the community doctor wrote (`history` is the event history) */
  clinicalHistory?: string | null;
  origin_name_zh: string;
  origin_name_en: string;
  studies: ReferralStudy[];
  report: { signedBy: string; signedAt: string; disposition: Disposition; addenda: number } | null;
  availableEvents: ReferralEventType[];
}

export interface Diagnosis {
  code: string;
  label: string;
}

/** The specialist's confirmed ECG values, as the report keeps them. */
export interface EcgReportMeasurements {
  heartRate?: number;
  pr?: number;
  qrs?: number;
  qt?: number;
  qtc?: number;
  axis?: number;
  rhythm?: string;
}

export interface ReportView {
  referralId: string;
  authorId: string;
  findings: string;
  impression: string;
  diagnoses: Diagnosis[];
  measurements: EcgReportMeasurements | null;
  disposition: Disposition | null;
  signedBy: string | null;
  signedAt: string | null;
  signerNameZh: string | null;
  signerNameEn: string | null;
  updatedAt: string;
  addenda: { id: string; body: string; createdAt: string; authorId: string }[];
}

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
  return api<{ items: WorklistItem[]; total: number }>(`/api/referrals${query({ worklist: 'true', limit: 200 })}`, {
    signal,
  });
}

export function referral(id: string, signal?: AbortSignal) {
  return api<ReferralDetail>(`/api/referrals/${encodeURIComponent(id)}`, { signal });
}

export function fire(id: string, type: ReferralEventType, extra: Record<string, unknown> = {}) {
  return api<ReferralDetail>(`/api/referrals/${encodeURIComponent(id)}/events`, {
    method: 'POST',
    body: { type, ...extra },
  });
}

export function claimNext() {
  return api<ReferralDetail>('/api/referrals/claim-next', { method: 'POST' });
}

export function report(id: string, signal?: AbortSignal) {
  return api<ReportView | null>(`/api/referrals/${encodeURIComponent(id)}/report`, { signal });
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

export function facilities(signal?: AbortSignal) {
  return api<{ facilities: Facility[] }>('/api/facilities', { signal });
}

export function reportPdfPath(id: string): string {
  return `/api/referrals/${encodeURIComponent(id)}/report/pdf`;
}
