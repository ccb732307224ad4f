import { assertNever } from './assert-never.js';
import { DEFAULT_TURNAROUND_POLICY, timerDueAt, type TurnaroundPolicy } from './policy.js';
import { needsHubAppointment, planSignerOf, refersUp } from './plan.js';
import { transitionFor, type GuardContext, type Transition } from './transitions.js';
import type {
  Actor,
  DecisionContext,
  Decision,
  Effect,
  EffectTemplate,
  EventOf,
  HistoryDetails,
  HubAppointment,
  NotifyEffect,
  ReferralEvent,
  ReferralSnapshot,
  SpecialistRef,
} from './types.js';
import { REFERRAL_WORKFLOW_VERSION } from './version.js';
import {
  CANCEL_REASONS,
  CLOSE_OUTCOMES,
  DISPOSITIONS,
  HUB_OUTCOMES,
  PRIORITIES,
  REFERRAL_DIRECTIONS,
  REFERRAL_EVENT_TYPES,
  REFERRAL_STATES,
  ROLES,
  SERVICES,
  SERVICE_SPECIALTY,
  SPECIALTIES,
  TIMER_EVENTS,
  TIMER_KINDS,
  TIMER_OF_EVENT,
  isOneOf,
  isTerminalState,
  isTimerEventType,
  type Priority,
  type ReasonCode,
  type ReferralEventType,
  type Service,
  type TimerKind,
} from './vocabulary.js';

type Prepared = { readonly ok: true; readonly ctx: GuardContext } | { readonly ok: false; readonly reason: ReasonCode };

/**
 * Parses the time given to the rules.
 *
 * @param now - a `Date` or an ISO 8601 string
 * @returns the time as a `Date`, or null when it is not a valid time
 */
export function parseTime(now: Date | string): Date | null {
  const date = typeof now === 'string' ? new Date(now) : now;
  return date instanceof Date && !Number.isNaN(date.getTime()) ? date : null;
}

function isActor(actor: unknown): actor is Actor {
  if (typeof actor !== 'object' || actor === null) return false;
  const a = actor as Record<string, unknown>;
  return typeof a['id'] === 'string' && a['id'] !== '' && isOneOf(ROLES, a['role']);
}

function prepare(snapshot: ReferralSnapshot, actor: Actor, now: Date | string, policy?: TurnaroundPolicy): Prepared {
  if (snapshot.workflowVersion !== REFERRAL_WORKFLOW_VERSION) return { ok: false, reason: 'workflow_version_mismatch' };
  // A snapshot mapped wrongly from storage must be refused, not crash the caller.
  if (!isOneOf(REFERRAL_DIRECTIONS, snapshot.direction) || !isOneOf(REFERRAL_STATES, snapshot.state)) {
    return { ok: false, reason: 'invalid_snapshot' };
  }
  const time = parseTime(now);
  if (time === null) return { ok: false, reason: 'invalid_time' };
  if (!isActor(actor)) return { ok: false, reason: 'invalid_actor' };
  return { ok: true, ctx: { actor, now: time, policy: policy ?? DEFAULT_TURNAROUND_POLICY } };
}

/** The community centre a community doctor must belong to: the origin going up, the destination coming down. */
function communityFacilityOf(s: ReferralSnapshot): string | null {
  return s.direction === 'up' ? s.originFacilityId : s.destinationFacilityId;
}

/** Who, among the allowed role, may act on this particular referral. The API still checks facility membership. */
function scopeReason(s: ReferralSnapshot, t: Transition, actor: Actor): ReasonCode | null {
  switch (actor.role) {
    case 'community_doctor':
      return actor.facilityId !== null && actor.facilityId === communityFacilityOf(s) ? null : 'outside_facility';
    case 'specialist':
      if (actor.specialty !== SERVICE_SPECIALTY[s.service]) return 'specialty_mismatch';
      if (t.specialist === 'offered_to' && actor.id !== s.offeredTo) return 'not_offered_to_you';
      if (t.specialist === 'assignee' && actor.id !== s.assigneeId) return 'not_assignee';
      return null;
    case 'patient':
      return actor.id === s.patientId ? null : 'not_own_referral';
    case 'coordinator':
    case 'admin':
    case 'system':
      return null;
    default:
      return assertNever(actor.role);
  }
}

type Allowed =
  { readonly ok: true; readonly transition: Transition } | { readonly ok: false; readonly reason: ReasonCode };

/** Everything but the payload: state, role, scope and guard. */
function checkAllowed(s: ReferralSnapshot, type: ReferralEventType, ctx: GuardContext): Allowed {
  if (isTerminalState(s.state)) return { ok: false, reason: 'terminal_state' };
  const transition = transitionFor(s.direction, s.state, type);
  if (transition === undefined) return { ok: false, reason: 'not_allowed_in_state' };
  if (!transition.roles.includes(ctx.actor.role)) return { ok: false, reason: 'role_not_allowed' };
  const reason = scopeReason(s, transition, ctx.actor) ?? transition.guard?.(s, ctx) ?? null;
  return reason === null ? { ok: true, transition } : { ok: false, reason };
}

function isSpecialistRef(value: unknown): value is SpecialistRef {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v['id'] === 'string' && v['id'] !== '' && isOneOf(SPECIALTIES, v['specialty']);
}

function specialistReason(s: ReferralSnapshot, value: unknown, current: string | null): ReasonCode | null {
  if (!isSpecialistRef(value)) return 'invalid_input';
  if (value.specialty !== SERVICE_SPECIALTY[s.service]) return 'specialty_mismatch';
  return value.id === current ? 'same_specialist' : null;
}

function isHubAppointment(value: unknown): value is HubAppointment {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as Record<string, unknown>;
  const department = v['department'];
  return (
    typeof v['at'] === 'string' &&
    parseTime(v['at']) !== null &&
    (department === null || department === undefined || typeof department === 'string')
  );
}

function normaliseAppointment(appointment: HubAppointment | null | undefined): HubAppointment | null {
  if (appointment === null || appointment === undefined) return null;
  return { at: new Date(appointment.at).toISOString(), department: appointment.department ?? null };
}

function sameAppointment(a: HubAppointment | null, b: HubAppointment | null): boolean {
  if (a === null || b === null) return a === b;
  return new Date(a.at).getTime() === new Date(b.at).getTime() && a.department === b.department;
}

function appointmentPayloadReason(value: unknown, now: Date): ReasonCode | null {
  if (!isHubAppointment(value)) return 'invalid_appointment';
  return new Date(value.at).getTime() <= now.getTime() ? 'appointment_in_past' : null;
}

function planChangeReason(
  s: ReferralSnapshot,
  e: EventOf<'propose_plan'> | EventOf<'revise_plan'>,
  now: Date,
): ReasonCode | null {
  if (!isOneOf(DISPOSITIONS, e.disposition)) return 'invalid_disposition';
  const appointment = e.hubAppointment ?? null;
  if (appointment !== null) {
    if (!needsHubAppointment(e.disposition)) return 'hub_appointment_not_applicable';
    const reason = appointmentPayloadReason(appointment, now);
    if (reason !== null) return reason;
  }
  if (
    e.type === 'revise_plan' &&
    e.contentChanged !== true &&
    s.plan !== null &&
    s.plan.disposition === e.disposition &&
    sameAppointment(s.plan.hubAppointment, normaliseAppointment(appointment))
  ) {
    return 'nothing_to_change';
  }
  return null;
}

/** Checks what the event carries. Runs after `checkAllowed`, so the transition exists and its guard passed. */
function payloadReason(s: ReferralSnapshot, e: ReferralEvent, ctx: GuardContext): ReasonCode | null {
  switch (e.type) {
    case 'update_draft': {
      if (e.service !== undefined && !isOneOf(SERVICES, e.service)) return 'invalid_input';
      if (e.priority !== undefined && !isOneOf(PRIORITIES, e.priority)) return 'invalid_input';
      if (e.hasClinicalQuestion !== undefined && typeof e.hasClinicalQuestion !== 'boolean') return 'invalid_input';
      if (e.hasConsent !== undefined && typeof e.hasConsent !== 'boolean') return 'invalid_input';
      const changes =
        (e.service !== undefined && e.service !== s.service) ||
        (e.priority !== undefined && e.priority !== s.priority) ||
        (e.hasClinicalQuestion !== undefined && e.hasClinicalQuestion !== s.hasClinicalQuestion) ||
        // Recording consent again (a scanned form after verbal consent) replaces the record: still a change.
        e.hasConsent === true ||
        (e.hasConsent === false && s.hasConsent);
      return changes ? null : 'nothing_to_change';
    }
    case 'change_priority':
      if (!isOneOf(PRIORITIES, e.priority)) return 'invalid_input';
      return e.priority === s.priority ? 'same_priority' : null;
    case 'offer': {
      const reason = specialistReason(s, e.specialist, null);
      if (reason !== null) return reason;
      // A STAT referral is never left waiting because everyone on duty said no once: it goes round
      // again (the router still offers it to those who have not declined first).
      return s.declinedBy.includes(e.specialist.id) && s.priority !== 'STAT' ? 'already_declined' : null;
    }
    case 'reassign':
      return specialistReason(s, e.specialist, s.offeredTo ?? s.assigneeId);
    case 'hand_over':
      return specialistReason(s, e.specialist, s.assigneeId);
    case 'sign_report':
      return isOneOf(DISPOSITIONS, e.disposition) ? null : 'invalid_disposition';
    case 'propose_plan':
    case 'revise_plan':
      return planChangeReason(s, e, ctx.now);
    case 'set_appointment': {
      const reason = appointmentPayloadReason(e.hubAppointment, ctx.now);
      if (reason !== null) return reason;
      return s.plan !== null && sameAppointment(s.plan.hubAppointment, normaliseAppointment(e.hubAppointment))
        ? 'nothing_to_change'
        : null;
    }
    case 'sign_plan':
    case 'countersign_plan':
      if (!Number.isInteger(e.version)) return 'invalid_input';
      return s.plan !== null && e.version === s.plan.version ? null : 'stale_plan_version';
    case 'close':
      if (!isOneOf(CLOSE_OUTCOMES[s.direction], e.outcome)) return 'invalid_outcome';
      // Hub care can only follow a plan that sent the patient to the hub.
      if (s.direction === 'up' && isOneOf(HUB_OUTCOMES, e.outcome) && !(s.plan && refersUp(s.plan.disposition))) {
        return 'outcome_conflicts_with_plan';
      }
      return null;
    case 'refer_back_down':
      return typeof e.backReferralId === 'string' && e.backReferralId !== '' && e.backReferralId !== s.id
        ? null
        : 'invalid_back_referral_id';
    case 'cancel':
      return isOneOf(CANCEL_REASONS, e.reason) ? null : 'invalid_cancel_reason';
    case 'attach_study':
    case 'submit':
    case 'claim':
    case 'accept':
    case 'decline':
    case 'return_to_queue':
    case 'start_review':
    case 'request_info':
    case 'answer_info':
    case 'add_addendum':
    case 'acknowledge':
    case 'offer_expired':
    case 'acceptance_overdue':
    case 'report_due_soon':
    case 'report_overdue':
      return null;
    default:
      return assertNever(e);
  }
}

/** The data changes an event makes, besides the state, `updatedAt` and timers. */
function applyEvent(s: ReferralSnapshot, e: ReferralEvent, ctx: GuardContext): Partial<ReferralSnapshot> {
  const at = ctx.now.toISOString();
  const actor = ctx.actor;
  switch (e.type) {
    case 'update_draft':
      return {
        service: e.service ?? s.service,
        priority: e.priority ?? s.priority,
        hasClinicalQuestion: e.hasClinicalQuestion ?? s.hasClinicalQuestion,
        hasConsent: e.hasConsent ?? s.hasConsent,
      };
    case 'attach_study':
      return { studyCount: s.studyCount + 1 };
    case 'submit':
      return { submittedAt: at };
    case 'change_priority':
      return { priority: e.priority };
    case 'offer':
    case 'reassign':
      return { offeredTo: e.specialist.id, assigneeId: null };
    case 'claim':
      return { assigneeId: actor.id, offeredTo: null };
    case 'accept':
      // Going up the specialist accepts an offer; coming down the receiving community doctor takes the patient on.
      return { assigneeId: s.direction === 'up' ? s.offeredTo : actor.id, offeredTo: null };
    case 'decline':
      return {
        offeredTo: null,
        declinedBy:
          s.offeredTo === null || s.declinedBy.includes(s.offeredTo) ? s.declinedBy : [...s.declinedBy, s.offeredTo],
      };
    case 'return_to_queue':
    case 'offer_expired':
      return { offeredTo: null, assigneeId: null };
    case 'start_review':
    case 'request_info':
    case 'answer_info':
    case 'acknowledge':
    case 'report_due_soon':
      return {};
    case 'acceptance_overdue':
    case 'report_overdue':
      return { escalatedAt: s.escalatedAt ?? at };
    case 'sign_report':
      return { report: { signedBy: actor.id, signedAt: at, disposition: e.disposition, addenda: 0 } };
    case 'add_addendum':
      return s.report === null ? {} : { report: { ...s.report, addenda: s.report.addenda + 1 } };
    case 'hand_over':
      return { assigneeId: e.specialist.id };
    case 'propose_plan':
    case 'revise_plan':
      return {
        plan: {
          version: (s.plan?.version ?? 0) + 1,
          disposition: e.disposition,
          hubAppointment: normaliseAppointment(e.hubAppointment),
          changedBy: actor.id,
          changedAt: at,
          signatures: { community_doctor: null, specialist: null },
        },
      };
    case 'set_appointment':
      return s.plan === null
        ? {}
        : {
            plan: {
              ...s.plan,
              version: s.plan.version + 1,
              hubAppointment: normaliseAppointment(e.hubAppointment),
              changedBy: actor.id,
              changedAt: at,
              signatures: { community_doctor: null, specialist: null },
            },
          };
    case 'sign_plan':
    case 'countersign_plan': {
      const signer = planSignerOf(actor.role);
      if (s.plan === null || signer === null) return {};
      return {
        plan: {
          ...s.plan,
          signatures: { ...s.plan.signatures, [signer]: { userId: actor.id, version: s.plan.version, at } },
        },
      };
    }
    case 'close':
      return { outcome: e.outcome, offeredTo: null };
    case 'refer_back_down':
      return { outcome: 'referred_back_down', backReferralId: e.backReferralId, offeredTo: null };
    case 'cancel':
      return { cancellation: { reason: e.reason, by: actor.id, role: actor.role, at }, offeredTo: null };
    default:
      return assertNever(e);
  }
}

function historyDetails(prev: ReferralSnapshot, next: ReferralSnapshot, e: ReferralEvent): HistoryDetails {
  switch (e.type) {
    case 'update_draft':
      return {
        service: next.service,
        priority: next.priority,
        hasClinicalQuestion: next.hasClinicalQuestion,
        hasConsent: next.hasConsent,
      };
    case 'attach_study':
      return { studyCount: next.studyCount };
    case 'change_priority':
      return { previousPriority: prev.priority, priority: next.priority };
    case 'offer':
    case 'reassign':
    case 'hand_over':
      return { specialistId: e.specialist.id, previousSpecialistId: prev.offeredTo ?? prev.assigneeId };
    case 'decline':
    case 'offer_expired':
      return { specialistId: prev.offeredTo };
    case 'return_to_queue':
      return { previousSpecialistId: prev.offeredTo ?? prev.assigneeId };
    case 'sign_report':
      return { disposition: e.disposition };
    case 'add_addendum':
      return { addenda: next.report?.addenda ?? 0 };
    case 'propose_plan':
    case 'revise_plan':
    case 'set_appointment':
      return {
        planVersion: next.plan?.version ?? null,
        disposition: next.plan?.disposition ?? null,
        hubAppointmentAt: next.plan?.hubAppointment?.at ?? null,
      };
    case 'sign_plan':
    case 'countersign_plan':
      return { planVersion: e.version };
    case 'close':
      return { outcome: e.outcome };
    case 'refer_back_down':
      return { outcome: 'referred_back_down', backReferralId: e.backReferralId };
    case 'cancel':
      return { reason: e.reason };
    case 'acceptance_overdue':
    case 'report_due_soon':
    case 'report_overdue':
      return { timer: TIMER_OF_EVENT[e.type], dueAt: prev.timers[TIMER_OF_EVENT[e.type]] ?? null };
    case 'submit':
    case 'claim':
    case 'accept':
    case 'start_review':
    case 'request_info':
    case 'answer_info':
    case 'acknowledge':
      return {};
    default:
      return assertNever(e);
  }
}

function resolveNotify(
  template: EffectTemplate & { type: 'notify' },
  prev: ReferralSnapshot,
  next: ReferralSnapshot,
  event: ReferralEventType,
): NotifyEffect | null {
  if (template.when === 'refers_up') {
    const disposition = next.plan?.disposition ?? next.report?.disposition;
    if (disposition === undefined || !refersUp(disposition)) return null;
  }
  const base = { type: 'notify', referralId: next.id, event, state: next.state } as const;
  switch (template.audience) {
    case 'origin_facility':
      return { ...base, audience: 'origin_facility', facilityId: next.originFacilityId };
    case 'destination_facility':
      return next.destinationFacilityId === null
        ? null
        : { ...base, audience: 'destination_facility', facilityId: next.destinationFacilityId };
    case 'assignee': {
      const userId = next.offeredTo ?? next.assigneeId;
      return userId === null ? null : { ...base, audience: 'assignee', userId };
    }
    case 'previous_assignee': {
      const userId = prev.offeredTo ?? prev.assigneeId;
      return userId === null ? null : { ...base, audience: 'previous_assignee', userId };
    }
    case 'pool':
      return { ...base, audience: 'pool', service: next.service };
    case 'coordinators':
      return { ...base, audience: 'coordinators' };
    case 'patient':
      return { ...base, audience: 'patient', patientId: next.patientId };
    default:
      return assertNever(template.audience);
  }
}

/** Timers that count from submission and follow the priority. */
const SUBMISSION_TIMERS = [
  'accept_deadline',
  'report_warning',
  'report_deadline',
] as const satisfies readonly TimerKind[];

function backReferral(parent: ReferralSnapshot, e: EventOf<'refer_back_down'>, ctx: GuardContext): ReferralSnapshot {
  const at = ctx.now.toISOString();
  return {
    id: e.backReferralId,
    workflowVersion: REFERRAL_WORKFLOW_VERSION,
    direction: 'down',
    state: 'submitted',
    service: parent.service,
    priority: 'ROUTINE',
    patientId: parent.patientId,
    originFacilityId: ctx.actor.facilityId ?? parent.originFacilityId,
    destinationFacilityId: parent.originFacilityId,
    createdBy: ctx.actor.id,
    createdAt: at,
    submittedAt: at,
    offeredTo: null,
    assigneeId: null,
    declinedBy: [],
    studyCount: 0,
    hasClinicalQuestion: false,
    hasConsent: false,
    report: null,
    plan: null,
    timers: {},
    escalatedAt: null,
    outcome: null,
    cancellation: null,
    parentReferralId: parent.id,
    backReferralId: null,
    updatedAt: at,
  };
}

/** The back-down referral and its first history entry. */
function backReferralEffects(parent: ReferralSnapshot, e: EventOf<'refer_back_down'>, ctx: GuardContext): Effect[] {
  const child = backReferral(parent, e, ctx);
  return [
    { type: 'create_referral', referral: child },
    {
      type: 'history',
      entry: {
        referralId: child.id,
        event: 'created',
        from: null,
        to: child.state,
        actorId: ctx.actor.id,
        actorRole: ctx.actor.role,
        at: child.createdAt,
        workflowVersion: REFERRAL_WORKFLOW_VERSION,
        details: { parentReferralId: parent.id },
      },
    },
  ];
}

/**
 * Decides whether an actor may fire an event on a referral now and, if so, what follows. Pure: it reads no clock,
 * writes nothing and returns the same answer for the same arguments.
 *
 * The checks run in this order and the first failure is the reason: rules version, snapshot, time, actor, event shape, terminal
 * state, state accepts the event, role, scope (own community centre, offered specialist or assignee, specialty matches
 * the service, own patient), the transition's guard, then the event's payload.
 *
 * @param snapshot - the referral as stored, under the current rules version
 * @param event - what the actor asks for, with its payload
 * @param ctx - who acts, the current time and the network's turnaround policy
 * @returns the next snapshot and the effects to carry out in the same transaction, or a reason code
 */
export function decide(snapshot: ReferralSnapshot, event: ReferralEvent, ctx: DecisionContext): Decision {
  const prepared = prepare(snapshot, ctx.actor, ctx.now, ctx.policy);
  if (!prepared.ok) return prepared;
  const gctx = prepared.ctx;
  if (typeof event !== 'object' || event === null || !isOneOf(REFERRAL_EVENT_TYPES, event.type)) {
    return { ok: false, reason: 'invalid_event' };
  }
  const allowed = checkAllowed(snapshot, event.type, gctx);
  if (!allowed.ok) return allowed;
  const invalid = payloadReason(snapshot, event, gctx);
  if (invalid !== null) return { ok: false, reason: invalid };

  const transition = allowed.transition;
  const at = gctx.now.toISOString();
  const timers: Partial<Record<TimerKind, string>> = { ...snapshot.timers };
  // A fired timer is done: it is neither active nor to be stopped.
  if (isTimerEventType(event.type)) delete timers[TIMER_OF_EVENT[event.type]];
  const draft: ReferralSnapshot = {
    ...snapshot,
    ...applyEvent(snapshot, event, gctx),
    state: transition.to,
    updatedAt: at,
  };

  // Timers first, so the next snapshot carries exactly the timers that are active after the decision.
  const timerEffects: Effect[] = [];
  const stop = (timer: TimerKind): void => {
    if (timers[timer] === undefined) return;
    delete timers[timer];
    timerEffects.push({ type: 'stop_timer', referralId: snapshot.id, timer });
  };
  const start = (timer: TimerKind): void => {
    stop(timer);
    const dueAt = timerDueAt(timer, draft, gctx.now, gctx.policy);
    timers[timer] = dueAt;
    timerEffects.push({ type: 'start_timer', referralId: snapshot.id, timer, dueAt });
  };
  for (const template of transition.effects) {
    switch (template.type) {
      case 'start_timer':
        start(template.timer);
        break;
      case 'stop_timer':
        stop(template.timer);
        break;
      case 'stop_all_timers':
        for (const timer of TIMER_KINDS) stop(timer);
        break;
      case 'restart_timers':
        for (const timer of SUBMISSION_TIMERS) if (timers[timer] !== undefined) start(timer);
        break;
      case 'route':
      case 'create_back_referral':
      case 'notify':
        break;
      default:
        assertNever(template);
    }
  }
  const next: ReferralSnapshot = { ...draft, timers };

  const otherEffects: Effect[] = [];
  const seen = new Set<string>();
  for (const template of transition.effects) {
    switch (template.type) {
      case 'route':
        otherEffects.push({
          type: 'route',
          referralId: snapshot.id,
          service: next.service,
          priority: next.priority,
          exclude: next.priority === 'STAT' ? [] : next.declinedBy,
        });
        break;
      case 'create_back_referral':
        if (event.type === 'refer_back_down') otherEffects.push(...backReferralEffects(snapshot, event, gctx));
        break;
      case 'notify': {
        const effect = resolveNotify(template, snapshot, next, event.type);
        const key = JSON.stringify(effect);
        if (effect !== null && !seen.has(key)) {
          seen.add(key);
          otherEffects.push(effect);
        }
        break;
      }
      case 'start_timer':
      case 'stop_timer':
      case 'stop_all_timers':
      case 'restart_timers':
        break;
      default:
        assertNever(template);
    }
  }

  const history: Effect = {
    type: 'history',
    entry: {
      referralId: snapshot.id,
      event: event.type,
      from: snapshot.state,
      to: next.state,
      actorId: gctx.actor.id,
      actorRole: gctx.actor.role,
      at,
      workflowVersion: REFERRAL_WORKFLOW_VERSION,
      details: historyDetails(snapshot, next, event),
    },
  };
  return { ok: true, next, effects: [history, ...timerEffects, ...otherEffects] };
}

/** One action the actor's role may take in the referral's state, and why it is blocked if it is. */
export interface EventOption {
  readonly type: ReferralEventType;
  /** Null when the actor may fire it now; otherwise why not (e.g. `no_studies` for a submit button). */
  readonly reason: ReasonCode | null;
}

/**
 * The events the actor's role may fire in the referral's current state, each with the reason it is blocked (if it
 * is) for this actor now. For the web app: show the allowed ones as buttons, and the blocked ones disabled with a
 * reason. Payload checks (a valid disposition, the current plan version) are not included; `decide` makes them.
 *
 * @param snapshot - the referral as stored
 * @param actor - the signed-in user, or the system
 * @param now - the current time
 * @param policy - the network's turnaround policy; the defaults when absent
 * @returns the options in vocabulary order; empty for a terminal referral, another rules version or a bad time
 */
export function eventOptions(
  snapshot: ReferralSnapshot,
  actor: Actor,
  now: Date | string,
  policy?: TurnaroundPolicy,
): EventOption[] {
  const prepared = prepare(snapshot, actor, now, policy);
  if (!prepared.ok || isTerminalState(snapshot.state)) return [];
  const options: EventOption[] = [];
  for (const type of REFERRAL_EVENT_TYPES) {
    const transition = transitionFor(snapshot.direction, snapshot.state, type);
    if (transition === undefined || !transition.roles.includes(actor.role)) continue;
    const result = checkAllowed(snapshot, type, prepared.ctx);
    options.push({ type, reason: result.ok ? null : result.reason });
  }
  return options;
}

/**
 * The events an actor may fire on a referral now, for the web app's buttons. An event listed here may still be refused
 * by `decide` for its payload (for example a stale plan version).
 *
 * @param snapshot - the referral as stored
 * @param actor - the signed-in user, or the system
 * @param now - the current time
 * @param policy - the network's turnaround policy; the defaults when absent
 * @returns the allowed event types in vocabulary order
 */
export function availableEvents(
  snapshot: ReferralSnapshot,
  actor: Actor,
  now: Date | string,
  policy?: TurnaroundPolicy,
): ReferralEventType[] {
  return eventOptions(snapshot, actor, now, policy)
    .filter((option) => option.reason === null)
    .map((option) => option.type);
}

/**
 * The event to fire, as the `system` actor, when a timer falls due.
 *
 * @param timer - the timer named in the `start_timer` effect
 * @returns the matching timer event, e.g. `{ type: 'offer_expired' }` for `offer_timeout`
 */
export function timerEvent(timer: TimerKind): ReferralEvent {
  return { type: TIMER_EVENTS[timer] };
}

/** What a community doctor gives to open a referral. */
export interface CreateReferralInput {
  /** A new id chosen by the API (the rules make no ids). */
  readonly id: string;
  readonly patientId: string;
  /** The doctor's community centre. */
  readonly originFacilityId: string;
  readonly service: Service;
  readonly priority: Priority;
  readonly hasClinicalQuestion?: boolean;
  /** Consent already on record (false by default: the doctor records it on the draft). */
  readonly hasConsent?: boolean;
  /** Studies already linked (e.g. uploaded before the referral was saved); 0 by default. */
  readonly studyCount?: number;
}

/** The answer of {@link createReferral}. */
export type CreateReferralResult =
  | { readonly ok: true; readonly referral: ReferralSnapshot; readonly effects: readonly Effect[] }
  | { readonly ok: false; readonly reason: ReasonCode };

/**
 * Opens an upward referral as a draft. Only a community doctor may, and only for their own centre.
 * (Back-down referrals are created by `refer_back_down`, as a `create_referral` effect.)
 *
 * @param input - the new referral's id, patient, centre, service, priority and what is already known
 * @param ctx - who acts and the current time
 * @returns the new draft snapshot and its first history entry, or a reason code
 */
export function createReferral(input: CreateReferralInput, ctx: DecisionContext): CreateReferralResult {
  const now = parseTime(ctx.now);
  if (now === null) return { ok: false, reason: 'invalid_time' };
  if (!isActor(ctx.actor)) return { ok: false, reason: 'invalid_actor' };
  if (ctx.actor.role !== 'community_doctor') return { ok: false, reason: 'role_not_allowed' };
  const studyCount = input.studyCount ?? 0;
  if (
    typeof input.id !== 'string' ||
    input.id === '' ||
    typeof input.patientId !== 'string' ||
    input.patientId === '' ||
    typeof input.originFacilityId !== 'string' ||
    input.originFacilityId === '' ||
    !isOneOf(SERVICES, input.service) ||
    !isOneOf(PRIORITIES, input.priority) ||
    !Number.isInteger(studyCount) ||
    studyCount < 0 ||
    (input.hasClinicalQuestion !== undefined && typeof input.hasClinicalQuestion !== 'boolean') ||
    (input.hasConsent !== undefined && typeof input.hasConsent !== 'boolean')
  ) {
    return { ok: false, reason: 'invalid_input' };
  }
  if (ctx.actor.facilityId !== input.originFacilityId) return { ok: false, reason: 'outside_facility' };
  const at = now.toISOString();
  const referral: ReferralSnapshot = {
    id: input.id,
    workflowVersion: REFERRAL_WORKFLOW_VERSION,
    direction: 'up',
    state: 'draft',
    service: input.service,
    priority: input.priority,
    patientId: input.patientId,
    originFacilityId: input.originFacilityId,
    destinationFacilityId: null,
    createdBy: ctx.actor.id,
    createdAt: at,
    submittedAt: null,
    offeredTo: null,
    assigneeId: null,
    declinedBy: [],
    studyCount,
    hasClinicalQuestion: input.hasClinicalQuestion ?? false,
    hasConsent: input.hasConsent ?? false,
    report: null,
    plan: null,
    timers: {},
    escalatedAt: null,
    outcome: null,
    cancellation: null,
    parentReferralId: null,
    backReferralId: null,
    updatedAt: at,
  };
  const history: Effect = {
    type: 'history',
    entry: {
      referralId: referral.id,
      event: 'created',
      from: null,
      to: 'draft',
      actorId: ctx.actor.id,
      actorRole: ctx.actor.role,
      at,
      workflowVersion: REFERRAL_WORKFLOW_VERSION,
      details: { service: referral.service, priority: referral.priority },
    },
  };
  return { ok: true, referral, effects: [history] };
}
