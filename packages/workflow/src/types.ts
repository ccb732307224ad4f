import type {
  Audience,
  CancelReason,
  Disposition,
  Outcome,
  Priority,
  ReasonCode,
  ReferralDirection,
  ReferralEventType,
  ReferralState,
  Role,
  Service,
  Specialty,
  TimerKind,
} from './vocabulary.js';
import type { TurnaroundPolicy } from './policy.js';

/** The two doctors whose signatures make a treatment plan binding. */
export const PLAN_SIGNERS = ['community_doctor', 'specialist'] as const satisfies readonly Role[];
/** A plan signer, one of {@link PLAN_SIGNERS}. */
export type PlanSigner = (typeof PLAN_SIGNERS)[number];

/** A signature on one version of a treatment plan. */
export interface PlanSignature {
  readonly userId: string;
  /** The plan version signed; a signature counts only for this version. */
  readonly version: number;
  /** ISO 8601 time of signing. */
  readonly at: string;
}

/** A booked hub appointment for a patient referred up. */
export interface HubAppointment {
  /** ISO 8601 date-time of the appointment. */
  readonly at: string;
  /** The hub department or clinic, shown to the patient; null when not yet known. */
  readonly department: string | null;
}

/**
 * What the rules need to know about the current treatment plan. Its clinical content (diagnosis, medication,
 * follow-up, instructions) lives with the API; every change to it is a new version here.
 */
export interface PlanSnapshot {
  /** Current version, from 1. Every change makes a new version and clears both signatures. */
  readonly version: number;
  /** Where the patient is to be treated under this version. */
  readonly disposition: Disposition;
  /** The booked hub appointment; required before signing when the disposition is outpatient or inpatient. */
  readonly hubAppointment: HubAppointment | null;
  /** Who made this version. */
  readonly changedBy: string;
  /** ISO 8601 time this version was made. */
  readonly changedAt: string;
  /** Signatures on the current version, one per signer. */
  readonly signatures: Readonly<Record<PlanSigner, PlanSignature | null>>;
}

/** The signed report, as far as the rules are concerned. Findings and impression live with the API. */
export interface ReportSnapshot {
  readonly signedBy: string;
  /** ISO 8601 signing time. */
  readonly signedAt: string;
  /** The specialist's recommended disposition. */
  readonly disposition: Disposition;
  /** Number of addenda added after signing. */
  readonly addenda: number;
}

/** How and by whom a referral was cancelled. */
export interface Cancellation {
  readonly reason: CancelReason;
  readonly by: string;
  readonly role: Role;
  /** ISO 8601 time of cancellation. */
  readonly at: string;
}

/**
 * Everything the rules need to decide about one referral. The API builds it from its rows (referral, studies count,
 * report, current plan version and signatures, active timers) and stores what `decide` returns.
 * All times are ISO 8601 strings.
 */
export interface ReferralSnapshot {
  readonly id: string;
  /** The rules version the referral was written under; see `REFERRAL_WORKFLOW_VERSION`. */
  readonly workflowVersion: number;
  readonly direction: ReferralDirection;
  readonly state: ReferralState;
  readonly service: Service;
  readonly priority: Priority;
  readonly patientId: string;
  /** Up: the community centre that referred. Down: the hub. */
  readonly originFacilityId: string;
  /** Down: the community centre receiving the patient for follow-up. Up: null (the hub reading centre for the service). */
  readonly destinationFacilityId: string | null;
  readonly createdBy: string;
  readonly createdAt: string;
  /** When the referral was submitted; the report timers count from here. */
  readonly submittedAt: string | null;
  /** The specialist currently offered the referral; set only in `offered`. */
  readonly offeredTo: string | null;
  /** The specialist who accepted (or, down, the community doctor who accepted). */
  readonly assigneeId: string | null;
  /** Specialists who declined this referral; the router does not offer it to them again. */
  readonly declinedBy: readonly string[];
  /** Studies linked to the referral. */
  readonly studyCount: number;
  /** Whether the clinical question has been written. */
  readonly hasClinicalQuestion: boolean;
  /**
   * Whether the patient's consent to remote diagnosis is on record (a signed form, or verbal consent before a
   * witness): the 2018 telemedicine rules ask for it before a case leaves the centre.
   */
  readonly hasConsent: boolean;
  readonly report: ReportSnapshot | null;
  readonly plan: PlanSnapshot | null;
  /** Active timers and when each falls due. */
  readonly timers: Readonly<Partial<Record<TimerKind, string>>>;
  /** First time a deadline passed and the coordinators were alerted; null if never. */
  readonly escalatedAt: string | null;
  readonly outcome: Outcome | null;
  readonly cancellation: Cancellation | null;
  /** Down: the upward referral this one continues. */
  readonly parentReferralId: string | null;
  /** Up: the back-down referral created when the patient was referred back down. */
  readonly backReferralId: string | null;
  readonly updatedAt: string;
}

/** The person (or the platform) acting. The API builds it from the authenticated user. */
export interface Actor {
  readonly id: string;
  readonly role: Role;
  /** The actor's facility; null for the patient and the system. */
  readonly facilityId: string | null;
  /** The reading specialty, for specialists. */
  readonly specialty?: Specialty | null;
}

/** The platform acting on its own: the router, DICOM ingest and timers. */
export const SYSTEM_ACTOR: Actor = { id: 'system', role: 'system', facilityId: null, specialty: null };

/** A specialist named in an offer, reassignment or hand-over. */
export interface SpecialistRef {
  readonly id: string;
  readonly specialty: Specialty;
}

/** An event: something an actor asks to happen to a referral, with what it needs. */
export type ReferralEvent =
  | {
      readonly type: 'update_draft';
      readonly service?: Service;
      readonly priority?: Priority;
      readonly hasClinicalQuestion?: boolean;
      /** True when the doctor records (or replaces) the patient's consent: each recording is a change. */
      readonly hasConsent?: boolean;
    }
  | { readonly type: 'attach_study' }
  | { readonly type: 'submit' }
  | { readonly type: 'change_priority'; readonly priority: Priority }
  | { readonly type: 'offer'; readonly specialist: SpecialistRef }
  | { readonly type: 'claim' }
  | { readonly type: 'accept' }
  | { readonly type: 'decline' }
  | { readonly type: 'reassign'; readonly specialist: SpecialistRef }
  | { readonly type: 'return_to_queue' }
  | { readonly type: 'start_review' }
  | { readonly type: 'request_info' }
  | { readonly type: 'answer_info' }
  | { readonly type: 'sign_report'; readonly disposition: Disposition }
  | { readonly type: 'add_addendum' }
  | { readonly type: 'hand_over'; readonly specialist: SpecialistRef }
  | {
      readonly type: 'propose_plan';
      readonly disposition: Disposition;
      readonly hubAppointment?: HubAppointment | null;
    }
  | {
      readonly type: 'revise_plan';
      readonly disposition: Disposition;
      readonly hubAppointment?: HubAppointment | null;
      /**
       * True when the plan's clinical content (diagnosis, medication, follow-up, instructions — held by the API)
       * differs from the current version. Without it, a revision that changes neither disposition nor appointment
       * is refused as `nothing_to_change`.
       */
      readonly contentChanged?: boolean;
    }
  | { readonly type: 'set_appointment'; readonly hubAppointment: HubAppointment }
  | { readonly type: 'sign_plan'; readonly version: number }
  | { readonly type: 'countersign_plan'; readonly version: number }
  | { readonly type: 'acknowledge' }
  | { readonly type: 'close'; readonly outcome: Outcome }
  | { readonly type: 'refer_back_down'; readonly backReferralId: string }
  | { readonly type: 'cancel'; readonly reason: CancelReason }
  | { readonly type: 'offer_expired' }
  | { readonly type: 'acceptance_overdue' }
  | { readonly type: 'report_due_soon' }
  | { readonly type: 'report_overdue' };

/** The event of a given type. */
export type EventOf<T extends ReferralEventType> = Extract<ReferralEvent, { readonly type: T }>;

/** What `decide` and friends are given besides the snapshot and the event. */
export interface DecisionContext {
  readonly actor: Actor;
  /** The current time. The rules never read a clock. */
  readonly now: Date | string;
  /** The network's turnaround policy; the defaults when absent. */
  readonly policy?: TurnaroundPolicy;
}

/** A notification to send. Each names its concrete recipient. The API may skip notifying the actor themself. */
export type NotifyEffect = {
  readonly type: 'notify';
  readonly referralId: string;
  /** The event that caused the notification. */
  readonly event: ReferralEventType;
  /** The referral's state after the event. */
  readonly state: ReferralState;
} & (
  | { readonly audience: 'origin_facility' | 'destination_facility'; readonly facilityId: string }
  | { readonly audience: 'assignee' | 'previous_assignee'; readonly userId: string }
  | { readonly audience: 'pool'; readonly service: Service }
  | { readonly audience: 'coordinators' }
  | { readonly audience: 'patient'; readonly patientId: string }
);

/** Schedule a timer; when it falls due the API fires the matching timer event (see `timerEvent`). */
export interface StartTimerEffect {
  readonly type: 'start_timer';
  readonly referralId: string;
  readonly timer: TimerKind;
  /** ISO 8601 due time. */
  readonly dueAt: string;
}

/** Cancel a scheduled timer. Emitted only for timers that are active. */
export interface StopTimerEffect {
  readonly type: 'stop_timer';
  readonly referralId: string;
  readonly timer: TimerKind;
}

/** Ask the router to offer the referral to the next suitable specialist (on duty, online, least loaded). */
export interface RouteEffect {
  readonly type: 'route';
  readonly referralId: string;
  readonly service: Service;
  readonly priority: Priority;
  /** Specialists who declined; do not offer to them (empty for STAT, which goes round until accepted). */
  readonly exclude: readonly string[];
}

/** Plain-data details of a history entry (codes and ids only; never free text or patient data). */
export type HistoryDetails = Readonly<Record<string, string | number | boolean | null>>;

/** One row of the append-only referral history. */
export interface HistoryEntry {
  readonly referralId: string;
  /** The event, or `created` for the first entry of a referral. */
  readonly event: ReferralEventType | 'created';
  /** The state before; null when the referral was created. */
  readonly from: ReferralState | null;
  readonly to: ReferralState;
  readonly actorId: string;
  readonly actorRole: Role;
  /** ISO 8601 time. */
  readonly at: string;
  readonly workflowVersion: number;
  readonly details: HistoryDetails;
}

/** Append a row to the referral history. Every successful decision emits exactly one for the referral it changes. */
export interface HistoryEffect {
  readonly type: 'history';
  readonly entry: HistoryEntry;
}

/** Create a new referral (the back-down referral), linked to this one. Persist it in the same transaction. */
export interface CreateReferralEffect {
  readonly type: 'create_referral';
  readonly referral: ReferralSnapshot;
}

/** Follow-up work a decision asks for, as plain data. */
export type Effect =
  NotifyEffect | StartTimerEffect | StopTimerEffect | RouteEffect | HistoryEffect | CreateReferralEffect;

/** The kinds of effect. */
export const EFFECT_TYPES = [
  'history',
  'stop_timer',
  'start_timer',
  'create_referral',
  'route',
  'notify',
] as const satisfies readonly Effect['type'][];

/** The answer of `decide`: the next snapshot and the effects to carry out, or why not. */
export type Decision =
  | { readonly ok: true; readonly next: ReferralSnapshot; readonly effects: readonly Effect[] }
  | { readonly ok: false; readonly reason: ReasonCode };

/** An audience as written in the transition table; resolved to a recipient when deciding. */
export interface NotifyTemplate {
  readonly type: 'notify';
  readonly audience: Audience;
  /** Only when the report or plan refers the patient up (the coordinators act on those). */
  readonly when?: 'refers_up';
}

/** Effects as written in the transition table: plain data, resolved by `decide` against the snapshot and the time. */
export type EffectTemplate =
  | NotifyTemplate
  | { readonly type: 'start_timer'; readonly timer: TimerKind }
  | { readonly type: 'stop_timer'; readonly timer: TimerKind }
  /** Stop every active timer (closing, cancelling, signing the report). */
  | { readonly type: 'stop_all_timers' }
  /** Recompute the due times of the active submission timers after a priority change. */
  | { readonly type: 'restart_timers' }
  | { readonly type: 'route' }
  /** Create the linked back-down referral. */
  | { readonly type: 'create_back_referral' };
