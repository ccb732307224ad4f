/**
 * A referral as the REST API answers it (`GET /api/referrals`, `GET /api/referrals/{id}` and the steps that answer
 * the referral again), and the bodies those routes take. Field names are camelCase; the API's mapper builds them
 * from its rows, so the web reads exactly these shapes and retypes none.
 */
import type {
  CancelReason,
  Outcome,
  PlanSnapshot,
  Priority,
  ReferralEventType,
  ReferralState,
  ReportSnapshot,
  Role,
  Service,
  TimerKind,
} from '@zhiyin/workflow';
import type { ConsentView } from './consent.js';
import type { ReferralStudyView } from './studies.js';

/** A patient's administrative sex as the patient record holds it (HL7 v2 table 0001 subset). */
export type PatientSex = 'F' | 'M' | 'O' | 'U';

/** The roles that sign a treatment plan. */
export type PlanSignerRole = 'community_doctor' | 'specialist';

/** A referral as a list row: `GET /api/referrals` (the worklist too). */
export interface ReferralSummaryView {
  readonly id: string;
  /** the referral number, also the DICOM Accession Number */
  readonly number: string;
  readonly direction: 'up' | 'down';
  readonly state: ReferralState;
  readonly service: Service;
  readonly modality: string | null;
  readonly priority: Priority;
  readonly patientId: string;
  readonly originFacilityId: string;
  readonly destinationFacilityId: string | null;
  readonly assigneeId: string | null;
  /** who holds it or is being offered it */
  readonly holderNameZh: string | null;
  readonly holderNameEn: string | null;
  readonly offeredTo: string | null;
  readonly submittedAt: string | null;
  /** when the report was signed (null before): the wait ends there */
  readonly reportedAt: string | null;
  /** an open critical result (危急值) on it: raised (awaiting read-back) or escalated */
  readonly criticalState: 'raised' | 'escalated' | null;
  readonly createdAt: string;
  readonly updatedAt: string;
  /** the row's version: send it back as `expectedVersion` to refuse a step on a referral that changed meanwhile */
  readonly rowVersion: number;
  /** running timers' due times, and the report's warning and limit once fired while the report is still awaited */
  readonly timers: Partial<Record<TimerKind, string>> | null;
  /** the referral up this one follows (a referral back down) */
  readonly parentReferralId: string | null;
  /** the patient's Chinese name (family then given name) */
  readonly patientName: string;
  readonly patientNamePinyin: string;
  readonly patientMrn: string;
  readonly patientSex: PatientSex;
  /** YYYY-MM-DD */
  readonly patientBirthDate: string;
  /** who signed the latest plan version ([] unsigned); null while there is no plan */
  readonly planSigners: readonly PlanSignerRole[] | null;
}

/** A page of referrals: `GET /api/referrals`. */
export interface ReferralListView {
  readonly items: readonly ReferralSummaryView[];
  readonly total: number;
}

/** One step of a referral's history, oldest first, with who took it. */
export interface ReferralHistoryEntryView {
  readonly id: string;
  readonly at: string;
  readonly event: ReferralEventType | 'created';
  readonly from: ReferralState | null;
  readonly to: ReferralState;
  readonly actorRole: Role;
  /** a user's id, or `system` */
  readonly actorId: string;
  readonly actorNameZh: string | null;
  readonly actorNameEn: string | null;
  readonly details: Record<string, unknown>;
}

/** Why and by whom a referral was cancelled. */
export interface ReferralCancellationView {
  readonly reason: CancelReason;
  readonly by: string;
  readonly role: Role;
  readonly at: string;
}

/** One referral: `GET /api/referrals/{id}`, and the answer of every step taken on it. */
export interface ReferralDetailView extends ReferralSummaryView {
  /** the question for the reader */
  readonly clinicalQuestion: string | null;
  /** the relevant history the community doctor wrote (named so beside the event `history`) */
  readonly clinicalHistory: string | null;
  /** the referring centre */
  readonly originNameZh: string;
  readonly originNameEn: string;
  /** the hub reading centre that reads an upward referral (null for a referral down) */
  readonly readingCentreNameZh: string | null;
  readonly readingCentreNameEn: string | null;
  /** the specialists who declined it */
  readonly declinedBy: readonly string[];
  readonly report: ReportSnapshot | null;
  readonly plan: PlanSnapshot | null;
  readonly outcome: Outcome | null;
  readonly cancellation: ReferralCancellationView | null;
  readonly studyCount: number;
  readonly studies: readonly ReferralStudyView[];
  /** the patient's consent to remote diagnosis; null until the referring doctor records it */
  readonly consent: ConsentView | null;
  readonly history: readonly ReferralHistoryEntryView[];
  /** the steps the caller may take now (the rules of packages/workflow) */
  readonly availableEvents: readonly ReferralEventType[];
}

/** A doctors' message on a referral: `GET`/`POST /api/referrals/{id}/messages`. */
export interface ReferralMessageView {
  readonly id: string;
  readonly kind: 'message' | 'question' | 'answer';
  readonly body: string;
  readonly createdAt: string;
  readonly authorId: string;
  /** a person's role: the platform itself writes no messages */
  readonly authorRole: Exclude<Role, 'system'>;
  /** the author's names (absent in the answer to the post itself: that is the caller) */
  readonly authorNameZh?: string;
  readonly authorNameEn?: string;
}

/** `POST /api/referrals`: a draft referral for a patient of the caller's centre. */
export interface CreateReferralRequest {
  readonly patientId: string;
  readonly service: Service;
  /** imaging: the modality requested (CT, MR…) */
  readonly modality?: string;
  readonly priority: Priority;
  readonly clinicalQuestion?: string;
  /** relevant history */
  readonly history?: string;
}

/** `PATCH /api/referrals/{id}`: a draft's fields (each left as it was when absent). */
export interface UpdateReferralRequest {
  readonly service?: Service;
  readonly modality?: string;
  readonly priority?: Priority;
  readonly clinicalQuestion?: string;
  readonly history?: string;
}

/** `POST /api/referrals/{id}/studies`: links a study the caller's centre sent. */
export interface AttachStudyRequest {
  readonly studyInstanceUid: string;
  /** confirms that a study whose file names another patient (or none) is this referral's patient's: why */
  readonly patientOverrideReason?: string;
}

/** The steps `POST /api/referrals/{id}/events` takes; the report and the plan have their own routes. */
export const SIMPLE_REFERRAL_EVENTS = [
  'submit',
  'change_priority',
  'accept',
  'decline',
  'reassign',
  'return_to_queue',
  'start_review',
  'request_info',
  'answer_info',
  'cancel',
  'close',
  'refer_back_down',
] as const satisfies readonly ReferralEventType[];
/** One of {@link SIMPLE_REFERRAL_EVENTS}. */
export type SimpleReferralEvent = (typeof SIMPLE_REFERRAL_EVENTS)[number];

/** `POST /api/referrals/{id}/events`: one step on the referral. */
export interface ReferralEventRequest {
  readonly type: SimpleReferralEvent;
  /** change_priority */
  readonly priority?: Priority;
  /** reassign: the specialist */
  readonly specialistId?: string;
  /** cancel */
  readonly reason?: CancelReason;
  /** close */
  readonly outcome?: Outcome;
  /** request_info: the question; answer_info: the answer */
  readonly message?: string;
  /** the `rowVersion` the caller saw; a newer one answers 409 */
  readonly expectedVersion?: number;
}

/** `POST /api/referrals/{id}/messages`. */
export interface PostMessageRequest {
  readonly body: string;
}
