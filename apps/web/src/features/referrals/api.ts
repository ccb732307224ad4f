import type { ReferralStudyView } from '@zhiyin/contracts';
import type {
  CancelReason,
  Disposition,
  Outcome,
  PlanSnapshot,
  Priority,
  ReferralEventType,
  ReferralState,
  ReportSnapshot,
  Service,
  TimerKind,
} from '@zhiyin/workflow';
import type { ConsentView } from '@zhiyin/contracts';
import { api, ApiError, authorizedFetch, query } from '../../lib/api';
import type { Role } from '../../lib/session';

// The shapes the API answers with (apps/api/src/modules/referrals and clinical), as the web uses them.

/** A referral as listed (GET /api/referrals): snake_case columns, as the API returns them. */
export interface ReferralSummary {
  id: string;
  number: string;
  direction: 'up' | 'down';
  state: ReferralState;
  service: Service;
  modality: string | null;
  priority: Priority;
  patient_id: string;
  origin_facility_id: string;
  destination_facility_id: string | null;
  assignee_id: string | null;
  /** who holds it or is being offered it */
  holder_name_zh?: string | null;
  holder_name_en?: string | null;
  offered_to: string | null;
  submitted_at: string | null;
  /** when the report was signed (null before): the wait ends there */
  reported_at?: string | null;
  /** an open critical result (危急值) on it: raised (awaiting read-back) or escalated */
  critical_state?: 'raised' | 'escalated' | null;
  created_at: string;
  updated_at: string;
  row_version: number;
  timers: Partial<Record<TimerKind, string>> | null;
  parent_referral_id: string | null;
  patient_name: string;
  patient_name_pinyin: string;
  patient_mrn: string;
  patient_sex: 'F' | 'M' | 'O' | 'U';
  patient_birth_date: string;
  /** who signed the latest plan version ([] unsigned); null while there is no plan */
  plan_signers?: ('community_doctor' | 'specialist')[] | null;
}

/** A study of the referral with the file's own patient, recording time, device and centre (see contracts). */
export type ReferralStudy = ReferralStudyView;

export interface HistoryRow {
  id: string;
  at: string;
  event: ReferralEventType | 'created';
  from: ReferralState | null;
  to: ReferralState;
  actorRole: Role | 'system';
  actorId: string;
  actorNameZh: string | null;
  actorNameEn: string | null;
  details: Record<string, unknown>;
}

/** GET /api/referrals/:id */
export interface ReferralDetail extends ReferralSummary {
  clinical_question: string | null;
  /** the relevant history the community doctor wrote (the API names it so beside the event history) */
  clinicalHistory?: string | null;
  origin_name_zh: string;
  origin_name_en: string;
  /** the hub reading centre that reads an upward referral (null for a referral down) */
  reading_centre_name_zh: string | null;
  reading_centre_name_en: string | null;
  declinedBy: string[];
  report: ReportSnapshot | null;
  plan: PlanSnapshot | null;
  outcome: Outcome | null;
  cancellation: { reason: CancelReason; by: string; role: Role; at: string } | null;
  studyCount: number;
  studies: ReferralStudy[];
  /** the patient's consent to remote diagnosis; null until the referring doctor records it */
  consent: ConsentView | null;
  history: HistoryRow[];
  availableEvents: ReferralEventType[];
}

export interface Message {
  id: string;
  kind: 'message' | 'question' | 'answer';
  body: string;
  createdAt: string;
  authorId: string;
  authorRole: Role;
  authorNameZh?: string;
  authorNameEn?: string;
}

export interface Medication {
  name: string;
  dose: string;
  route: string;
  frequency: string;
  duration: string;
}

export interface PlanContent {
  diagnosis: string;
  medications: Medication[];
  tests?: string | null;
  followUp?: string | null;
  whereTreated?: string | null;
  instructions?: string | null;
  warningSigns?: string | null;
  bring?: string | null;
  appointmentPlace?: string | null;
}

export interface PlanVersion {
  version: number;
  content: PlanContent;
  disposition: Disposition;
  hubAppointment: { at: string; department: string | null } | null;
  changedBy: { id: string; role: Role; nameZh: string; nameEn: string };
  changedAt: string;
  signatures: { role: 'community_doctor' | 'specialist'; userId: string; nameZh: string; nameEn: string; at: string }[];
}

export interface PlanView {
  current: PlanVersion | null;
  agreed: boolean;
  versions: PlanVersion[];
}

export interface PlanInput {
  content: Omit<PlanContent, 'appointmentPlace'>;
  disposition: Disposition;
  hubAppointment?: { at: string; department: string; place?: string };
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

/** The body of POST /api/referrals/:id/events. */
export interface EventInput {
  type: ReferralEventType;
  priority?: Priority;
  reason?: CancelReason;
  outcome?: Outcome;
  message?: string;
  expectedVersion?: number;
}

const base = (id: string) => `/api/referrals/${encodeURIComponent(id)}`;

export const listReferrals = (
  params: { state?: string; priority?: string; service?: string; patientId?: string; limit?: number; offset?: number },
  signal?: AbortSignal,
) => api<{ items: ReferralSummary[]; total: number }>(`/api/referrals${query(params)}`, { signal });

export const getReferral = (id: string, signal?: AbortSignal) => api<ReferralDetail>(base(id), { signal });

export const createReferral = (body: {
  patientId: string;
  service: Service;
  modality?: string;
  priority: Priority;
  clinicalQuestion?: string;
  history?: string;
}) => api<ReferralDetail>('/api/referrals', { method: 'POST', body });

export const fireEvent = (id: string, body: EventInput) =>
  api<ReferralDetail>(`${base(id)}/events`, { method: 'POST', body });

export const attachStudy = (id: string, studyInstanceUid: string, patientOverrideReason?: string) =>
  api<ReferralDetail>(`${base(id)}/studies`, {
    method: 'POST',
    body: { studyInstanceUid, ...(patientOverrideReason ? { patientOverrideReason } : {}) },
  });

export const getMessages = (id: string, signal?: AbortSignal) => api<Message[]>(`${base(id)}/messages`, { signal });

export const postMessage = (id: string, body: string) =>
  api<Message>(`${base(id)}/messages`, { method: 'POST', body: { body } });

export const getPlan = (id: string, signal?: AbortSignal) => api<PlanView>(`${base(id)}/plan`, { signal });

export const savePlan = (id: string, body: PlanInput) => api<PlanView>(`${base(id)}/plan`, { method: 'POST', body });

export const signPlan = (id: string, version: number) =>
  api<PlanView>(`${base(id)}/plan/sign`, { method: 'POST', body: { version } });

/** The report, or null while there is none the caller may see (the API answers an empty body then). */
export async function getReport(id: string, signal?: AbortSignal): Promise<ReportView | null> {
  const res = await authorizedFetch(`${base(id)}/report`, { signal });
  const text = await res.text();
  if (!res.ok) {
    let body: { error?: { code?: string; message?: string } } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? res.statusText);
  }
  return text ? (JSON.parse(text) as ReportView | null) : null;
}

/** The two-way referral form (上转单 / 下转单) as a PDF blob URL. */
export async function openReferralForm(id: string): Promise<string> {
  const res = await authorizedFetch(`${base(id)}/referral-form.pdf`, { headers: { accept: 'application/pdf' } });
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  return URL.createObjectURL(await res.blob());
}

/** The signed report as a PDF (fetched with the session's token, so it opens as a blob). */
export async function openReportPdf(id: string): Promise<string> {
  const res = await authorizedFetch(`${base(id)}/report/pdf`, { headers: { accept: 'application/pdf' } });
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  return URL.createObjectURL(await res.blob());
}

/** Records verbal consent given before a witness (on a draft). */
export const recordVerbalConsent = (id: string, body: { witnessName: string; consentedAt: string }) =>
  api<ConsentView>(`${base(id)}/consent/verbal`, { method: 'POST', body });

/** Uploads the signed consent form, photographed or scanned (JPEG, PNG or PDF), as the request body. */
export const uploadConsentForm = (id: string, file: File) =>
  api<ConsentView>(`${base(id)}/consent/form`, {
    method: 'PUT',
    file,
    headers: { 'content-type': file.type },
  });

/** The signed consent form as a blob URL (fetched with the session's token). */
