/**
 * The words of the referral workflow, each an `as const` array with a derived union type. The arrays are the single
 * source for type guards, labels, FHIR maps and the database `CHECK` constraints.
 */

/**
 * Every state a referral can be in.
 *
 * An upward referral (community centre to hub reading centre) uses all of them; a back-down referral (hub to community
 * centre for follow-up) uses `submitted`, `accepted`, `closed` and `cancelled`.
 */
export const REFERRAL_STATES = [
  'draft',
  'submitted',
  'offered',
  'accepted',
  'in_review',
  'info_requested',
  'reported',
  'plan_agreed',
  'acknowledged',
  'closed',
  'cancelled',
] as const;
/** A referral state, one of {@link REFERRAL_STATES}. */
export type ReferralState = (typeof REFERRAL_STATES)[number];

/** States from which nothing more happens. */
export const TERMINAL_STATES = ['closed', 'cancelled'] as const satisfies readonly ReferralState[];
/** A terminal state, one of {@link TERMINAL_STATES}. */
export type TerminalState = (typeof TERMINAL_STATES)[number];

/**
 * Which way a referral goes: `up` from a community centre to the hub for a reading, or `down` from the hub back to the
 * community centre for follow-up after hub care (two-way referral, linked to the upward referral it continues).
 */
export const REFERRAL_DIRECTIONS = ['up', 'down'] as const;
/** A referral direction, one of {@link REFERRAL_DIRECTIONS}. */
export type ReferralDirection = (typeof REFERRAL_DIRECTIONS)[number];

/**
 * Every event that can move a referral. Human events come from users; the last four come from the `system` actor when
 * a timer falls due (see {@link TIMER_EVENTS}).
 */
export const REFERRAL_EVENT_TYPES = [
  'update_draft',
  'attach_study',
  'submit',
  'change_priority',
  'offer',
  'claim',
  'accept',
  'decline',
  'reassign',
  'return_to_queue',
  'start_review',
  'request_info',
  'answer_info',
  'sign_report',
  'add_addendum',
  'hand_over',
  'propose_plan',
  'revise_plan',
  'set_appointment',
  'sign_plan',
  'countersign_plan',
  'acknowledge',
  'close',
  'refer_back_down',
  'cancel',
  'offer_expired',
  'acceptance_overdue',
  'report_due_soon',
  'report_overdue',
] as const;
/** A referral event type, one of {@link REFERRAL_EVENT_TYPES}. */
export type ReferralEventType = (typeof REFERRAL_EVENT_TYPES)[number];

/**
 * Who acts. `system` is the platform itself: the router that offers referrals, DICOM ingest, and timers.
 * `admin` manages facilities, users and limits but takes no clinical action on a referral.
 */
export const ROLES = ['community_doctor', 'specialist', 'coordinator', 'admin', 'patient', 'system'] as const;
/** An actor role, one of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** Roles that are people (everything but `system`). */
export const HUMAN_ROLES = [
  'community_doctor',
  'specialist',
  'coordinator',
  'admin',
  'patient',
] as const satisfies readonly Role[];

/** Roles of staff accounts (everyone who signs in with a user name and a password). */
export const STAFF_ROLES = [
  'community_doctor',
  'specialist',
  'coordinator',
  'admin',
] as const satisfies readonly Role[];
/** A staff role, one of {@link STAFF_ROLES}. */
export type StaffRole = (typeof STAFF_ROLES)[number];

/** Kinds of facility: the hub that reads, and the community centres that send to it. */
export const FACILITY_KINDS = ['hub', 'community'] as const;
/** A facility kind, one of {@link FACILITY_KINDS}. */
export type FacilityKind = (typeof FACILITY_KINDS)[number];

/** Reading specialties at the hub. */
export const SPECIALTIES = ['radiology', 'cardiology'] as const;
/** A reading specialty, one of {@link SPECIALTIES}. */
export type Specialty = (typeof SPECIALTIES)[number];

/** Services the hub reading centres provide. */
export const SERVICES = ['ECG', 'IMAGING'] as const;
/** A reading service, one of {@link SERVICES}. */
export type Service = (typeof SERVICES)[number];

/** Which specialty reads which service: cardiologists read ECGs, radiologists read imaging. */
export const SERVICE_SPECIALTY: Readonly<Record<Service, Specialty>> = {
  ECG: 'cardiology',
  IMAGING: 'radiology',
};

/** Priorities, most urgent first. */
export const PRIORITIES = ['STAT', 'URGENT', 'ROUTINE'] as const;
/** A referral priority, one of {@link PRIORITIES}. */
export type Priority = (typeof PRIORITIES)[number];

/**
 * Where the patient is to be treated: at the community centre, or referred up to the hub as an outpatient, an
 * inpatient or an emergency. Used both by the signed report (the specialist's recommendation) and by the agreed plan.
 */
export const DISPOSITIONS = [
  'manage_in_community',
  'refer_up_outpatient',
  'refer_up_inpatient',
  'refer_up_emergency',
] as const;
/** A disposition, one of {@link DISPOSITIONS}. */
export type Disposition = (typeof DISPOSITIONS)[number];

/** Dispositions that send the patient to the hub. */
export const REFER_UP_DISPOSITIONS = [
  'refer_up_outpatient',
  'refer_up_inpatient',
  'refer_up_emergency',
] as const satisfies readonly Disposition[];

/**
 * Dispositions whose plan must carry a booked hub appointment before it can be signed. An emergency goes to the hub
 * emergency department at once, so it has no appointment.
 */
export const APPOINTMENT_DISPOSITIONS = [
  'refer_up_outpatient',
  'refer_up_inpatient',
] as const satisfies readonly Disposition[];

/** How a referral ended. */
export const OUTCOMES = [
  'treated_in_community',
  'seen_at_hub',
  'admitted_at_hub',
  'referred_back_down',
  'follow_up_completed',
  'patient_declined',
  'lost_to_follow_up',
  'died',
] as const;
/** A referral outcome, one of {@link OUTCOMES}. */
export type Outcome = (typeof OUTCOMES)[number];

/** Outcomes that record hub care; they need a plan that referred the patient up. */
export const HUB_OUTCOMES = ['seen_at_hub', 'admitted_at_hub'] as const satisfies readonly Outcome[];

/** Outcomes a user may give when closing, per direction. `referred_back_down` is set only by `refer_back_down`. */
export const CLOSE_OUTCOMES: Readonly<Record<ReferralDirection, readonly Outcome[]>> = {
  up: ['treated_in_community', 'seen_at_hub', 'admitted_at_hub', 'patient_declined', 'lost_to_follow_up', 'died'],
  down: ['follow_up_completed', 'patient_declined', 'lost_to_follow_up', 'died'],
};

/** Why a referral was cancelled. */
export const CANCEL_REASONS = [
  'patient_withdrew',
  'patient_transferred',
  'patient_died',
  'duplicate',
  'entered_in_error',
  'no_longer_needed',
] as const;
/** A cancellation reason, one of {@link CANCEL_REASONS}. */
export type CancelReason = (typeof CANCEL_REASONS)[number];

/**
 * Timers the rules start. Report timers count from submission (the patient's wait), the offer timer from each offer.
 * - `offer_timeout`: one specialist's time to accept an offer before it moves on.
 * - `accept_deadline`: time by which somebody must have accepted; past it the coordinator is called.
 * - `report_warning`: the report is due soon; the reader and the coordinators are warned.
 * - `report_deadline`: the turnaround limit for a signed report; past it the coordinator is called.
 */
export const TIMER_KINDS = ['offer_timeout', 'accept_deadline', 'report_warning', 'report_deadline'] as const;
/** A timer kind, one of {@link TIMER_KINDS}. */
export type TimerKind = (typeof TIMER_KINDS)[number];

/** Event types fired by the `system` actor when a timer falls due. */
export const TIMER_EVENT_TYPES = [
  'offer_expired',
  'acceptance_overdue',
  'report_due_soon',
  'report_overdue',
] as const satisfies readonly ReferralEventType[];
/** An event fired when a timer falls due, one of {@link TIMER_EVENT_TYPES}. */
export type TimerEventType = (typeof TIMER_EVENT_TYPES)[number];

/** The event each timer fires when it falls due. */
export const TIMER_EVENTS: Readonly<Record<TimerKind, TimerEventType>> = {
  offer_timeout: 'offer_expired',
  accept_deadline: 'acceptance_overdue',
  report_warning: 'report_due_soon',
  report_deadline: 'report_overdue',
};

/** The timer behind each timer event (the inverse of {@link TIMER_EVENTS}). */
export const TIMER_OF_EVENT: Readonly<Record<TimerEventType, TimerKind>> = {
  offer_expired: 'offer_timeout',
  acceptance_overdue: 'accept_deadline',
  report_due_soon: 'report_warning',
  report_overdue: 'report_deadline',
};

/** Who a notification goes to. Each notify effect names its concrete recipient (see `NotifyEffect`). */
export const AUDIENCES = [
  'origin_facility',
  'destination_facility',
  'assignee',
  'previous_assignee',
  'pool',
  'coordinators',
  'patient',
] as const;
/** A notification audience, one of {@link AUDIENCES}. */
export type Audience = (typeof AUDIENCES)[number];

/**
 * Why an action is not allowed. Stable codes: the API maps them to HTTP errors, the web app to messages
 * (see `REASON_LABELS`).
 */
export const REASON_CODES = [
  // the request itself
  'workflow_version_mismatch',
  'invalid_snapshot',
  'invalid_time',
  'invalid_event',
  'invalid_actor',
  'invalid_input',
  // state and role
  'terminal_state',
  'not_allowed_in_state',
  'role_not_allowed',
  // scope: who, among the allowed role, may act on this referral
  'outside_facility',
  'specialty_mismatch',
  'not_offered_to_you',
  'not_assignee',
  'not_own_referral',
  // submission and routing
  'no_studies',
  'no_clinical_question',
  'consent_required',
  'nothing_to_change',
  'same_priority',
  'already_declined',
  'same_specialist',
  // report
  'invalid_disposition',
  // plan
  'plan_exists',
  'no_plan',
  'stale_plan_version',
  'already_signed',
  'countersign_instead',
  'awaiting_first_signature',
  'hub_appointment_required',
  'hub_appointment_not_applicable',
  'invalid_appointment',
  'appointment_in_past',
  // ending
  'invalid_outcome',
  'outcome_conflicts_with_plan',
  'invalid_cancel_reason',
  'not_referred_up',
  'invalid_back_referral_id',
  // timers
  'timer_not_active',
  'timer_not_due',
] as const;
/** A reason code, one of {@link REASON_CODES}. */
export type ReasonCode = (typeof REASON_CODES)[number];

/** Locales the labels come in: Chinese (simplified) first, then English. */
export const LOCALES = ['zh-CN', 'en'] as const;
/** A label locale, one of {@link LOCALES}. */
export type Locale = (typeof LOCALES)[number];

/**
 * Whether a value is one of the members of a vocabulary array; narrows its type. Use it on input from outside the type
 * system (request bodies, stored JSON).
 *
 * @param values - the vocabulary array, such as {@link REFERRAL_STATES}
 * @param value - the value to test
 * @returns true when `value` is a member of `values`
 */
export function isOneOf<const T extends string>(values: readonly T[], value: unknown): value is T {
  return typeof value === 'string' && (values as readonly string[]).includes(value);
}

/**
 * Whether a state is terminal (closed or cancelled).
 *
 * @param state - the state to test
 * @returns true for `closed` and `cancelled`
 */
export function isTerminalState(state: ReferralState): state is TerminalState {
  return isOneOf(TERMINAL_STATES, state);
}

/**
 * Whether an event type is fired by a timer.
 *
 * @param type - the event type to test
 * @returns true for the four timer events
 */
export function isTimerEventType(type: ReferralEventType): type is TimerEventType {
  return isOneOf(TIMER_EVENT_TYPES, type);
}
