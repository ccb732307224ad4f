import { availableEvents, createReferral, decide, eventOptions, timerEvent } from './decide.js';
import { findInconsistencies } from './consistency.js';
import { APPOINTMENT, CHC, HUB, actors, at, draftReferral, must, upReferralIn } from './fixtures.testing.js';
import { mergeTurnaroundPolicy } from './policy.js';
import type { Actor, Decision, Effect, ReferralEvent, ReferralSnapshot } from './types.js';
import { REFERRAL_WORKFLOW_VERSION } from './version.js';

const reasonOf = (decision: Decision): string => (decision.ok ? `ok -> ${decision.next.state}` : decision.reason);
const effectsOf = <T extends Effect['type']>(decision: Decision, type: T): Extract<Effect, { type: T }>[] =>
  decision.ok ? decision.effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type) : [];
const notified = (decision: Decision): string[] =>
  effectsOf(decision, 'notify').map((n) => {
    switch (n.audience) {
      case 'origin_facility':
      case 'destination_facility':
        return `${n.audience}:${n.facilityId}`;
      case 'assignee':
      case 'previous_assignee':
        return `${n.audience}:${n.userId}`;
      case 'pool':
        return `pool:${n.service}`;
      case 'coordinators':
        return 'coordinators';
      case 'patient':
        return `patient:${n.patientId}`;
    }
  });

/** Applies a chain of steps that must all succeed, a minute apart from `start`. */
function run(s: ReferralSnapshot, steps: readonly (readonly [ReferralEvent, Actor])[], start = 200): ReferralSnapshot {
  let minute = start;
  for (const [event, actor] of steps) s = must(s, event, actor, at(minute++)).next;
  return s;
}

const cardiologistRef = { id: actors.cardiologist.id, specialty: 'cardiology' } as const;
const cardiologist2Ref = { id: actors.cardiologist2.id, specialty: 'cardiology' } as const;

describe('creating a referral', () => {
  it('opens a draft for the doctor’s own centre, stamped with the rules version', () => {
    const result = createReferral(
      { id: 'r-9', patientId: 'pat-1', originFacilityId: CHC, service: 'IMAGING', priority: 'URGENT' },
      { actor: actors.cd, now: at(0) },
    );
    expect(result.ok && result.referral).toMatchObject({
      state: 'draft',
      direction: 'up',
      workflowVersion: REFERRAL_WORKFLOW_VERSION,
      studyCount: 0,
      hasClinicalQuestion: false,
      createdBy: actors.cd.id,
    });
    expect(result.ok && result.effects).toEqual([
      expect.objectContaining({ type: 'history', entry: expect.objectContaining({ event: 'created', from: null }) }),
    ]);
  });

  it.each([
    ['another centre', actors.cdElsewhere, 'outside_facility'],
    ['a specialist', actors.cardiologist, 'role_not_allowed'],
    ['a coordinator', actors.coordinator, 'role_not_allowed'],
  ] as const)('is refused to %s', (_who, actor, reason) => {
    const result = createReferral(
      { id: 'r-9', patientId: 'pat-1', originFacilityId: CHC, service: 'ECG', priority: 'STAT' },
      { actor, now: at(0) },
    );
    expect(result).toEqual({ ok: false, reason });
  });

  it('refuses an unknown service or a negative study count', () => {
    const base = { id: 'r-9', patientId: 'pat-1', originFacilityId: CHC, priority: 'STAT' } as const;
    const ctx = { actor: actors.cd, now: at(0) };
    expect(createReferral({ ...base, service: 'MRI' as never }, ctx)).toEqual({ ok: false, reason: 'invalid_input' });
    expect(createReferral({ ...base, service: 'ECG', studyCount: -1 }, ctx)).toEqual({
      ok: false,
      reason: 'invalid_input',
    });
  });
});

describe('submitting', () => {
  it('needs at least one study and a clinical question', () => {
    const submit = { type: 'submit' } as const;
    const ctx = { actor: actors.cd, now: at(1) };
    expect(reasonOf(decide(draftReferral({ studies: 0 }), submit, ctx))).toBe('no_studies');
    expect(reasonOf(decide(draftReferral({ question: false }), submit, ctx))).toBe('no_clinical_question');
    expect(reasonOf(decide(draftReferral(), submit, ctx))).toBe('ok -> submitted');
  });

  it('refuses to send a case before the patient’s consent to remote diagnosis is recorded', () => {
    const ctx = { actor: actors.cd, now: at(1) };
    let s = draftReferral({ consent: false });
    expect(reasonOf(decide(s, { type: 'submit' }, ctx))).toBe('consent_required');
    expect(eventOptions(s, actors.cd, at(1))).toContainEqual({ type: 'submit', reason: 'consent_required' });
    const recorded = must(s, { type: 'update_draft', hasConsent: true }, actors.cd, at(2));
    s = recorded.next;
    expect(s.hasConsent).toBe(true);
    expect(recorded.effects).toContainEqual(
      expect.objectContaining({
        type: 'history',
        entry: expect.objectContaining({ details: expect.objectContaining({ hasConsent: true }) }),
      }),
    );
    // A scanned form after verbal consent replaces the record: still allowed, still in the history.
    expect(reasonOf(decide(s, { type: 'update_draft', hasConsent: true }, { actor: actors.cd, now: at(3) }))).toBe(
      'ok -> draft',
    );
    // Only the referring centre records it.
    expect(
      reasonOf(
        decide(
          draftReferral({ consent: false }),
          { type: 'update_draft', hasConsent: true },
          { actor: actors.cdElsewhere, now: at(3) },
        ),
      ),
    ).toBe('outside_facility');
    expect(reasonOf(decide(s, { type: 'submit' }, { actor: actors.cd, now: at(4) }))).toBe('ok -> submitted');
  });

  it('lets the doctor fill the draft in: studies arriving by DICOM ingest and the question being written', () => {
    let s = draftReferral({ studies: 0, question: false });
    s = must(s, { type: 'attach_study' }, actors.system, at(1)).next;
    s = must(s, { type: 'update_draft', hasClinicalQuestion: true }, actors.cd, at(2)).next;
    expect(s).toMatchObject({ studyCount: 1, hasClinicalQuestion: true });
    expect(reasonOf(decide(s, { type: 'submit' }, { actor: actors.cdColleague, now: at(3) }))).toBe('ok -> submitted');
    expect(
      reasonOf(decide(s, { type: 'update_draft', hasClinicalQuestion: true }, { actor: actors.cd, now: at(3) })),
    ).toBe('nothing_to_change');
  });

  it('is only for a doctor of the referring centre', () => {
    expect(reasonOf(decide(draftReferral(), { type: 'submit' }, { actor: actors.cdElsewhere, now: at(1) }))).toBe(
      'outside_facility',
    );
  });

  it('starts the turnaround clock: a STAT ECG is due read within 10 minutes of submission', () => {
    const decision = must(draftReferral(), { type: 'submit' }, actors.cd, at(1));
    expect(decision.next.submittedAt).toBe(at(1));
    expect(effectsOf(decision, 'start_timer')).toEqual([
      { type: 'start_timer', referralId: 'ref-1', timer: 'accept_deadline', dueAt: at(1 + 5) },
      { type: 'start_timer', referralId: 'ref-1', timer: 'report_warning', dueAt: at(1 + 7) },
      { type: 'start_timer', referralId: 'ref-1', timer: 'report_deadline', dueAt: at(1 + 10) },
    ]);
    expect(effectsOf(decision, 'route')).toEqual([
      { type: 'route', referralId: 'ref-1', service: 'ECG', priority: 'STAT', exclude: [] },
    ]);
    expect(notified(decision)).toEqual(['pool:ECG']);
  });

  it('gives STAT imaging one hour to a signed report', () => {
    const decision = must(draftReferral({ service: 'IMAGING' }), { type: 'submit' }, actors.cd, at(1));
    expect(decision.next.timers.report_deadline).toBe(at(61));
  });

  it('takes its deadlines from the network’s policy when given', () => {
    const merged = mergeTurnaroundPolicy({ ECG: { STAT: { reportWarningMinutes: 4, reportDeadlineMinutes: 8 } } });
    if (!merged.ok) throw new Error('policy should merge');
    const decision = decide(
      draftReferral(),
      { type: 'submit' },
      { actor: actors.cd, now: at(1), policy: merged.policy },
    );
    expect(decision.ok && decision.next.timers).toEqual({
      accept_deadline: at(6),
      report_warning: at(5),
      report_deadline: at(9),
    });
  });
});

describe('routing and acceptance', () => {
  const submitted = () => upReferralIn('submitted');
  const offered = () => upReferralIn('offered');

  it('offers only to a specialist whose specialty reads the service', () => {
    const radiologist = { id: actors.radiologist.id, specialty: 'radiology' } as const;
    expect(
      reasonOf(decide(submitted(), { type: 'offer', specialist: radiologist }, { actor: actors.system, now: at(9) })),
    ).toBe('specialty_mismatch');
  });

  it('gives the offered specialist a time to accept, and only they may accept or decline', () => {
    const decision = must(submitted(), { type: 'offer', specialist: cardiologistRef }, actors.system, at(2));
    expect(effectsOf(decision, 'start_timer')).toEqual([
      { type: 'start_timer', referralId: 'ref-1', timer: 'offer_timeout', dueAt: at(4) },
    ]);
    expect(notified(decision)).toEqual([`assignee:${actors.cardiologist.id}`]);
    const ctx = { actor: actors.cardiologist2, now: at(3) };
    expect(reasonOf(decide(decision.next, { type: 'accept' }, ctx))).toBe('not_offered_to_you');
    expect(reasonOf(decide(decision.next, { type: 'decline' }, ctx))).toBe('not_offered_to_you');
  });

  it('accepting stops the offer and acceptance timers and tells the referring centre', () => {
    const decision = must(offered(), { type: 'accept' }, actors.cardiologist, at(3));
    expect(decision.next).toMatchObject({ state: 'accepted', assigneeId: actors.cardiologist.id, offeredTo: null });
    expect(effectsOf(decision, 'stop_timer').map((e) => e.timer)).toEqual(['offer_timeout', 'accept_deadline']);
    expect(Object.keys(decision.next.timers).sort()).toEqual(['report_deadline', 'report_warning']);
    expect(notified(decision)).toEqual([`origin_facility:${CHC}`]);
  });

  it('a STAT decline goes back to the queue and may go round to the same specialist again', () => {
    const declined = must(offered(), { type: 'decline' }, actors.cardiologist, at(3));
    expect(declined.next).toMatchObject({ state: 'submitted', offeredTo: null, declinedBy: [actors.cardiologist.id] });
    expect(effectsOf(declined, 'route')[0]?.exclude).toEqual([]);
    const reoffer = decide(
      declined.next,
      { type: 'offer', specialist: cardiologistRef },
      { actor: actors.system, now: at(4) },
    );
    expect(reasonOf(reoffer)).toBe('ok -> offered');
  });

  it('a non-STAT decline goes back to the queue and is not offered to the same specialist again', () => {
    const urgent = must(offered(), { type: 'change_priority', priority: 'URGENT' }, actors.coordinator, at(2)).next;
    const declined = must(urgent, { type: 'decline' }, actors.cardiologist, at(3));
    expect(declined.next).toMatchObject({ state: 'submitted', offeredTo: null, declinedBy: [actors.cardiologist.id] });
    expect(effectsOf(declined, 'route')[0]?.exclude).toEqual([actors.cardiologist.id]);
    const reoffer = decide(
      declined.next,
      { type: 'offer', specialist: cardiologistRef },
      { actor: actors.system, now: at(4) },
    );
    expect(reasonOf(reoffer)).toBe('already_declined');
    // …but they may still change their mind and claim it themselves, and the coordinator may still direct it to them.
    expect(reasonOf(decide(declined.next, { type: 'claim' }, { actor: actors.cardiologist, now: at(4) }))).toBe(
      'ok -> accepted',
    );
    const directed = decide(
      declined.next,
      { type: 'reassign', specialist: cardiologistRef },
      { actor: actors.coordinator, now: at(4) },
    );
    expect(reasonOf(directed)).toBe('ok -> offered');
  });

  it('an unanswered offer expires back to the queue, without barring that specialist', () => {
    const s = offered();
    const early = decide(s, timerEvent('offer_timeout'), { actor: actors.system, now: at(3) });
    expect(reasonOf(early)).toBe('timer_not_due');
    const expired = must(s, timerEvent('offer_timeout'), actors.system, s.timers.offer_timeout ?? '');
    expect(expired.next).toMatchObject({ state: 'submitted', offeredTo: null, declinedBy: [] });
    expect(expired.next.timers.offer_timeout).toBeUndefined();
    expect(effectsOf(expired, 'stop_timer')).toEqual([]);
    expect(effectsOf(expired, 'route')).toHaveLength(1);
    expect(notified(expired)).toEqual([`previous_assignee:${actors.cardiologist.id}`]);
  });

  it('ignores a timer job that lost the race with the user (the offer was accepted first)', () => {
    const s = upReferralIn('accepted');
    expect(reasonOf(decide(s, { type: 'offer_expired' }, { actor: actors.system, now: at(60) }))).toBe(
      'not_allowed_in_state',
    );
    const reviewing = upReferralIn('in_review');
    const warned = must(reviewing, { type: 'report_due_soon' }, actors.system, at(60)).next;
    expect(reasonOf(decide(warned, { type: 'report_due_soon' }, { actor: actors.system, now: at(61) }))).toBe(
      'timer_not_active',
    );
  });

  it('a specialist may claim from the queue, but only for their own specialty', () => {
    expect(reasonOf(decide(submitted(), { type: 'claim' }, { actor: actors.radiologist, now: at(3) }))).toBe(
      'specialty_mismatch',
    );
    const claimed = must(submitted(), { type: 'claim' }, actors.cardiologist2, at(3));
    expect(claimed.next.assigneeId).toBe(actors.cardiologist2.id);
    expect(effectsOf(claimed, 'stop_timer').map((e) => e.timer)).toEqual(['accept_deadline']);
  });

  it('a referral nobody accepts in time is escalated to the coordinators, and stays in the queue', () => {
    const s = submitted();
    const overdue = must(s, { type: 'acceptance_overdue' }, actors.system, s.timers.accept_deadline ?? '');
    expect(overdue.next).toMatchObject({ state: 'submitted', escalatedAt: s.timers.accept_deadline });
    expect(notified(overdue)).toEqual(['coordinators']);
  });

  it('warns the reader before the report limit and escalates when it passes', () => {
    const s = upReferralIn('in_review');
    const warned = must(s, { type: 'report_due_soon' }, actors.system, s.timers.report_warning ?? '');
    expect(notified(warned)).toEqual([`assignee:${actors.cardiologist.id}`, 'coordinators']);
    expect(warned.next.escalatedAt).toBeNull();
    const overdue = must(warned.next, { type: 'report_overdue' }, actors.system, s.timers.report_deadline ?? '');
    expect(overdue.next.escalatedAt).toBe(s.timers.report_deadline);
    expect(overdue.next.timers).toEqual({});
  });

  it('raising the priority recomputes the running deadlines from the original submission time', () => {
    let s = draftReferral({ priority: 'ROUTINE' });
    s = must(s, { type: 'submit' }, actors.cd, at(1)).next;
    const raised = must(s, { type: 'change_priority', priority: 'STAT' }, actors.cd, at(3));
    expect(raised.next.timers).toEqual({ accept_deadline: at(6), report_warning: at(8), report_deadline: at(11) });
    expect(effectsOf(raised, 'stop_timer').map((e) => e.timer)).toEqual([
      'accept_deadline',
      'report_warning',
      'report_deadline',
    ]);
    expect(
      reasonOf(
        decide(raised.next, { type: 'change_priority', priority: 'STAT' }, { actor: actors.coordinator, now: at(4) }),
      ),
    ).toBe('same_priority');
  });
});

describe('coordinator reassignment', () => {
  it('moves a referral being read to another specialist, who must accept it', () => {
    const s = upReferralIn('in_review');
    const decision = must(s, { type: 'reassign', specialist: cardiologist2Ref }, actors.coordinator, at(20));
    expect(decision.next).toMatchObject({ state: 'offered', offeredTo: actors.cardiologist2.id, assigneeId: null });
    expect(effectsOf(decision, 'start_timer').map((e) => e.timer)).toEqual(['offer_timeout']);
    expect(notified(decision)).toEqual([
      `previous_assignee:${actors.cardiologist.id}`,
      `assignee:${actors.cardiologist2.id}`,
    ]);
    // The old reader can no longer sign.
    const late = decide(
      decision.next,
      { type: 'sign_report', disposition: 'manage_in_community' },
      { actor: actors.cardiologist, now: at(21) },
    );
    expect(reasonOf(late)).toBe('not_allowed_in_state');
  });

  it('re-offering an open offer to someone else replaces its timer', () => {
    const s = upReferralIn('offered');
    const decision = must(s, { type: 'reassign', specialist: cardiologist2Ref }, actors.coordinator, at(3));
    expect(
      decision.effects.filter((e) => e.type === 'stop_timer' || e.type === 'start_timer').map((e) => e.type),
    ).toEqual(['stop_timer', 'start_timer']);
    expect(decision.next.timers.offer_timeout).toBe(at(5));
  });

  it('refuses to reassign to the current holder or to the wrong specialty', () => {
    const s = upReferralIn('accepted');
    const ctx = { actor: actors.coordinator, now: at(20) };
    expect(reasonOf(decide(s, { type: 'reassign', specialist: cardiologistRef }, ctx))).toBe('same_specialist');
    const radiologist = { id: actors.radiologist.id, specialty: 'radiology' } as const;
    expect(reasonOf(decide(s, { type: 'reassign', specialist: radiologist }, ctx))).toBe('specialty_mismatch');
  });

  it('can return a referral to the queue for the router', () => {
    const decision = must(upReferralIn('info_requested'), { type: 'return_to_queue' }, actors.coordinator, at(20));
    expect(decision.next).toMatchObject({ state: 'submitted', assigneeId: null, offeredTo: null });
    expect(effectsOf(decision, 'route')).toHaveLength(1);
  });

  it('hands a reported referral to another reader, who may then add addenda and sign the plan', () => {
    const s = must(
      upReferralIn('reported'),
      { type: 'hand_over', specialist: cardiologist2Ref },
      actors.coordinator,
      at(20),
    ).next;
    expect(s.assigneeId).toBe(actors.cardiologist2.id);
    expect(reasonOf(decide(s, { type: 'add_addendum' }, { actor: actors.cardiologist, now: at(21) }))).toBe(
      'not_assignee',
    );
    expect(reasonOf(decide(s, { type: 'add_addendum' }, { actor: actors.cardiologist2, now: at(21) }))).toBe(
      'ok -> reported',
    );
  });
});

describe('reading', () => {
  it('asks the community doctor for information and resumes when answered', () => {
    let s = upReferralIn('in_review');
    const asked = must(s, { type: 'request_info' }, actors.cardiologist, at(5));
    expect(notified(asked)).toEqual([`origin_facility:${CHC}`]);
    s = asked.next;
    expect(reasonOf(decide(s, { type: 'answer_info' }, { actor: actors.cdElsewhere, now: at(6) }))).toBe(
      'outside_facility',
    );
    const answered = must(s, { type: 'answer_info' }, actors.cdColleague, at(6));
    expect(answered.next.state).toBe('in_review');
    expect(notified(answered)).toEqual([`assignee:${actors.cardiologist.id}`]);
  });

  it('only the assignee signs; signing stops every running timer and records the disposition', () => {
    const s = upReferralIn('in_review');
    expect(
      reasonOf(
        decide(
          s,
          { type: 'sign_report', disposition: 'manage_in_community' },
          { actor: actors.cardiologist2, now: at(8) },
        ),
      ),
    ).toBe('not_assignee');
    const signed = must(s, { type: 'sign_report', disposition: 'manage_in_community' }, actors.cardiologist, at(8));
    expect(signed.next.report).toEqual({
      signedBy: actors.cardiologist.id,
      signedAt: at(8),
      disposition: 'manage_in_community',
      addenda: 0,
    });
    expect(signed.next.timers).toEqual({});
    expect(
      effectsOf(signed, 'stop_timer')
        .map((e) => e.timer)
        .sort(),
    ).toEqual(['report_deadline', 'report_warning']);
    // A community disposition needs no hub booking, so the coordinators are not bothered.
    expect(notified(signed)).toEqual([`origin_facility:${CHC}`]);
  });

  it('tells the coordinators when the report refers the patient up', () => {
    const signed = must(
      upReferralIn('in_review'),
      { type: 'sign_report', disposition: 'refer_up_inpatient' },
      actors.cardiologist,
      at(8),
    );
    expect(notified(signed)).toEqual([`origin_facility:${CHC}`, 'coordinators']);
  });

  it('refuses a report without a valid disposition', () => {
    const decision = decide(
      upReferralIn('in_review'),
      { type: 'sign_report', disposition: 'admit' as never },
      {
        actor: actors.cardiologist,
        now: at(8),
      },
    );
    expect(reasonOf(decision)).toBe('invalid_disposition');
  });

  it('may sign without the answer it asked for', () => {
    const decision = decide(
      upReferralIn('info_requested'),
      { type: 'sign_report', disposition: 'refer_up_emergency' },
      {
        actor: actors.cardiologist,
        now: at(8),
      },
    );
    expect(reasonOf(decision)).toBe('ok -> reported');
  });

  it('counts addenda after signing, up to the end of the referral', () => {
    let s = upReferralIn('reported');
    s = must(s, { type: 'add_addendum' }, actors.cardiologist, at(20)).next;
    expect(s.report?.addenda).toBe(1);
    s = upReferralIn('acknowledged');
    expect(must(s, { type: 'add_addendum' }, actors.cardiologist, at(200)).next.report?.addenda).toBe(1);
    expect(
      reasonOf(decide(upReferralIn('closed'), { type: 'add_addendum' }, { actor: actors.cardiologist, now: at(300) })),
    ).toBe('terminal_state');
  });
});

describe('treatment plan', () => {
  const reported = () => upReferralIn('reported');
  const propose = (
    disposition: 'manage_in_community' | 'refer_up_outpatient' | 'refer_up_emergency',
    appointment = false,
  ) => ({ type: 'propose_plan', disposition, ...(appointment ? { hubAppointment: APPOINTMENT } : {}) }) as const;

  it('either doctor may propose; the first version is 1 and unsigned', () => {
    for (const actor of [actors.cd, actors.cardiologist]) {
      const s = must(reported(), propose('manage_in_community'), actor, at(20)).next;
      expect(s.plan).toMatchObject({
        version: 1,
        changedBy: actor.id,
        signatures: { community_doctor: null, specialist: null },
      });
    }
    expect(
      reasonOf(decide(reported(), propose('manage_in_community'), { actor: actors.cardiologist2, now: at(20) })),
    ).toBe('not_assignee');
  });

  it('binds only when both doctors have signed the same version', () => {
    let s = must(reported(), propose('manage_in_community'), actors.cd, at(20)).next;
    const first = must(s, { type: 'sign_plan', version: 1 }, actors.cd, at(21));
    expect(first.next.state).toBe('reported');
    expect(notified(first)).toEqual([`origin_facility:${CHC}`, `assignee:${actors.cardiologist.id}`]);
    s = first.next;
    expect(reasonOf(decide(s, { type: 'sign_plan', version: 1 }, { actor: actors.cd, now: at(22) }))).toBe(
      'already_signed',
    );
    expect(reasonOf(decide(s, { type: 'sign_plan', version: 1 }, { actor: actors.cardiologist, now: at(22) }))).toBe(
      'countersign_instead',
    );
    const agreed = must(s, { type: 'countersign_plan', version: 1 }, actors.cardiologist, at(22));
    expect(agreed.next.state).toBe('plan_agreed');
    expect(agreed.next.plan?.signatures).toEqual({
      community_doctor: { userId: actors.cd.id, version: 1, at: at(21) },
      specialist: { userId: actors.cardiologist.id, version: 1, at: at(22) },
    });
    expect(notified(agreed)).toContain(`patient:${actors.patient.id}`);
  });

  it('cannot countersign before the other doctor signs', () => {
    const s = must(reported(), propose('manage_in_community'), actors.cd, at(20)).next;
    expect(reasonOf(decide(s, { type: 'countersign_plan', version: 1 }, { actor: actors.cd, now: at(21) }))).toBe(
      'awaiting_first_signature',
    );
  });

  it('any change after a signature makes a new version and clears the signatures', () => {
    let s = must(reported(), propose('manage_in_community'), actors.cd, at(20)).next;
    s = must(s, { type: 'sign_plan', version: 1 }, actors.cardiologist, at(21)).next;
    s = must(s, { type: 'revise_plan', disposition: 'refer_up_emergency' }, actors.cd, at(22)).next;
    expect(s.plan).toMatchObject({
      version: 2,
      disposition: 'refer_up_emergency',
      signatures: { community_doctor: null, specialist: null },
    });
    // A signature for the version a doctor last saw is refused: they must look at the new one.
    expect(reasonOf(decide(s, { type: 'sign_plan', version: 1 }, { actor: actors.cardiologist, now: at(23) }))).toBe(
      'stale_plan_version',
    );
    expect(reasonOf(decide(s, { type: 'sign_plan', version: 2 }, { actor: actors.cardiologist, now: at(23) }))).toBe(
      'ok -> reported',
    );
  });

  it('a revision that changes nothing is refused rather than silently clearing signatures', () => {
    const s = must(reported(), propose('manage_in_community'), actors.cd, at(20)).next;
    expect(
      reasonOf(
        decide(
          s,
          { type: 'revise_plan', disposition: 'manage_in_community' },
          { actor: actors.cardiologist, now: at(21) },
        ),
      ),
    ).toBe('nothing_to_change');
    expect(reasonOf(decide(s, propose('manage_in_community'), { actor: actors.cd, now: at(21) }))).toBe('plan_exists');
  });

  it('a revision of the clinical content alone (same disposition) is a new version that clears signatures', () => {
    let s = must(reported(), propose('manage_in_community'), actors.cd, at(20)).next;
    s = must(s, { type: 'sign_plan', version: 1 }, actors.cd, at(21)).next;
    const d = decide(
      s,
      { type: 'revise_plan', disposition: 'manage_in_community', contentChanged: true },
      { actor: actors.cardiologist, now: at(22) },
    );
    expect(reasonOf(d)).toBe('ok -> reported');
    if (!d.ok) throw new Error('expected ok');
    expect(d.next.plan).toMatchObject({ version: 2, signatures: { community_doctor: null, specialist: null } });
  });

  it('an outpatient or inpatient referral up needs a booked hub appointment before signing', () => {
    let s = must(reported(), propose('refer_up_outpatient'), actors.cardiologist, at(20)).next;
    expect(reasonOf(decide(s, { type: 'sign_plan', version: 1 }, { actor: actors.cd, now: at(21) }))).toBe(
      'hub_appointment_required',
    );
    expect(eventOptions(s, actors.cd, at(21))).toContainEqual({
      type: 'sign_plan',
      reason: 'hub_appointment_required',
    });
    const booked = must(s, { type: 'set_appointment', hubAppointment: APPOINTMENT }, actors.coordinator, at(22));
    expect(booked.next.plan).toMatchObject({
      version: 2,
      hubAppointment: APPOINTMENT,
      changedBy: actors.coordinator.id,
    });
    s = run(booked.next, [
      [{ type: 'sign_plan', version: 2 }, actors.cd],
      [{ type: 'countersign_plan', version: 2 }, actors.cardiologist],
    ]);
    expect(s.state).toBe('plan_agreed');
  });

  it('an emergency referral up is agreed without an appointment', () => {
    const s = run(reported(), [
      [propose('refer_up_emergency'), actors.cd],
      [{ type: 'sign_plan', version: 1 }, actors.cd],
      [{ type: 'countersign_plan', version: 1 }, actors.cardiologist],
    ]);
    expect(s.state).toBe('plan_agreed');
  });

  it('refuses an appointment for a plan that keeps the patient in the community, or one in the past', () => {
    const ctx = { actor: actors.cd, now: at(20) };
    expect(reasonOf(decide(reported(), propose('manage_in_community', true), ctx))).toBe(
      'hub_appointment_not_applicable',
    );
    const past = {
      type: 'propose_plan',
      disposition: 'refer_up_outpatient',
      hubAppointment: { at: at(10), department: null },
    } as const;
    expect(reasonOf(decide(reported(), past, ctx))).toBe('appointment_in_past');
    const garbled = { ...past, hubAppointment: { at: 'next tuesday', department: null } };
    expect(reasonOf(decide(reported(), garbled, ctx))).toBe('invalid_appointment');
    const community = must(reported(), propose('manage_in_community'), actors.cd, at(20)).next;
    expect(
      reasonOf(
        decide(
          community,
          { type: 'set_appointment', hubAppointment: APPOINTMENT },
          { actor: actors.coordinator, now: at(21) },
        ),
      ),
    ).toBe('hub_appointment_not_applicable');
  });

  it('refuses to sign a plan whose appointment has already passed', () => {
    const soon = { at: at(30), department: null };
    const s = must(
      reported(),
      { type: 'propose_plan', disposition: 'refer_up_outpatient', hubAppointment: soon },
      actors.cd,
      at(20),
    ).next;
    expect(reasonOf(decide(s, { type: 'sign_plan', version: 1 }, { actor: actors.cd, now: at(31) }))).toBe(
      'appointment_in_past',
    );
  });

  it('revising an agreed plan withdraws it: back to negotiation, and the patient is told', () => {
    for (const state of ['plan_agreed', 'acknowledged'] as const) {
      const decision = must(
        upReferralIn(state),
        { type: 'revise_plan', disposition: 'manage_in_community' },
        actors.cd,
        at(300),
      );
      expect(decision.next.state).toBe('reported');
      expect(decision.next.plan).toMatchObject({
        version: 2,
        signatures: { community_doctor: null, specialist: null },
      });
      expect(notified(decision)).toContain(`patient:${actors.patient.id}`);
    }
  });
});

describe('the patient’s decision and the end of the referral', () => {
  it('the patient acknowledges their own decision; a doctor of the centre may record it for them', () => {
    const s = upReferralIn('plan_agreed');
    expect(reasonOf(decide(s, { type: 'acknowledge' }, { actor: actors.otherPatient, now: at(300) }))).toBe(
      'not_own_referral',
    );
    expect(reasonOf(decide(s, { type: 'acknowledge' }, { actor: actors.patient, now: at(300) }))).toBe(
      'ok -> acknowledged',
    );
    expect(reasonOf(decide(s, { type: 'acknowledge' }, { actor: actors.cdColleague, now: at(300) }))).toBe(
      'ok -> acknowledged',
    );
  });

  it('closes with an outcome that fits the plan', () => {
    const s = upReferralIn('acknowledged');
    const close = (outcome: string, actor: Actor = actors.coordinator) =>
      reasonOf(decide(s, { type: 'close', outcome: outcome as never }, { actor, now: at(300) }));
    expect(close('admitted_at_hub')).toBe('ok -> closed');
    expect(close('lost_to_follow_up', actors.cd)).toBe('ok -> closed');
    expect(close('follow_up_completed')).toBe('invalid_outcome');
    expect(close('referred_back_down')).toBe('invalid_outcome');
    expect(close('cured')).toBe('invalid_outcome');
    const community = run(upReferralIn('reported'), [
      [{ type: 'propose_plan', disposition: 'manage_in_community' }, actors.cd],
      [{ type: 'sign_plan', version: 1 }, actors.cd],
      [{ type: 'countersign_plan', version: 1 }, actors.cardiologist],
    ]);
    expect(
      reasonOf(decide(community, { type: 'close', outcome: 'seen_at_hub' }, { actor: actors.cd, now: at(300) })),
    ).toBe('outcome_conflicts_with_plan');
    expect(
      reasonOf(
        decide(community, { type: 'close', outcome: 'treated_in_community' }, { actor: actors.cd, now: at(300) }),
      ),
    ).toBe('ok -> closed');
  });

  it('a closed or cancelled referral accepts nothing, and offers nobody any action', () => {
    for (const s of [upReferralIn('closed'), upReferralIn('cancelled')]) {
      expect(
        reasonOf(decide(s, { type: 'cancel', reason: 'duplicate' }, { actor: actors.coordinator, now: at(400) })),
      ).toBe('terminal_state');
      for (const actor of Object.values(actors)) expect(availableEvents(s, actor, at(400))).toEqual([]);
    }
  });
});

describe('cancellation', () => {
  it('the referring centre may cancel until a specialist accepts; then only a coordinator, until the report', () => {
    const cancel = { type: 'cancel', reason: 'patient_withdrew' } as const;
    const byCd = (state: Parameters<typeof upReferralIn>[0]) =>
      reasonOf(decide(upReferralIn(state), cancel, { actor: actors.cd, now: at(100) }));
    const byCo = (state: Parameters<typeof upReferralIn>[0]) =>
      reasonOf(decide(upReferralIn(state), cancel, { actor: actors.coordinator, now: at(100) }));
    expect(['draft', 'submitted', 'offered', 'accepted'].map((s) => byCd(s as never))).toEqual([
      'ok -> cancelled',
      'ok -> cancelled',
      'ok -> cancelled',
      'role_not_allowed',
    ]);
    expect(['draft', 'accepted', 'in_review', 'info_requested', 'reported'].map((s) => byCo(s as never))).toEqual([
      'role_not_allowed',
      'ok -> cancelled',
      'ok -> cancelled',
      'ok -> cancelled',
      'not_allowed_in_state',
    ]);
  });

  it('stops every running timer, records who and why, and tells the reader', () => {
    const s = upReferralIn('offered');
    const decision = must(s, { type: 'cancel', reason: 'duplicate' }, actors.cd, at(3));
    expect(decision.next.timers).toEqual({});
    expect(
      effectsOf(decision, 'stop_timer')
        .map((e) => e.timer)
        .sort(),
    ).toEqual(Object.keys(s.timers).sort());
    expect(decision.next.cancellation).toEqual({
      reason: 'duplicate',
      by: actors.cd.id,
      role: 'community_doctor',
      at: at(3),
    });
    expect(notified(decision)).toContain(`previous_assignee:${actors.cardiologist.id}`);
  });

  it('needs a known reason', () => {
    const decision = decide(
      upReferralIn('submitted'),
      { type: 'cancel', reason: 'bored' as never },
      { actor: actors.cd, now: at(3) },
    );
    expect(reasonOf(decision)).toBe('invalid_cancel_reason');
  });
});

describe('two-way referral', () => {
  it('refers a patient back down to their community centre, linked to the upward referral', () => {
    const parent = upReferralIn('acknowledged');
    const decision = must(
      parent,
      { type: 'refer_back_down', backReferralId: 'ref-down-1' },
      actors.coordinator,
      at(500),
    );
    expect(decision.next).toMatchObject({
      state: 'closed',
      outcome: 'referred_back_down',
      backReferralId: 'ref-down-1',
    });
    const created = effectsOf(decision, 'create_referral');
    expect(created).toHaveLength(1);
    const child = created[0]?.referral;
    expect(child).toMatchObject({
      id: 'ref-down-1',
      direction: 'down',
      state: 'submitted',
      parentReferralId: parent.id,
      originFacilityId: HUB,
      destinationFacilityId: CHC,
      patientId: parent.patientId,
    });
    expect(child && findInconsistencies(child)).toEqual([]);
    expect(effectsOf(decision, 'history').map((h) => [h.entry.referralId, h.entry.event])).toEqual([
      [parent.id, 'refer_back_down'],
      ['ref-down-1', 'created'],
    ]);
  });

  it('only for a patient whose agreed plan sent them up, with a fresh id', () => {
    const community = run(upReferralIn('reported'), [
      [{ type: 'propose_plan', disposition: 'manage_in_community' }, actors.cd],
      [{ type: 'sign_plan', version: 1 }, actors.cd],
      [{ type: 'countersign_plan', version: 1 }, actors.cardiologist],
    ]);
    const ctx = { actor: actors.coordinator, now: at(500) };
    expect(reasonOf(decide(community, { type: 'refer_back_down', backReferralId: 'x' }, ctx))).toBe('not_referred_up');
    const up = upReferralIn('plan_agreed');
    expect(reasonOf(decide(up, { type: 'refer_back_down', backReferralId: up.id }, ctx))).toBe(
      'invalid_back_referral_id',
    );
    expect(reasonOf(decide(up, { type: 'refer_back_down', backReferralId: '' }, ctx))).toBe('invalid_back_referral_id');
  });

  it('the receiving centre accepts and closes the follow-up; another centre cannot', () => {
    const parent = upReferralIn('acknowledged');
    const created = effectsOf(
      must(parent, { type: 'refer_back_down', backReferralId: 'd-1' }, actors.coordinator, at(500)),
      'create_referral',
    );
    const child = created[0]?.referral as ReferralSnapshot;
    expect(reasonOf(decide(child, { type: 'accept' }, { actor: actors.cdElsewhere, now: at(501) }))).toBe(
      'outside_facility',
    );
    const accepted = must(child, { type: 'accept' }, actors.cdColleague, at(501));
    expect(accepted.next.assigneeId).toBe(actors.cdColleague.id);
    expect(notified(accepted)).toEqual(['coordinators']);
    const close = (outcome: string) =>
      reasonOf(decide(accepted.next, { type: 'close', outcome: outcome as never }, { actor: actors.cd, now: at(502) }));
    expect(close('treated_in_community')).toBe('invalid_outcome');
    expect(close('follow_up_completed')).toBe('ok -> closed');
  });
});

describe('refusing bad requests', () => {
  const s = () => upReferralIn('submitted');

  it('refuses a snapshot written under other rules', () => {
    const old = { ...s(), workflowVersion: REFERRAL_WORKFLOW_VERSION - 1 };
    expect(reasonOf(decide(old, { type: 'claim' }, { actor: actors.cardiologist, now: at(5) }))).toBe(
      'workflow_version_mismatch',
    );
    expect(availableEvents(old, actors.cardiologist, at(5))).toEqual([]);
  });

  it('refuses an invalid time, an unknown event or a malformed actor', () => {
    expect(reasonOf(decide(s(), { type: 'claim' }, { actor: actors.cardiologist, now: 'soon' }))).toBe('invalid_time');
    expect(reasonOf(decide(s(), { type: 'explode' } as never, { actor: actors.cardiologist, now: at(5) }))).toBe(
      'invalid_event',
    );
    expect(
      reasonOf(decide(s(), { type: 'claim' }, { actor: { id: '', role: 'specialist', facilityId: HUB }, now: at(5) })),
    ).toBe('invalid_actor');
    expect(
      reasonOf(
        decide(s(), { type: 'claim' }, { actor: { id: 'x', role: 'nurse' as never, facilityId: HUB }, now: at(5) }),
      ),
    ).toBe('invalid_actor');
  });

  it('refuses a snapshot mapped wrongly from storage instead of throwing', () => {
    const ctx = { actor: actors.cardiologist, now: at(5) };
    expect(reasonOf(decide({ ...s(), state: 'triaged' as never }, { type: 'claim' }, ctx))).toBe('invalid_snapshot');
    expect(reasonOf(decide({ ...s(), direction: 'sideways' as never }, { type: 'claim' }, ctx))).toBe(
      'invalid_snapshot',
    );
    expect(eventOptions({ ...s(), state: 'triaged' as never }, actors.cardiologist, at(5))).toEqual([]);
  });

  it('refuses a signature without a version number', () => {
    const plan = must(
      upReferralIn('reported'),
      { type: 'propose_plan', disposition: 'refer_up_emergency' },
      actors.cd,
      at(20),
    ).next;
    expect(reasonOf(decide(plan, { type: 'sign_plan' } as never, { actor: actors.cd, now: at(21) }))).toBe(
      'invalid_input',
    );
  });

  it('accepts the time as a Date as well as an ISO string', () => {
    expect(reasonOf(decide(s(), { type: 'claim' }, { actor: actors.cardiologist, now: new Date(at(5)) }))).toBe(
      'ok -> accepted',
    );
  });

  it('never changes the snapshot it is given', () => {
    const deepFreeze = <T>(value: T): T => {
      if (typeof value === 'object' && value !== null) {
        Object.values(value).forEach(deepFreeze);
        Object.freeze(value);
      }
      return value;
    };
    const frozen = deepFreeze(upReferralIn('offered'));
    const copy = structuredClone(frozen);
    must(frozen, { type: 'accept' }, actors.cardiologist, at(3));
    must(frozen, { type: 'cancel', reason: 'duplicate' }, actors.cd, at(3));
    expect(frozen).toEqual(copy);
  });
});

describe('available actions for the web app', () => {
  it('shows the community doctor what they may do with a draft, and why submit is blocked', () => {
    expect(availableEvents(draftReferral(), actors.cd, at(1))).toEqual([
      'update_draft',
      'attach_study',
      'submit',
      'cancel',
    ]);
    const empty = draftReferral({ studies: 0 });
    expect(availableEvents(empty, actors.cd, at(1))).toEqual(['update_draft', 'attach_study', 'cancel']);
    expect(eventOptions(empty, actors.cd, at(1))).toContainEqual({ type: 'submit', reason: 'no_studies' });
    expect(availableEvents(draftReferral(), actors.cdElsewhere, at(1))).toEqual([]);
  });

  it('shows accept and decline only to the specialist the referral is offered to', () => {
    const s = upReferralIn('offered');
    expect(availableEvents(s, actors.cardiologist, at(3))).toEqual(['accept', 'decline']);
    expect(availableEvents(s, actors.cardiologist2, at(3))).toEqual([]);
    expect(availableEvents(s, actors.radiologist, at(3))).toEqual([]);
  });

  it('shows the next plan signature as sign or countersign, to the right doctor', () => {
    let s = must(
      upReferralIn('reported'),
      { type: 'propose_plan', disposition: 'refer_up_emergency' },
      actors.cd,
      at(20),
    ).next;
    s = must(s, { type: 'sign_plan', version: 1 }, actors.cd, at(21)).next;
    expect(availableEvents(s, actors.cardiologist, at(22))).toEqual([
      'add_addendum',
      'revise_plan',
      'countersign_plan',
    ]);
    expect(availableEvents(s, actors.cd, at(22))).toEqual(['revise_plan']);
  });

  it('gives an administrator no clinical actions', () => {
    for (const state of ['draft', 'submitted', 'offered', 'in_review', 'reported', 'plan_agreed'] as const) {
      expect(availableEvents(upReferralIn(state), actors.admin, at(500))).toEqual([]);
    }
  });

  it('offers the system its timer events only when they are due', () => {
    const s = upReferralIn('submitted');
    expect(availableEvents(s, actors.system, at(2))).toEqual(['attach_study', 'offer']);
    expect(availableEvents(s, actors.system, at(60))).toEqual([
      'attach_study',
      'offer',
      'acceptance_overdue',
      'report_due_soon',
      'report_overdue',
    ]);
  });
});
