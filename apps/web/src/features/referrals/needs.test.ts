import { needOf } from './needs';

// What makes a referral stand out on the community desk as waiting for this doctor.
describe('what a referral waits for from the community doctor', () => {
  const up = { direction: 'up' as const, planSigners: null };

  it('asks the doctor to submit a draft, answer a question and record the outcome', () => {
    expect(needOf({ ...up, state: 'draft' }, 'community_doctor')).toBe('submit');
    expect(needOf({ ...up, state: 'info_requested' }, 'community_doctor')).toBe('answer');
    expect(needOf({ ...up, state: 'plan_agreed' }, 'community_doctor')).toBe('outcome');
    expect(needOf({ ...up, state: 'in_review' }, 'community_doctor')).toBeNull();
  });

  it('asks for the plan only until the doctor has signed its latest version', () => {
    expect(needOf({ ...up, state: 'reported', planSigners: null }, 'community_doctor')).toBe('plan');
    expect(needOf({ ...up, state: 'reported', planSigners: [] }, 'community_doctor')).toBe('plan');
    expect(needOf({ ...up, state: 'reported', planSigners: ['specialist'] }, 'community_doctor')).toBe('plan');
    expect(needOf({ ...up, state: 'reported', planSigners: ['community_doctor'] }, 'community_doctor')).toBeNull();
  });

  it('asks a centre to accept a patient referred back down', () => {
    expect(needOf({ direction: 'down', state: 'submitted', planSigners: null }, 'community_doctor')).toBe('accept');
  });

  it('asks nothing of a specialist on the desk', () => {
    expect(needOf({ ...up, state: 'reported' }, 'specialist')).toBeNull();
  });
});
