import {
  AFTER_REPORT_STATES,
  AWAITING_REPORT_STATES,
  HELD_BY_READER_STATES,
  inStateGroup,
  OPEN_FOR_MESSAGES_STATES,
  PATIENT_VISIBLE_STATES,
  STATE_TRAITS,
  statesIn,
} from './state-groups.js';
import { REFERRAL_STATES, TERMINAL_STATES, type ReferralState } from './vocabulary.js';

describe('state groups', () => {
  it('has traits for every state and no other key (a new state must be placed in every group)', () => {
    expect(Object.keys(STATE_TRAITS).sort()).toEqual([...REFERRAL_STATES].sort());
    // The type says the same at compile time: a state missing from the table does not compile.
    // @ts-expect-error a table without `cancelled` is refused
    const partial: typeof STATE_TRAITS = { ...STATE_TRAITS, cancelled: undefined };
    expect(partial.cancelled).toBeUndefined();
  });

  it('names the groups the queues, the board and the portal used to spell out', () => {
    expect(AWAITING_REPORT_STATES).toEqual(['submitted', 'offered', 'accepted', 'in_review', 'info_requested']);
    expect(HELD_BY_READER_STATES).toEqual(['accepted', 'in_review', 'info_requested']);
    expect(AFTER_REPORT_STATES).toEqual(['reported', 'plan_agreed', 'acknowledged']);
    expect(PATIENT_VISIBLE_STATES).toEqual(['plan_agreed', 'acknowledged', 'closed']);
    expect(OPEN_FOR_MESSAGES_STATES).not.toContain('draft');
    expect(statesIn('ended')).toEqual([...TERMINAL_STATES]);
    expect(statesIn('sent')).toEqual(REFERRAL_STATES.filter((s) => s !== 'draft'));
  });

  it('keeps the groups consistent: held by a reader implies awaiting the report; ended states take no messages', () => {
    for (const s of REFERRAL_STATES) {
      const t = STATE_TRAITS[s];
      if (t.heldByReader) expect(t.awaitingReport).toBe(true);
      expect(t.awaitingReport && t.afterReport).toBe(false);
      if (t.ended) expect(t.openForMessages).toBe(false);
      if (t.patientSees) expect(t.sent).toBe(true);
    }
  });

  it('answers for a state read from outside (storage, an API answer); an unknown one is in no group', () => {
    expect(inStateGroup('awaitingReport', 'in_review')).toBe(true);
    expect(inStateGroup('awaitingReport', 'reported')).toBe(false);
    expect(inStateGroup('sent', 'archived')).toBe(false);
    const s: ReferralState = 'closed';
    expect(inStateGroup('ended', s)).toBe(true);
  });
});
