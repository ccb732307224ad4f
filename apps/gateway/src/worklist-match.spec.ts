import { matchWorklist } from './worklist-match.js';
import type { ScheduledStep } from './worklist-cache.js';

const step = (number: string, modality: string, date: string): ScheduledStep => ({
  referralId: `id-${number}`,
  number,
  patientId: 'p',
  mrn: 'BJCY100000',
  familyName: '孙',
  givenName: '娟',
  birthDate: '20010105',
  sex: 'F',
  modality,
  scheduledDate: date,
  scheduledTime: '080000',
});

describe('worklist matching (from the cached copy)', () => {
  const steps = [step('ZY00000000001', 'CT', '20261201'), step('ZY00000000002', 'ECG', '20261205')];

  it('matches by modality, accession and date range; universal keys match all', () => {
    expect(matchWorklist(steps, {})).toHaveLength(2);
    const ecg = matchWorklist(steps, { ScheduledProcedureStepSequence: [{ Modality: 'ECG' }] });
    expect(ecg !== 'malformed' && ecg.map((m) => m.AccessionNumber)).toEqual(['ZY00000000002']);
    const range = matchWorklist(steps, {
      ScheduledProcedureStepSequence: [{ ScheduledProcedureStepStartDate: '20261130-20261202' }],
    });
    expect(range !== 'malformed' && range.map((m) => m.AccessionNumber)).toEqual(['ZY00000000001']);
    expect(matchWorklist(steps, { AccessionNumber: 'ZY00000000009' })).toEqual([]);
    const one = matchWorklist(steps, { AccessionNumber: '*' });
    expect(one).toHaveLength(2);
  });

  it('refuses a malformed key', () => {
    expect(matchWorklist(steps, { ScheduledProcedureStepSequence: [{ Modality: 'ct; drop' }] })).toBe('malformed');
    expect(matchWorklist(steps, { AccessionNumber: 42 })).toBe('malformed');
  });
});
