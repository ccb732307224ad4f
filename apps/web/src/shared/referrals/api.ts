import type { ReferralStudyView } from '@zhiyin/contracts';
import type {
  CancelReason,
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
import { api, query } from '../../lib/api';
import type { Role } from '../../lib/session';

// A referral as the API answers it (apps/api/src/modules/referrals) and the calls that read it or take a step on it:
// the referral screens, the reading room, the board and the patient's page all use them. What only the referral
// screens call stays in features/referrals/api.ts.

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

/** The body of POST /api/referrals/:id/events. */
export interface EventInput {
  type: ReferralEventType;
  priority?: Priority;
  reason?: CancelReason;
  outcome?: Outcome;
  message?: string;
  expectedVersion?: number;
}

/** The path of one referral, which its messages, plan and report hang under. */
export const referralPath = (id: string) => `/api/referrals/${encodeURIComponent(id)}`;

export const listReferrals = (
  params: { state?: string; priority?: string; service?: string; patientId?: string; limit?: number; offset?: number },
  signal?: AbortSignal,
) => api<{ items: ReferralSummary[]; total: number }>(`/api/referrals${query(params)}`, { signal });

export const getReferral = (id: string, signal?: AbortSignal) => api<ReferralDetail>(referralPath(id), { signal });

export const fireEvent = (id: string, body: EventInput) =>
  api<ReferralDetail>(`${referralPath(id)}/events`, { method: 'POST', body });
