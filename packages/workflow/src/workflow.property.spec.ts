// Random event sequences from random actors, checked against the invariants users rely on.
import fc from 'fast-check';
import { availableEvents, createReferral, decide } from './decide.js';
import { findInconsistencies } from './consistency.js';
import { CHC, HUB, T0, actors, minutes, upReferralIn } from './fixtures.testing.js';
import { isPlanAgreed } from './plan.js';
import type { Actor, HubAppointment, ReferralEvent, ReferralSnapshot, SpecialistRef } from './types.js';
import {
  CANCEL_REASONS,
  DISPOSITIONS,
  OUTCOMES,
  PRIORITIES,
  REFERRAL_EVENT_TYPES,
  REFERRAL_STATES,
  SERVICES,
  TIMER_OF_EVENT,
  isTerminalState,
  isTimerEventType,
  type ReferralEventType,
  type ReferralState,
} from './vocabulary.js';

const radiologist2: Actor = { id: 'sp-rad-2', role: 'specialist', facilityId: HUB, specialty: 'radiology' };
const ACTORS: readonly Actor[] = [
  actors.cd,
  actors.cdColleague,
  actors.cdElsewhere,
  actors.cardiologist,
  actors.cardiologist2,
  actors.radiologist,
  radiologist2,
  actors.coordinator,
  actors.admin,
  actors.patient,
  actors.otherPatient,
  actors.system,
];

const SPECIALIST_REFS: readonly SpecialistRef[] = [
  { id: actors.cardiologist.id, specialty: 'cardiology' },
  { id: actors.cardiologist2.id, specialty: 'cardiology' },
  { id: actors.radiologist.id, specialty: 'radiology' },
  { id: radiologist2.id, specialty: 'radiology' },
  { id: '', specialty: 'cardiology' },
];

/** Events that move a referral towards its end (used to bias some steps of the random walk). */
const FORWARD = new Set<ReferralEventType>([
  'submit',
  'offer',
  'accept',
  'start_review',
  'request_info',
  'answer_info',
  'sign_report',
  'propose_plan',
  'sign_plan',
  'countersign_plan',
  'acknowledge',
  'close',
  'refer_back_down',
]);

/** Side branches a forward-biased walk would seldom take. */
const BRANCHES = new Set<ReferralEventType>([
  'claim',
  'decline',
  'reassign',
  'return_to_queue',
  'hand_over',
  'change_priority',
  'refer_back_down',
]);

const isForward = (s: ReferralSnapshot, type: ReferralEventType): boolean =>
  FORWARD.has(type) ||
  (s.state === 'draft' && (type === 'attach_study' || type === 'update_draft')) ||
  (type === 'set_appointment' && s.plan?.hubAppointment === null);

const pick = <T>(values: readonly T[], n: number): T => values[n % values.length] as T;
const iso = (ms: number): string => new Date(ms).toISOString();

/** An event of the given type with one of a small pool of payloads, valid and invalid. */
function eventFrom(type: ReferralEventType, variant: number, s: ReferralSnapshot, now: number): ReferralEvent {
  const appointments: readonly (HubAppointment | undefined)[] = [
    { at: iso(now + minutes(7 * 24 * 60)), department: 'Outpatients' },
    undefined,
    { at: iso(now - minutes(60)), department: null },
    { at: 'not a date', department: null },
  ];
  const version = s.plan?.version ?? 1;
  switch (type) {
    case 'update_draft':
      return pick<ReferralEvent>(
        [
          { type, hasClinicalQuestion: true },
          { type, hasClinicalQuestion: false },
          { type, hasConsent: true },
          { type, priority: pick(PRIORITIES, variant >> 2) },
          { type, service: pick(SERVICES, variant >> 2) },
        ],
        variant,
      );
    case 'change_priority':
      return { type, priority: pick([...PRIORITIES, 'NOW' as never], variant) };
    case 'offer':
    case 'reassign':
    case 'hand_over':
      return { type, specialist: pick(SPECIALIST_REFS, variant) };
    case 'sign_report':
      return { type, disposition: pick([...DISPOSITIONS, 'bogus' as never], variant) };
    case 'propose_plan':
    case 'revise_plan':
      return {
        type,
        disposition: pick(DISPOSITIONS, variant),
        hubAppointment: pick(appointments, Math.floor(variant / DISPOSITIONS.length)),
      };
    case 'set_appointment':
      return { type, hubAppointment: pick(appointments, variant) ?? { at: iso(now + minutes(60)), department: null } };
    case 'sign_plan':
    case 'countersign_plan':
      return { type, version: pick([version, version - 1, version + 1], variant) };
    case 'close':
      return { type, outcome: pick([...OUTCOMES, 'bogus' as never], variant) };
    case 'refer_back_down':
      return { type, backReferralId: pick([`${s.id}-down`, s.id, ''], variant) };
    case 'cancel':
      return { type, reason: pick([...CANCEL_REASONS, 'bogus' as never], variant) };
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

/** Timers started and not yet stopped or fired, across every referral of a run: `${referralId}:${timer}` -> dueAt. */
type TimerLedger = Map<string, string>;

/**
 * Applies a successful decision's effects to the ledger, checking that every stop is for a running timer, every start
 * is for a stopped one, and every timer event fires a running, due timer. Returns the referral created, if any.
 */
function record(
  ledger: TimerLedger,
  before: ReferralSnapshot,
  event: ReferralEvent,
  now: number,
  decision: Extract<ReturnType<typeof decide>, { ok: true }>,
): ReferralSnapshot | null {
  if (isTimerEventType(event.type)) {
    const key = `${before.id}:${TIMER_OF_EVENT[event.type]}`;
    const dueAt = ledger.get(key);
    expect(dueAt).toBeDefined();
    expect(Date.parse(dueAt ?? '')).toBeLessThanOrEqual(now);
    ledger.delete(key);
  }
  let created: ReferralSnapshot | null = null;
  for (const effect of decision.effects) {
    if (effect.type === 'stop_timer') {
      expect(ledger.has(`${effect.referralId}:${effect.timer}`)).toBe(true);
      ledger.delete(`${effect.referralId}:${effect.timer}`);
    } else if (effect.type === 'start_timer') {
      expect(ledger.has(`${effect.referralId}:${effect.timer}`)).toBe(false);
      ledger.set(`${effect.referralId}:${effect.timer}`, effect.dueAt);
    } else if (effect.type === 'create_referral') {
      created = effect.referral;
    }
  }
  // The snapshot's timers are exactly the ledger's for that referral.
  const running = Object.fromEntries(
    [...ledger]
      .filter(([key]) => key.startsWith(`${before.id}:`))
      .map(([key, due]) => [key.slice(before.id.length + 1), due]),
  );
  expect(decision.next.timers).toEqual(running);
  return created;
}

/** Invariants of every successful decision. */
function checkDecision(before: ReferralSnapshot, event: ReferralEvent, next: ReferralSnapshot): void {
  expect(REFERRAL_STATES).toContain(next.state);
  expect(findInconsistencies(next)).toEqual([]);
  const agreed = isPlanAgreed(next.plan);
  if (agreed && next.plan !== null) {
    // Both signatures, on the current version, by a community doctor and by a specialist.
    expect(next.plan.signatures.community_doctor?.version).toBe(next.plan.version);
    expect(next.plan.signatures.specialist?.version).toBe(next.plan.version);
    expect(next.plan.signatures.community_doctor?.userId).toMatch(/^cd-/);
    expect(next.plan.signatures.specialist?.userId).toMatch(/^sp-/);
  }
  if (next.state === 'plan_agreed' && before.state === 'reported') {
    expect(event.type).toBe('countersign_plan');
    expect(agreed).toBe(true);
  }
}

const terminalKey = (s: ReferralSnapshot): string =>
  JSON.stringify([
    s.state,
    s.offeredTo,
    s.assigneeId,
    s.report?.disposition,
    s.plan?.disposition,
    s.plan?.hubAppointment !== null,
    s.plan?.signatures.community_doctor !== null,
    s.plan?.signatures.specialist !== null,
  ]);

/**
 * Breadth-first search for a sequence of allowed events that ends the referral (closed or cancelled), using the same
 * actors and payload pools. Returns the events and actors along the way.
 */
function pathToEnd(start: ReferralSnapshot, startTime: number): (readonly [ReferralEvent, Actor, number])[] | null {
  const queue: { s: ReferralSnapshot; path: (readonly [ReferralEvent, Actor, number])[] }[] = [{ s: start, path: [] }];
  const seen = new Set([terminalKey(start)]);
  for (let expanded = 0; queue.length > 0 && expanded < 5000; expanded++) {
    const node = queue.shift();
    if (node === undefined) break;
    if (isTerminalState(node.s.state)) return node.path;
    if (node.path.length >= 8) continue;
    const now = startTime + minutes(node.path.length + 1);
    for (const actor of ACTORS) {
      for (const type of availableEvents(node.s, actor, iso(now))) {
        const candidates = new Map<string, ReferralEvent>();
        for (let variant = 0; variant < 24; variant++) {
          const event = eventFrom(type, variant, node.s, now);
          candidates.set(JSON.stringify(event), event);
        }
        for (const event of candidates.values()) {
          const decision = decide(node.s, event, { actor, now: iso(now) });
          if (!decision.ok) continue;
          const key = terminalKey(decision.next);
          if (seen.has(key)) continue;
          seen.add(key);
          queue.push({ s: decision.next, path: [...node.path, [event, actor, now] as const] });
        }
      }
    }
  }
  return null;
}

const stepArb = fc.record({
  target: fc.nat(),
  actor: fc.nat(),
  mode: fc.constantFrom('random', 'available', 'forward', 'forward', 'forward', 'branch'),
  pick: fc.nat(),
  variant: fc.nat(),
  advance: fc.oneof(fc.integer({ min: 0, max: 15 }), fc.integer({ min: 0, max: 3000 })),
});

/**
 * Where a run starts: a fresh draft (any service, priority and completeness), or a referral further along the flow,
 * reached from a draft by the real rules, so that the late states get as much exploration as the early ones.
 */
const startArb = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.record({
      service: fc.constantFrom(...SERVICES),
      priority: fc.constantFrom(...PRIORITIES),
      studies: fc.integer({ min: 0, max: 2 }),
      question: fc.boolean(),
    }),
  },
  {
    weight: 3,
    arbitrary: fc.constantFrom<ReferralState>(
      'submitted',
      'offered',
      'accepted',
      'in_review',
      'info_requested',
      'reported',
      'plan_agreed',
      'acknowledged',
    ),
  },
);

type Start = typeof startArb extends fc.Arbitrary<infer S> ? S : never;
type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

function startingReferral(start: Start): ReferralSnapshot {
  if (typeof start === 'string') return { ...upReferralIn(start), id: 'r-1' };
  const created = createReferral(
    {
      id: 'r-1',
      patientId: actors.patient.id,
      originFacilityId: CHC,
      service: start.service,
      priority: start.priority,
      studyCount: start.studies,
      hasClinicalQuestion: start.question,
    },
    { actor: actors.cd, now: iso(T0) },
  );
  if (!created.ok) throw new Error(created.reason);
  return created.referral;
}

/** What walks reached, to check that the generator explores the whole workflow. */
type Reached = { readonly states: Set<ReferralState>; readonly events: Set<ReferralEventType> };

type World = { readonly referrals: Map<string, ReferralSnapshot>; readonly ledger: TimerLedger; now: number };

/**
 * Runs random steps from a starting referral, checking after every step that the web app's list of actions matches
 * the authority, that a finished referral accepts nothing, and every invariant of a successful decision.
 */
function walk(start: Start, steps: readonly Step[], reached?: Reached): World {
  const first = startingReferral(start);
  const world: World = {
    referrals: new Map([[first.id, first]]),
    // Timers already running in a fixture were started on its way there.
    ledger: new Map(Object.entries(first.timers).map(([timer, due]) => [`${first.id}:${timer}`, due])),
    // Fixtures are built a few minutes after T0; the clock starts after them.
    now: Date.parse(first.updatedAt),
  };
  for (const step of steps) {
    world.now += minutes(step.advance);
    const now = world.now;
    const s = world.referrals.get(pick([...world.referrals.keys()].sort(), step.target)) as ReferralSnapshot;
    // Some steps are any actor firing any event. The others pick an event type among those someone may fire now
    // (preferring, by mode, those that move the referral on or the less travelled branches), then one of the actors
    // who may fire it, so that runs reach the end of the workflow and rare events are not drowned by common ones.
    const whoMay = new Map<ReferralEventType, Actor[]>();
    for (const a of ACTORS) {
      for (const t of availableEvents(s, a, iso(now))) whoMay.set(t, [...(whoMay.get(t) ?? []), a]);
    }
    const types = [...whoMay.keys()];
    // A due timer is usually fired at once, as the job runner would.
    const due = types.filter((t) => isTimerEventType(t));
    const preferred =
      due.length > 0 && step.mode !== 'branch' && step.variant % 2 === 0
        ? due
        : types.filter((t) => (step.mode === 'branch' ? BRANCHES.has(t) : isForward(s, t)));
    const pool = step.mode !== 'available' && preferred.length > 0 ? preferred : types;
    let actor = pick(ACTORS, step.actor);
    let type = pick(REFERRAL_EVENT_TYPES, step.pick);
    if (step.mode !== 'random' && pool.length > 0) {
      type = pick(pool, step.pick);
      actor = pick(whoMay.get(type) ?? [], step.actor);
    }
    const listed = availableEvents(s, actor, iso(now));
    const event = eventFrom(type, step.variant, s, now);
    const decision = decide(s, event, { actor, now: iso(now) });

    if (isTerminalState(s.state)) expect(decision).toEqual({ ok: false, reason: 'terminal_state' });
    // The web app's buttons match the authority: what decide allows is listed, and what is listed is refused only
    // for its payload.
    if (decision.ok) expect(listed).toContain(type);
    else if (listed.includes(type)) {
      expect(['terminal_state', 'not_allowed_in_state', 'role_not_allowed']).not.toContain(decision.reason);
    }
    if (!decision.ok) continue;

    checkDecision(s, event, decision.next);
    const child = record(world.ledger, s, event, now, decision);
    world.referrals.set(s.id, decision.next);
    if (child !== null) world.referrals.set(child.id, child);
    reached?.states.add(decision.next.state);
    reached?.events.add(type);
  }
  return world;
}

const stepsArb = fc.array(stepArb, { minLength: 5, maxLength: 80, size: 'max' });

describe('random event sequences from random actors', () => {
  it('never reach an undefined or inconsistent state, and agree a plan only on both signatures of one version', () => {
    const reached: Reached = { states: new Set(), events: new Set() };
    // The invariants are checked inside walk(), after every successful decision (see checkDecision and record).
    fc.assert(
      fc.property(startArb, stepsArb, (start, steps) => {
        walk(start, steps, reached);
      }),
      { numRuns: 200 },
    );
    // The walks must explore the whole workflow, or the property proves little.
    expect(REFERRAL_STATES.filter((state) => !reached.states.has(state))).toEqual([]);
    expect(REFERRAL_EVENT_TYPES.filter((type) => !reached.events.has(type))).toEqual([]);
  });

  it('can always be brought to an end, which then accepts nothing, with every timer started stopped or fired', () => {
    fc.assert(
      fc.property(startArb, stepsArb, (start, steps) => {
        const world = walk(start, steps);
        // Map iteration also visits the back-down referrals created while ending their parents.
        for (const [id, s] of world.referrals) {
          const path = pathToEnd(s, world.now);
          expect(path).not.toBeNull();
          let current = s;
          for (const [event, actor, time] of path ?? []) {
            const decision = decide(current, event, { actor, now: iso(time) });
            if (!decision.ok) throw new Error(`replay refused: ${decision.reason}`);
            checkDecision(current, event, decision.next);
            const child = record(world.ledger, current, event, time, decision);
            if (child !== null) world.referrals.set(child.id, child);
            current = decision.next;
          }
          expect(current.state === 'closed' || current.state === 'cancelled').toBe(true);
          world.referrals.set(id, current);
          for (const actor of ACTORS) {
            for (const type of REFERRAL_EVENT_TYPES) {
              const later = world.now + minutes(60);
              expect(decide(current, eventFrom(type, 0, current, later), { actor, now: iso(later) })).toEqual({
                ok: false,
                reason: 'terminal_state',
              });
            }
          }
        }
        expect([...world.ledger.keys()]).toEqual([]);
      }),
      { numRuns: 100 },
    );
  });
});
