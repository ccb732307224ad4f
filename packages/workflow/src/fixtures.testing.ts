// Test-only builders (excluded from the build). Snapshots are made by running the real rules along a path, so a
// fixture is always a state the product can actually reach.
import { createReferral, decide } from './decide.js';
import type { Actor, Decision, ReferralEvent, ReferralSnapshot } from './types.js';
import { SYSTEM_ACTOR } from './types.js';
import type { ReferralState } from './vocabulary.js';

export const T0 = Date.parse('2025-03-01T08:00:00.000Z');
export const minutes = (n: number): number => n * 60_000;
export const at = (offsetMinutes: number): string => new Date(T0 + minutes(offsetMinutes)).toISOString();

export const CHC = 'chc-1';
export const OTHER_CHC = 'chc-2';
export const HUB = 'hub';

export const actors = {
  cd: { id: 'cd-1', role: 'community_doctor', facilityId: CHC },
  cdColleague: { id: 'cd-2', role: 'community_doctor', facilityId: CHC },
  cdElsewhere: { id: 'cd-9', role: 'community_doctor', facilityId: OTHER_CHC },
  cardiologist: { id: 'sp-card-1', role: 'specialist', facilityId: HUB, specialty: 'cardiology' },
  cardiologist2: { id: 'sp-card-2', role: 'specialist', facilityId: HUB, specialty: 'cardiology' },
  radiologist: { id: 'sp-rad-1', role: 'specialist', facilityId: HUB, specialty: 'radiology' },
  coordinator: { id: 'co-1', role: 'coordinator', facilityId: HUB },
  admin: { id: 'ad-1', role: 'admin', facilityId: HUB },
  patient: { id: 'pat-1', role: 'patient', facilityId: null },
  otherPatient: { id: 'pat-2', role: 'patient', facilityId: null },
  system: SYSTEM_ACTOR,
} as const satisfies Record<string, Actor>;

/** A future hub appointment, well after every test clock. */
export const APPOINTMENT = { at: at(30 * 24 * 60), department: 'Cardiology clinic' } as const;

/** A draft ECG referral from `chc-1`, with one study and a clinical question unless told otherwise. */
export function draftReferral(
  options: {
    service?: 'ECG' | 'IMAGING';
    priority?: 'STAT' | 'URGENT' | 'ROUTINE';
    studies?: number;
    question?: boolean;
    consent?: boolean;
  } = {},
): ReferralSnapshot {
  const result = createReferral(
    {
      id: 'ref-1',
      patientId: actors.patient.id,
      originFacilityId: CHC,
      service: options.service ?? 'ECG',
      priority: options.priority ?? 'STAT',
      hasClinicalQuestion: options.question ?? true,
      hasConsent: options.consent ?? true,
      studyCount: options.studies ?? 1,
    },
    { actor: actors.cd, now: at(0) },
  );
  if (!result.ok) throw new Error(`cannot create fixture: ${result.reason}`);
  return result.referral;
}

/** Applies an event that must succeed; a fixture that cannot be built is a broken test, so it throws. */
export function must(
  snapshot: ReferralSnapshot,
  event: ReferralEvent,
  actor: Actor,
  now: string,
): Decision & { ok: true } {
  const decision = decide(snapshot, event, { actor, now });
  if (!decision.ok) throw new Error(`${event.type} by ${actor.id} in ${snapshot.state}: ${decision.reason}`);
  return decision;
}

type Step = readonly [ReferralEvent, Actor];

const SPECIALIST_REF = { id: actors.cardiologist.id, specialty: 'cardiology' } as const;

/** The happy path, one step per state, for an ECG referral read by `cardiologist`. */
const PATH: readonly (readonly [ReferralState, Step])[] = [
  ['submitted', [{ type: 'submit' }, actors.cd]],
  ['offered', [{ type: 'offer', specialist: SPECIALIST_REF }, actors.system]],
  ['accepted', [{ type: 'accept' }, actors.cardiologist]],
  ['in_review', [{ type: 'start_review' }, actors.cardiologist]],
  ['info_requested', [{ type: 'request_info' }, actors.cardiologist]],
];

/**
 * A reachable upward referral in the given state. From `reported` on, the report refers the patient up as an
 * outpatient; `plan_agreed` and later carry a plan (v1, outpatient, booked appointment) signed by both doctors.
 */
export function upReferralIn(state: ReferralState): ReferralSnapshot {
  let s = draftReferral();
  let minute = 1;
  const step = (event: ReferralEvent, actor: Actor): void => {
    s = must(s, event, actor, at(minute++)).next;
  };
  if (state === 'draft') return s;
  if (state === 'cancelled') {
    step({ type: 'cancel', reason: 'patient_withdrew' }, actors.cd);
    return s;
  }
  for (const [reached, [event, actor]] of PATH) {
    step(event, actor);
    if (reached === state) return s;
    if (reached === 'in_review' && state !== 'info_requested') break;
  }
  // Stopped at in_review: carry on to the report and the plan.
  step({ type: 'sign_report', disposition: 'refer_up_outpatient' }, actors.cardiologist);
  if (state === 'reported') return s;
  step({ type: 'propose_plan', disposition: 'refer_up_outpatient', hubAppointment: APPOINTMENT }, actors.cardiologist);
  step({ type: 'sign_plan', version: 1 }, actors.cardiologist);
  step({ type: 'countersign_plan', version: 1 }, actors.cd);
  if (state === 'plan_agreed') return s;
  step({ type: 'acknowledge' }, actors.patient);
  if (state === 'acknowledged') return s;
  step({ type: 'close', outcome: 'seen_at_hub' }, actors.coordinator);
  if (state === 'closed') return s;
  throw new Error(`no up fixture for ${state}`);
}

/** A reachable back-down referral (created by the hub for follow-up at `chc-1`) in the given state. */
export function downReferralIn(state: 'submitted' | 'accepted' | 'closed' | 'cancelled'): ReferralSnapshot {
  const parent = upReferralIn('acknowledged');
  const decision = must(parent, { type: 'refer_back_down', backReferralId: 'ref-down-1' }, actors.coordinator, at(60));
  const created = decision.effects.find((effect) => effect.type === 'create_referral');
  if (created?.type !== 'create_referral') throw new Error('refer_back_down created no referral');
  let s = created.referral;
  if (state === 'submitted') return s;
  if (state === 'cancelled')
    return must(s, { type: 'cancel', reason: 'no_longer_needed' }, actors.coordinator, at(61)).next;
  s = must(s, { type: 'accept' }, actors.cd, at(61)).next;
  if (state === 'accepted') return s;
  return must(s, { type: 'close', outcome: 'follow_up_completed' }, actors.cd, at(62)).next;
}
