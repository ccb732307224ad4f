// The rulebook, written out by hand: for every direction, state and event, who may fire it and where it leads.
// Every state x event x role combination is decided and compared with this table, forbidden ones included.
import { decide } from './decide.js';
import { findInconsistencies } from './consistency.js';
import { APPOINTMENT, actors, at, downReferralIn, must, upReferralIn } from './fixtures.testing.js';
import type { Actor, ReferralEvent, ReferralSnapshot } from './types.js';
import {
  REFERRAL_DIRECTIONS,
  REFERRAL_EVENT_TYPES,
  REFERRAL_STATES,
  ROLES,
  isTerminalState,
  type ReferralDirection,
  type ReferralEventType,
  type ReferralState,
  type Role,
} from './vocabulary.js';

type Rule = { readonly to: ReferralState; readonly by: readonly Role[] };
type Rulebook = Record<ReferralState, Partial<Record<ReferralEventType, Rule>>>;

const CD = 'community_doctor';
const SP = 'specialist';
const CO = 'coordinator';
const SYS = 'system';

/** While a specialist may hold the referral and no report is signed. */
const held = (state: ReferralState): Partial<Record<ReferralEventType, Rule>> => ({
  attach_study: { to: state, by: [CD, SYS] },
  change_priority: { to: state, by: [CD, CO] },
  reassign: { to: 'offered', by: [CO] },
  return_to_queue: { to: 'submitted', by: [CO] },
  // After a specialist accepts, only the coordinator may cancel.
  cancel: { to: 'cancelled', by: state === 'offered' ? [CD, CO] : [CO] },
  report_due_soon: { to: state, by: [SYS] },
  report_overdue: { to: state, by: [SYS] },
});

const afterAgreement = (state: ReferralState): Partial<Record<ReferralEventType, Rule>> => ({
  add_addendum: { to: state, by: [SP] },
  hand_over: { to: state, by: [CO] },
  revise_plan: { to: 'reported', by: [CD, SP] },
  set_appointment: { to: 'reported', by: [CO] },
  close: { to: 'closed', by: [CD, CO] },
  refer_back_down: { to: 'closed', by: [CO] },
});

const UP: Rulebook = {
  draft: {
    update_draft: { to: 'draft', by: [CD] },
    attach_study: { to: 'draft', by: [CD, SYS] },
    submit: { to: 'submitted', by: [CD] },
    cancel: { to: 'cancelled', by: [CD] },
  },
  submitted: {
    attach_study: { to: 'submitted', by: [CD, SYS] },
    change_priority: { to: 'submitted', by: [CD, CO] },
    offer: { to: 'offered', by: [SYS] },
    claim: { to: 'accepted', by: [SP] },
    reassign: { to: 'offered', by: [CO] },
    cancel: { to: 'cancelled', by: [CD, CO] },
    acceptance_overdue: { to: 'submitted', by: [SYS] },
    report_due_soon: { to: 'submitted', by: [SYS] },
    report_overdue: { to: 'submitted', by: [SYS] },
  },
  offered: {
    ...held('offered'),
    accept: { to: 'accepted', by: [SP] },
    decline: { to: 'submitted', by: [SP] },
    offer_expired: { to: 'submitted', by: [SYS] },
    acceptance_overdue: { to: 'offered', by: [SYS] },
  },
  accepted: { ...held('accepted'), start_review: { to: 'in_review', by: [SP] } },
  in_review: {
    ...held('in_review'),
    request_info: { to: 'info_requested', by: [SP] },
    sign_report: { to: 'reported', by: [SP] },
  },
  info_requested: {
    ...held('info_requested'),
    answer_info: { to: 'in_review', by: [CD] },
    sign_report: { to: 'reported', by: [SP] },
  },
  reported: {
    add_addendum: { to: 'reported', by: [SP] },
    hand_over: { to: 'reported', by: [CO] },
    propose_plan: { to: 'reported', by: [CD, SP] },
    revise_plan: { to: 'reported', by: [CD, SP] },
    set_appointment: { to: 'reported', by: [CO] },
    sign_plan: { to: 'reported', by: [CD, SP] },
    countersign_plan: { to: 'plan_agreed', by: [CD, SP] },
  },
  plan_agreed: { ...afterAgreement('plan_agreed'), acknowledge: { to: 'acknowledged', by: ['patient', CD] } },
  acknowledged: afterAgreement('acknowledged'),
  closed: {},
  cancelled: {},
};

const DOWN: Rulebook = {
  draft: {},
  submitted: {
    accept: { to: 'accepted', by: [CD] },
    cancel: { to: 'cancelled', by: [CO] },
  },
  offered: {},
  accepted: { close: { to: 'closed', by: [CD] } },
  in_review: {},
  info_requested: {},
  reported: {},
  plan_agreed: {},
  acknowledged: {},
  closed: {},
  cancelled: {},
};

const RULEBOOK: Record<ReferralDirection, Rulebook> = { up: UP, down: DOWN };

/** Late enough that every timer started by a fixture has fallen due; well before the booked appointment. */
const NOW = at(3 * 24 * 60);

function baseSnapshot(direction: ReferralDirection, state: ReferralState): ReferralSnapshot {
  if (direction === 'up') return upReferralIn(state);
  if (state === 'submitted' || state === 'accepted' || state === 'closed' || state === 'cancelled') {
    return downReferralIn(state);
  }
  // States a back-down referral never reaches: the table must refuse everything there.
  return { ...downReferralIn('submitted'), state };
}

/** The snapshot an event needs for its guard to pass, so that only role and scope decide. */
function snapshotFor(direction: ReferralDirection, state: ReferralState, type: ReferralEventType, role: Role) {
  const s = baseSnapshot(direction, state);
  if (direction !== 'up' || state !== 'reported' || type === 'propose_plan') return s;
  const proposed = must(
    s,
    { type: 'propose_plan', disposition: 'refer_up_outpatient', hubAppointment: APPOINTMENT },
    actors.cardiologist,
    at(100),
  ).next;
  if (type !== 'countersign_plan') return proposed;
  // The other doctor signed first.
  const firstSigner = role === SP ? actors.cd : actors.cardiologist;
  return must(proposed, { type: 'sign_plan', version: 1 }, firstSigner, at(101)).next;
}

/** An actor of the role who is in scope for this referral. */
function actorFor(role: Role, s: ReferralSnapshot): Actor {
  switch (role) {
    case 'community_doctor':
      return actors.cd;
    case 'specialist': {
      const holder = s.offeredTo ?? s.assigneeId;
      return holder === null ? actors.cardiologist2 : { ...actors.cardiologist, id: holder };
    }
    case 'coordinator':
      return actors.coordinator;
    case 'admin':
      return actors.admin;
    case 'patient':
      return actors.patient;
    case 'system':
      return actors.system;
  }
}

/** A valid payload for each event. */
function eventFor(type: ReferralEventType, s: ReferralSnapshot): ReferralEvent {
  const other = { id: actors.cardiologist2.id, specialty: 'cardiology' } as const;
  switch (type) {
    case 'update_draft':
      return { type, priority: 'URGENT' };
    case 'change_priority':
      return { type, priority: 'URGENT' };
    case 'offer':
    case 'reassign':
    case 'hand_over':
      return { type, specialist: other };
    case 'sign_report':
      return { type, disposition: 'refer_up_outpatient' };
    case 'propose_plan':
      return { type, disposition: 'refer_up_outpatient', hubAppointment: APPOINTMENT };
    case 'revise_plan':
      return { type, disposition: 'manage_in_community' };
    case 'set_appointment':
      return { type, hubAppointment: { at: at(40 * 24 * 60), department: null } };
    case 'sign_plan':
    case 'countersign_plan':
      return { type, version: s.plan?.version ?? 1 };
    case 'close':
      return { type, outcome: s.direction === 'up' ? 'seen_at_hub' : 'follow_up_completed' };
    case 'refer_back_down':
      return { type, backReferralId: 'ref-down-1' };
    case 'cancel':
      return { type, reason: 'patient_withdrew' };
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
      return { type };
  }
}

const cases = REFERRAL_DIRECTIONS.flatMap((direction) =>
  REFERRAL_STATES.flatMap((state) => REFERRAL_EVENT_TYPES.map((type) => [direction, state, type] as const)),
);

describe('every direction x state x event x role', () => {
  test.each(cases)('%s: %s x %s', (direction, state, type) => {
    const rule = RULEBOOK[direction][state][type];
    const expected: Record<string, string> = {};
    const actual: Record<string, string> = {};
    for (const role of ROLES) {
      const s = snapshotFor(direction, state, type, role);
      const decision = decide(s, eventFor(type, s), { actor: actorFor(role, s), now: NOW });
      if (isTerminalState(state)) expected[role] = 'terminal_state';
      else if (rule === undefined) expected[role] = 'not_allowed_in_state';
      else expected[role] = rule.by.includes(role) ? `ok -> ${rule.to}` : 'role_not_allowed';
      actual[role] = decision.ok ? `ok -> ${decision.next.state}` : decision.reason;
      if (decision.ok) expect(findInconsistencies(decision.next)).toEqual([]);
    }
    expect(actual).toEqual(expected);
  });
});
