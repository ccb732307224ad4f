import { studyInScope, studyReadScope, type StudyScopeFacts } from './study-scope.js';
import { REFERRAL_STATES, type Role, type Service, type Specialty } from './vocabulary.js';

const HUB = 'hub-1';
const OTHER_HUB = 'hub-2';
const CENTRE = 'chc-1';
const OTHER_CENTRE = 'chc-2';

const referred = (service: Service, state: (typeof REFERRAL_STATES)[number] = 'submitted', hub = HUB) =>
  ({
    facilityId: CENTRE,
    referral: { direction: 'up', state, service, originHubId: hub },
  }) satisfies StudyScopeFacts;
const unlinked: StudyScopeFacts = { facilityId: CENTRE, referral: null };

const reader = (role: Role, facilityId: string | null, specialty: Specialty | null = null) =>
  studyReadScope({ role, facilityId, specialty });

describe('who may read which study', () => {
  const cases: [string, ReturnType<typeof studyReadScope>, StudyScopeFacts, boolean][] = [
    ['community doctor, own centre, unlinked', reader('community_doctor', CENTRE), unlinked, true],
    ['community doctor, own centre, referred', reader('community_doctor', CENTRE), referred('ECG'), true],
    ['community doctor, other centre', reader('community_doctor', OTHER_CENTRE), referred('ECG'), false],
    ['cardiologist, ECG referral of the hub', reader('specialist', HUB, 'cardiology'), referred('ECG'), true],
    ['cardiologist, imaging referral', reader('specialist', HUB, 'cardiology'), referred('IMAGING'), false],
    ['cardiologist, unlinked study', reader('specialist', HUB, 'cardiology'), unlinked, false],
    ['cardiologist, a draft referral', reader('specialist', HUB, 'cardiology'), referred('ECG', 'draft'), false],
    [
      'cardiologist, another hub',
      reader('specialist', HUB, 'cardiology'),
      referred('ECG', 'submitted', OTHER_HUB),
      false,
    ],
    ['radiologist, imaging referral', reader('specialist', HUB, 'radiology'), referred('IMAGING'), true],
    ['radiologist, ECG referral', reader('specialist', HUB, 'radiology'), referred('ECG'), false],
    ['specialist without a specialty', reader('specialist', HUB), referred('ECG'), false],
    ['coordinator, ECG referral', reader('coordinator', HUB), referred('ECG'), true],
    ['coordinator, imaging referral', reader('coordinator', HUB), referred('IMAGING', 'closed'), true],
    ['coordinator, unlinked', reader('coordinator', HUB), unlinked, false],
    ['coordinator, draft', reader('coordinator', HUB), referred('IMAGING', 'draft'), false],
    ['coordinator, another hub', reader('coordinator', HUB), referred('ECG', 'submitted', OTHER_HUB), false],
    ['administrator', reader('admin', null), referred('ECG'), false],
    ['administrator of the hub', reader('admin', HUB), unlinked, false],
    ['patient', reader('patient', null), referred('ECG'), false],
    ['system', reader('system', null), referred('ECG'), false],
  ];

  it.each(cases)('%s', (_label, scope, study, expected) => {
    expect(studyInScope(scope, study)).toBe(expected);
  });

  it('a hub reader never sees a study linked to a referral coming down to a community centre', () => {
    const down: StudyScopeFacts = {
      facilityId: CENTRE,
      referral: { direction: 'down', state: 'submitted', service: 'ECG', originHubId: HUB },
    };
    expect(studyInScope(reader('coordinator', HUB), down)).toBe(false);
    expect(studyInScope(reader('specialist', HUB, 'cardiology'), down)).toBe(false);
  });

  it('hub readers see a referred study in every state but the draft', () => {
    for (const state of REFERRAL_STATES) {
      expect(studyInScope(reader('specialist', HUB, 'cardiology'), referred('ECG', state))).toBe(state !== 'draft');
    }
  });
});

describe('priors: the patient’s earlier studies, for the readers of an open referral of the same patient', () => {
  const open = (
    service: Service,
    state: (typeof REFERRAL_STATES)[number] = 'accepted',
    o: { hub?: string; origin?: string } = {},
  ) => ({
    direction: 'up' as const,
    state,
    service,
    originFacilityId: o.origin ?? CENTRE,
    destinationFacilityId: null,
    originHubId: o.hub ?? HUB,
  });
  // A study another centre sent years ago, linked to no referral, filed under the same patient: of the kind the first
  // referral's service reads (an ECG for an ECG referral, a CT for an imaging one).
  const prior = (...patientReferrals: ReturnType<typeof open>[]): StudyScopeFacts => ({
    facilityId: OTHER_CENTRE,
    referral: null,
    patientReferrals,
    modalities: patientReferrals[0]?.service === 'ECG' ? ['ECG'] : ['CT'],
  });
  const ofKind = (study: StudyScopeFacts, modalities: string[]): StudyScopeFacts => ({ ...study, modalities });

  it.each([
    [
      'radiologist, open imaging referral of the patient',
      reader('specialist', HUB, 'radiology'),
      prior(open('IMAGING')),
      true,
    ],
    ['coordinator, open referral', reader('coordinator', HUB), prior(open('ECG', 'reported')), true],
    ['referring doctor, open referral of their centre', reader('community_doctor', CENTRE), prior(open('ECG')), true],
    [
      'radiologist, the referral is closed',
      reader('specialist', HUB, 'radiology'),
      prior(open('IMAGING', 'closed')),
      false,
    ],
    [
      'radiologist, the referral is cancelled',
      reader('specialist', HUB, 'radiology'),
      prior(open('IMAGING', 'cancelled')),
      false,
    ],
    [
      'radiologist, the referral is a draft',
      reader('specialist', HUB, 'radiology'),
      prior(open('IMAGING', 'draft')),
      false,
    ],
    [
      'cardiologist, the patient’s open referral is for imaging',
      reader('specialist', HUB, 'cardiology'),
      prior(open('IMAGING')),
      false,
    ],
    ['radiologist of another hub', reader('specialist', OTHER_HUB, 'radiology'), prior(open('IMAGING')), false],
    [
      'radiologist, the patient’s ECG is no imaging prior',
      reader('specialist', HUB, 'radiology'),
      ofKind(prior(open('IMAGING')), ['ECG']),
      false,
    ],
    [
      'cardiologist, the patient’s CT is no ECG prior',
      reader('specialist', HUB, 'cardiology'),
      ofKind(prior(open('ECG')), ['CT']),
      false,
    ],
    [
      'referring doctor, the CT beside an open ECG referral is no prior',
      reader('community_doctor', CENTRE),
      ofKind(prior(open('ECG')), ['CT']),
      false,
    ],
    ['a third centre’s doctor', reader('community_doctor', 'chc-3'), prior(open('ECG')), false],
    ['the patient has no referral', reader('coordinator', HUB), prior(), false],
    ['administrator', reader('admin', HUB), prior(open('ECG')), false],
    ['patient', reader('patient', null), prior(open('ECG')), false],
  ])('%s', (_label, scope, study, expected) => {
    expect(studyInScope(scope, study)).toBe(expected);
  });

  it('a study linked to another centre’s draft is no one’s prior until it is sent', () => {
    const draftStudy: StudyScopeFacts = {
      facilityId: OTHER_CENTRE,
      referral: { direction: 'up', state: 'draft', service: 'IMAGING', originHubId: HUB },
      patientReferrals: [open('IMAGING')],
    };
    expect(studyInScope(reader('specialist', HUB, 'radiology'), draftStudy)).toBe(false);
    expect(studyInScope(reader('community_doctor', CENTRE), draftStudy)).toBe(false);
  });
});
