import { inReferralReadScope, referralReadScope, type ReferralScopeFacts } from './referral-scope.js';
import { REFERRAL_STATES } from './vocabulary.js';

const HUB = 'hub-1';
const CENTRE = 'centre-1';
const OTHER = 'centre-2';
const referral = (over: Partial<ReferralScopeFacts> = {}): ReferralScopeFacts => ({
  direction: 'up',
  state: 'submitted',
  service: 'ECG',
  originFacilityId: CENTRE,
  destinationFacilityId: null,
  patientId: 'patient-1',
  ...over,
});
const doctor = { id: 'u1', role: 'community_doctor' as const, facilityId: CENTRE, specialty: null };
const cardiologist = { id: 'u2', role: 'specialist' as const, facilityId: HUB, specialty: 'cardiology' as const };
const coordinator = { id: 'u3', role: 'coordinator' as const, facilityId: HUB, specialty: null };
const patient = { id: 'patient-1', role: 'patient' as const, facilityId: null, specialty: null };
const admin = { id: 'u4', role: 'admin' as const, facilityId: null, specialty: null };

const can = (actor: Parameters<typeof referralReadScope>[0], r: ReferralScopeFacts) =>
  inReferralReadScope(referralReadScope(actor), r);

describe('referral read scope', () => {
  it('a community doctor reads what their centre sent or receives, drafts included', () => {
    expect(can(doctor, referral({ state: 'draft' }))).toBe(true);
    expect(can(doctor, referral({ direction: 'down', originFacilityId: HUB, destinationFacilityId: CENTRE }))).toBe(
      true,
    );
    expect(can(doctor, referral({ originFacilityId: OTHER }))).toBe(false);
    // no centre: nothing (deny by default)
    expect(can({ ...doctor, facilityId: null }, referral({ originFacilityId: CENTRE }))).toBe(false);
  });

  it('a specialist reads the upward referrals of their pool once sent', () => {
    expect(can(cardiologist, referral())).toBe(true);
    expect(can(cardiologist, referral({ state: 'draft' }))).toBe(false);
    expect(can(cardiologist, referral({ service: 'IMAGING' }))).toBe(false);
    expect(can(cardiologist, referral({ direction: 'down' }))).toBe(false);
    expect(referralReadScope({ ...cardiologist, specialty: null })).toEqual({ kind: 'none' });
  });

  it('a coordinator reads every referral sent, never a draft', () => {
    for (const state of REFERRAL_STATES) expect(can(coordinator, referral({ state }))).toBe(state !== 'draft');
  });

  it('a patient reads their own referral once the plan is agreed', () => {
    const visible = REFERRAL_STATES.filter((state) => can(patient, referral({ state })));
    expect(visible).toEqual(['plan_agreed', 'acknowledged', 'closed']);
    expect(can(patient, referral({ state: 'closed', patientId: 'patient-2' }))).toBe(false);
  });

  it('an administrator reads no referral', () => {
    expect(referralReadScope(admin)).toEqual({ kind: 'none' });
    for (const state of REFERRAL_STATES) expect(can(admin, referral({ state }))).toBe(false);
  });
});
