import { parseFull, toDicomJson } from '@zhiyin/dicom';
import { writeIdentifier } from './identifier-writer.js';
import { fileMetaHeader } from './part10.js';
import { matchWorklist, parseWorklistKeys, studyUidOf, worklistAnswer, type ScheduledStep } from './worklist.js';

const step = (number: string, modality: string, date: string): ScheduledStep => ({
  referralId: `0b1e9a52-5f3c-4c57-9d2e-7a6f1c0${number.slice(-5)}`,
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

// What a modality's query selects from a list of steps: the keys read as the hub reads them, matched in memory.
function query(steps: ScheduledStep[], identifier: Record<string, unknown>, aeTitle = 'HYJQ_CT1') {
  const keys = parseWorklistKeys(identifier);
  return keys === 'malformed' ? keys : matchWorklist(steps, keys, aeTitle).map((s) => s.number);
}

describe('worklist matching (the hub’s keys, the gateway’s cached copy)', () => {
  const steps = [step('ZY00000000001', 'CT', '20261201'), step('ZY00000000002', 'ECG', '20261205')];

  it('matches by modality, accession and date range; universal keys match all', () => {
    expect(query(steps, {})).toHaveLength(2);
    expect(query(steps, { ScheduledProcedureStepSequence: [{ Modality: 'ECG' }] })).toEqual(['ZY00000000002']);
    const range = { ScheduledProcedureStepSequence: [{ ScheduledProcedureStepStartDate: '20261130-20261202' }] };
    expect(query(steps, range)).toEqual(['ZY00000000001']);
    expect(query(steps, { AccessionNumber: 'ZY00000000009' })).toEqual([]);
    expect(query(steps, { AccessionNumber: '*' })).toHaveLength(2);
    expect(query(steps, { PatientID: 'BJCY100000', AccessionNumber: 'ZY00000000002' })).toEqual(['ZY00000000002']);
  });

  it('reads a single date as that day, and open-ended ranges from or until a day', () => {
    const on = (d: string) =>
      query(steps, { ScheduledProcedureStepSequence: [{ ScheduledProcedureStepStartDate: d }] });
    expect(on('20261205')).toEqual(['ZY00000000002']);
    expect(on('20261202-')).toEqual(['ZY00000000002']);
    expect(on('-20261202')).toEqual(['ZY00000000001']);
  });

  it('gives another station’s title nothing: every step of the centre is scheduled for each of its stations', () => {
    const sps = (title: string) => ({ ScheduledProcedureStepSequence: [{ ScheduledStationAETitle: title }] });
    expect(query(steps, sps('HYJQ_CT1'))).toHaveLength(2);
    expect(query(steps, sps('HYJQ_US2'))).toEqual([]);
  });

  it('refuses a malformed key rather than matching on it', () => {
    expect(query(steps, { ScheduledProcedureStepSequence: [{ Modality: 'ct; drop' }] })).toBe('malformed');
    expect(query(steps, { AccessionNumber: 42 })).toBe('malformed');
    const date = (d: string) => ({ ScheduledProcedureStepSequence: [{ ScheduledProcedureStepStartDate: d }] });
    expect(query(steps, date('20261332'))).toBe('malformed');
    expect(query(steps, date('-'))).toBe('malformed');
    expect(query(steps, date('2026-12-01'))).toBe('malformed');
  });
});

describe('worklist answers', () => {
  const s = step('ZY00000000001', 'CT', '20261201');
  const identifier = {
    AccessionNumber: '',
    PatientName: '',
    StudyInstanceUID: '',
    ScheduledProcedureStepSequence: [{ Modality: '', ScheduledStationAETitle: '' }],
  };

  // The answer as a modality's DICOM reader sees it: encoded, then parsed back with the project's parser.
  function readBack(charset: 'ISO_IR 192' | 'GB18030') {
    const elements = worklistAnswer(s, identifier, { aeTitle: 'HYJQ_CT1', characterSet: charset });
    const dataset = writeIdentifier(elements, true, charset);
    const meta = { sopClassUid: '1.2.3', sopInstanceUid: '1.2.3.4', transferSyntaxUid: '1.2.840.10008.1.2.1' };
    const header = fileMetaHeader({ ...meta, sourceAeTitle: 'X' }, { classUid: '1.2.3.9', versionName: 'T' });
    return {
      json: toDicomJson(parseFull(new Uint8Array(Buffer.concat([header, dataset])), { validate: false })),
      dataset,
    };
  }

  it('returns the keys the query asked for, the patient’s name in the station’s character set', () => {
    for (const charset of ['ISO_IR 192', 'GB18030'] as const) {
      const { json } = readBack(charset);
      expect(json['00080005']?.Value).toEqual([charset]);
      expect(json['00080050']?.Value).toEqual(['ZY00000000001']);
      expect(json['00100010']?.Value).toEqual([{ Alphabetic: '孙^娟' }]);
      expect(json['0020000D']?.Value).toEqual([studyUidOf(s.referralId)]);
      expect(json['00100020']).toBeUndefined();
      const item = (json['00400100']?.Value as Record<string, { Value?: unknown[] }>[])[0]!;
      expect(item['00080060']?.Value).toEqual(['CT']);
      expect(item['00400001']?.Value).toEqual(['HYJQ_CT1']);
      expect(item['00400002']).toBeUndefined();
    }
  });

  it('writes GB18030 bytes for a GB18030 station, UTF-8 for the others', () => {
    expect(readBack('GB18030').dataset.includes(Buffer.from([0xcb, 0xef]))).toBe(true); // 孙 in GB18030
    expect(readBack('ISO_IR 192').dataset.includes(Buffer.from('孙', 'utf8'))).toBe(true);
  });
});
