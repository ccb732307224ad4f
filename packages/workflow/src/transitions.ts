import type { TurnaroundPolicy } from './policy.js';
import { isPlanAgreed, needsHubAppointment, otherSigner, planSignerOf, refersUp } from './plan.js';
import type { Actor, EffectTemplate, ReferralSnapshot } from './types.js';
import type {
  Audience,
  ReasonCode,
  ReferralDirection,
  ReferralEventType,
  ReferralState,
  Role,
  TimerKind,
} from './vocabulary.js';

/** What a guard sees besides the snapshot: the actor, the time and the policy. */
export interface GuardContext {
  readonly actor: Actor;
  readonly now: Date;
  readonly policy: TurnaroundPolicy;
}

/**
 * A precondition on the snapshot, the actor and the time (never on the event's payload, which `decide` checks
 * separately, so that `availableEvents` can use guards before the user has filled anything in).
 */
export type Guard = (snapshot: ReferralSnapshot, ctx: GuardContext) => ReasonCode | null;

/** One allowed move: from the state it is listed under, on the event it is keyed by. */
export interface Transition {
  /** The state the referral moves to. */
  readonly to: ReferralState;
  /** The roles that may fire it. */
  readonly roles: readonly Role[];
  /**
   * Which specialist may fire it when `roles` includes `specialist`: the one it is offered to, or the assignee.
   * Absent: any specialist whose specialty reads the referral's service. Other roles are scoped the same way everywhere
   * (see `scopeReason` in `decide`).
   */
  readonly specialist?: 'offered_to' | 'assignee';
  /** An extra precondition; null means allowed. */
  readonly guard?: Guard;
  /** Follow-up work, as data. A history entry is always added. */
  readonly effects: readonly EffectTemplate[];
}

/** The transitions of one direction: for every state, the events it accepts. */
export type TransitionTable = Readonly<Record<ReferralState, Readonly<Partial<Record<ReferralEventType, Transition>>>>>;

/** What a case needs before it leaves the centre: a study, the question, and the patient's consent. */
const readyToSubmit: Guard = (s) => {
  if (s.studyCount < 1) return 'no_studies';
  if (!s.hasClinicalQuestion) return 'no_clinical_question';
  if (!s.hasConsent) return 'consent_required';
  return null;
};

/** A timer event is accepted only for an active timer that has fallen due; a stale or early job changes nothing. */
function timerDue(timer: TimerKind): Guard {
  return (s, { now }) => {
    const dueAt = s.timers[timer];
    if (dueAt === undefined) return 'timer_not_active';
    return now.getTime() < new Date(dueAt).getTime() ? 'timer_not_due' : null;
  };
}

const noPlanYet: Guard = (s) => (s.plan === null ? null : 'plan_exists');
const hasPlan: Guard = (s) => (s.plan === null ? 'no_plan' : null);

const planTakesAppointment: Guard = (s) => {
  if (s.plan === null) return 'no_plan';
  return needsHubAppointment(s.plan.disposition) ? null : 'hub_appointment_not_applicable';
};

/** The appointment a signer commits to must be booked and still ahead. */
function appointmentReason(s: ReferralSnapshot, now: Date): ReasonCode | null {
  if (s.plan === null || !needsHubAppointment(s.plan.disposition)) return null;
  if (s.plan.hubAppointment === null) return 'hub_appointment_required';
  return new Date(s.plan.hubAppointment.at).getTime() <= now.getTime() ? 'appointment_in_past' : null;
}

/** The first signature on the current version. */
const canSignFirst: Guard = (s, { actor, now }) => {
  const signer = planSignerOf(actor.role);
  if (s.plan === null) return 'no_plan';
  if (signer === null) return 'role_not_allowed';
  if (s.plan.signatures[signer] !== null) return 'already_signed';
  if (s.plan.signatures[otherSigner(signer)] !== null) return 'countersign_instead';
  return appointmentReason(s, now);
};

/** The second signature, which makes the plan binding. */
const canCountersign: Guard = (s, { actor, now }) => {
  const signer = planSignerOf(actor.role);
  if (s.plan === null) return 'no_plan';
  if (signer === null) return 'role_not_allowed';
  if (s.plan.signatures[signer] !== null) return 'already_signed';
  if (s.plan.signatures[otherSigner(signer)] === null) return 'awaiting_first_signature';
  return appointmentReason(s, now);
};

/** Only a patient whose agreed plan sent them up can come back down; the hub side needs a facility to send from. */
const canReferBackDown: Guard = (s, { actor }) => {
  if (s.plan === null || !isPlanAgreed(s.plan) || !refersUp(s.plan.disposition)) return 'not_referred_up';
  return actor.facilityId === null ? 'invalid_actor' : null;
};

const CD = 'community_doctor';
const SP = 'specialist';
const CO = 'coordinator';
const SYS = 'system';

const notify = (audience: Audience): EffectTemplate => ({ type: 'notify', audience });

// Events shared by every state in which a specialist may hold the referral before the report is signed.
const WHILE_HELD = {
  attach_study: { roles: [CD, SYS], effects: [notify('assignee')] },
  change_priority: {
    roles: [CD, CO],
    effects: [{ type: 'restart_timers' }, notify('assignee'), notify('coordinators')],
  },
  reassign: {
    to: 'offered',
    roles: [CO],
    effects: [
      { type: 'stop_timer', timer: 'offer_timeout' },
      { type: 'start_timer', timer: 'offer_timeout' },
      notify('previous_assignee'),
      notify('assignee'),
    ],
  },
  return_to_queue: {
    to: 'submitted',
    roles: [CO],
    effects: [{ type: 'stop_timer', timer: 'offer_timeout' }, notify('previous_assignee'), { type: 'route' }],
  },
  report_due_soon: {
    roles: [SYS],
    guard: timerDue('report_warning'),
    effects: [notify('assignee'), notify('coordinators')],
  },
  report_overdue: {
    roles: [SYS],
    guard: timerDue('report_deadline'),
    effects: [notify('assignee'), notify('coordinators')],
  },
} as const satisfies Partial<Record<ReferralEventType, Omit<Transition, 'to'> & { to?: ReferralState }>>;

/** The entries of {@link WHILE_HELD} for one state (self-loops stay in that state). */
function whileHeld(state: ReferralState): Partial<Record<ReferralEventType, Transition>> {
  return {
    attach_study: { to: state, ...WHILE_HELD.attach_study },
    change_priority: { to: state, ...WHILE_HELD.change_priority },
    reassign: WHILE_HELD.reassign,
    return_to_queue: WHILE_HELD.return_to_queue,
    report_due_soon: { to: state, ...WHILE_HELD.report_due_soon },
    report_overdue: { to: state, ...WHILE_HELD.report_overdue },
  };
}

/** After the report is signed, until the referral ends. */
function afterReport(state: 'plan_agreed' | 'acknowledged'): Partial<Record<ReferralEventType, Transition>> {
  return {
    add_addendum: { to: state, roles: [SP], specialist: 'assignee', effects: [notify('origin_facility')] },
    hand_over: { to: state, roles: [CO], effects: [notify('previous_assignee'), notify('assignee')] },
    // A change to an agreed plan withdraws it: back to negotiation, and the patient is told the decision changed.
    revise_plan: {
      to: 'reported',
      roles: [CD, SP],
      specialist: 'assignee',
      guard: hasPlan,
      effects: [notify('origin_facility'), notify('assignee'), notify('patient')],
    },
    set_appointment: {
      to: 'reported',
      roles: [CO],
      guard: planTakesAppointment,
      effects: [notify('origin_facility'), notify('assignee'), notify('patient')],
    },
    close: {
      to: 'closed',
      roles: [CD, CO],
      effects: [{ type: 'stop_all_timers' }, notify('origin_facility'), notify('assignee')],
    },
    refer_back_down: {
      to: 'closed',
      roles: [CO],
      guard: canReferBackDown,
      effects: [
        { type: 'stop_all_timers' },
        { type: 'create_back_referral' },
        notify('origin_facility'),
        notify('assignee'),
        notify('patient'),
      ],
    },
  };
}

/**
 * Transitions of an upward referral: a community centre asks the hub for a reading, then both doctors agree a plan.
 *
 * Cancellation: the community centre may cancel until a specialist has accepted; after that only a coordinator may,
 * and only until the report is signed. A signed report is never cancelled: the referral is closed with an outcome,
 * so every reading is tracked to its end.
 */
export const UP_TRANSITIONS: TransitionTable = {
  draft: {
    update_draft: { to: 'draft', roles: [CD], effects: [] },
    attach_study: { to: 'draft', roles: [CD, SYS], effects: [] },
    submit: {
      to: 'submitted',
      roles: [CD],
      guard: readyToSubmit,
      effects: [
        { type: 'start_timer', timer: 'accept_deadline' },
        { type: 'start_timer', timer: 'report_warning' },
        { type: 'start_timer', timer: 'report_deadline' },
        { type: 'route' },
        notify('pool'),
      ],
    },
    cancel: { to: 'cancelled', roles: [CD], effects: [{ type: 'stop_all_timers' }] },
  },
  submitted: {
    attach_study: { to: 'submitted', roles: [CD, SYS], effects: [] },
    change_priority: {
      to: 'submitted',
      roles: [CD, CO],
      effects: [{ type: 'restart_timers' }, notify('pool'), notify('coordinators')],
    },
    offer: {
      to: 'offered',
      roles: [SYS],
      effects: [{ type: 'start_timer', timer: 'offer_timeout' }, notify('assignee')],
    },
    claim: {
      to: 'accepted',
      roles: [SP],
      effects: [{ type: 'stop_timer', timer: 'accept_deadline' }, notify('origin_facility'), notify('pool')],
    },
    reassign: {
      to: 'offered',
      roles: [CO],
      effects: [{ type: 'start_timer', timer: 'offer_timeout' }, notify('assignee')],
    },
    cancel: {
      to: 'cancelled',
      roles: [CD, CO],
      effects: [{ type: 'stop_all_timers' }, notify('origin_facility'), notify('pool')],
    },
    acceptance_overdue: {
      to: 'submitted',
      roles: [SYS],
      guard: timerDue('accept_deadline'),
      effects: [notify('coordinators')],
    },
    report_due_soon: {
      to: 'submitted',
      roles: [SYS],
      guard: timerDue('report_warning'),
      effects: [notify('pool'), notify('coordinators')],
    },
    report_overdue: {
      to: 'submitted',
      roles: [SYS],
      guard: timerDue('report_deadline'),
      effects: [notify('pool'), notify('coordinators')],
    },
  },
  offered: {
    ...whileHeld('offered'),
    accept: {
      to: 'accepted',
      roles: [SP],
      specialist: 'offered_to',
      effects: [
        { type: 'stop_timer', timer: 'offer_timeout' },
        { type: 'stop_timer', timer: 'accept_deadline' },
        notify('origin_facility'),
      ],
    },
    decline: {
      to: 'submitted',
      roles: [SP],
      specialist: 'offered_to',
      effects: [{ type: 'stop_timer', timer: 'offer_timeout' }, { type: 'route' }],
    },
    cancel: {
      to: 'cancelled',
      roles: [CD, CO],
      effects: [{ type: 'stop_all_timers' }, notify('origin_facility'), notify('previous_assignee')],
    },
    offer_expired: {
      to: 'submitted',
      roles: [SYS],
      guard: timerDue('offer_timeout'),
      effects: [notify('previous_assignee'), { type: 'route' }],
    },
    acceptance_overdue: {
      to: 'offered',
      roles: [SYS],
      guard: timerDue('accept_deadline'),
      effects: [notify('coordinators')],
    },
  },
  accepted: {
    ...whileHeld('accepted'),
    start_review: { to: 'in_review', roles: [SP], specialist: 'assignee', effects: [notify('origin_facility')] },
    cancel: {
      to: 'cancelled',
      roles: [CO],
      effects: [{ type: 'stop_all_timers' }, notify('origin_facility'), notify('previous_assignee')],
    },
  },
  in_review: {
    ...whileHeld('in_review'),
    request_info: { to: 'info_requested', roles: [SP], specialist: 'assignee', effects: [notify('origin_facility')] },
    sign_report: {
      to: 'reported',
      roles: [SP],
      specialist: 'assignee',
      effects: [
        { type: 'stop_all_timers' },
        notify('origin_facility'),
        { type: 'notify', audience: 'coordinators', when: 'refers_up' },
      ],
    },
    cancel: {
      to: 'cancelled',
      roles: [CO],
      effects: [{ type: 'stop_all_timers' }, notify('origin_facility'), notify('previous_assignee')],
    },
  },
  info_requested: {
    ...whileHeld('info_requested'),
    answer_info: { to: 'in_review', roles: [CD], effects: [notify('assignee')] },
    // The reader may sign without the answer (it never came, or is no longer needed).
    sign_report: {
      to: 'reported',
      roles: [SP],
      specialist: 'assignee',
      effects: [
        { type: 'stop_all_timers' },
        notify('origin_facility'),
        { type: 'notify', audience: 'coordinators', when: 'refers_up' },
      ],
    },
    cancel: {
      to: 'cancelled',
      roles: [CO],
      effects: [{ type: 'stop_all_timers' }, notify('origin_facility'), notify('previous_assignee')],
    },
  },
  reported: {
    add_addendum: { to: 'reported', roles: [SP], specialist: 'assignee', effects: [notify('origin_facility')] },
    hand_over: { to: 'reported', roles: [CO], effects: [notify('previous_assignee'), notify('assignee')] },
    propose_plan: {
      to: 'reported',
      roles: [CD, SP],
      specialist: 'assignee',
      guard: noPlanYet,
      effects: [
        notify('origin_facility'),
        notify('assignee'),
        { type: 'notify', audience: 'coordinators', when: 'refers_up' },
      ],
    },
    revise_plan: {
      to: 'reported',
      roles: [CD, SP],
      specialist: 'assignee',
      guard: hasPlan,
      effects: [
        notify('origin_facility'),
        notify('assignee'),
        { type: 'notify', audience: 'coordinators', when: 'refers_up' },
      ],
    },
    set_appointment: {
      to: 'reported',
      roles: [CO],
      guard: planTakesAppointment,
      effects: [notify('origin_facility'), notify('assignee')],
    },
    sign_plan: {
      to: 'reported',
      roles: [CD, SP],
      specialist: 'assignee',
      guard: canSignFirst,
      effects: [notify('origin_facility'), notify('assignee')],
    },
    countersign_plan: {
      to: 'plan_agreed',
      roles: [CD, SP],
      specialist: 'assignee',
      guard: canCountersign,
      effects: [
        notify('origin_facility'),
        notify('assignee'),
        notify('patient'),
        { type: 'notify', audience: 'coordinators', when: 'refers_up' },
      ],
    },
  },
  plan_agreed: {
    ...afterReport('plan_agreed'),
    // The community doctor may record the acknowledgement for a patient who has no phone.
    acknowledge: {
      to: 'acknowledged',
      roles: ['patient', CD],
      effects: [notify('origin_facility'), notify('assignee')],
    },
  },
  acknowledged: afterReport('acknowledged'),
  closed: {},
  cancelled: {},
};

/**
 * Transitions of a back-down referral: after hub care, the hub hands the patient back to their community centre for
 * follow-up. It is created `submitted` by `refer_back_down` on the upward referral; the receiving centre accepts it and
 * closes it with the follow-up outcome. Only the hub side may cancel, and only before the centre accepts.
 */
export const DOWN_TRANSITIONS: TransitionTable = {
  draft: {},
  submitted: {
    accept: { to: 'accepted', roles: [CD], effects: [notify('coordinators')] },
    cancel: {
      to: 'cancelled',
      roles: [CO],
      effects: [{ type: 'stop_all_timers' }, notify('destination_facility'), notify('patient')],
    },
  },
  offered: {},
  accepted: {
    close: {
      to: 'closed',
      roles: [CD],
      effects: [{ type: 'stop_all_timers' }, notify('coordinators')],
    },
  },
  in_review: {},
  info_requested: {},
  reported: {},
  plan_agreed: {},
  acknowledged: {},
  closed: {},
  cancelled: {},
};

/** The transition tables by direction. */
export const REFERRAL_TRANSITIONS: Readonly<Record<ReferralDirection, TransitionTable>> = {
  up: UP_TRANSITIONS,
  down: DOWN_TRANSITIONS,
};

/**
 * The transition for an event in the referral's current state.
 *
 * @param direction - the referral's direction
 * @param state - the current state
 * @param type - the event type
 * @returns the transition, or undefined when the state does not accept the event
 */
export function transitionFor(
  direction: ReferralDirection,
  state: ReferralState,
  type: ReferralEventType,
): Transition | undefined {
  return REFERRAL_TRANSITIONS[direction][state][type];
}
