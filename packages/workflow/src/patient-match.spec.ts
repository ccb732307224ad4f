import { comparePatientIdentity, patientOverrideReason, type RecordPatientIdentity } from './patient-match.js';

const wang: RecordPatientIdentity = {
  mrn: 'MRN-0001',
  familyNameZh: '王',
  givenNameZh: '建国',
  namePinyin: 'wang jian guo',
  sex: 'M',
  birthDate: '1952-03-14',
};

const same = {
  patientId: 'MRN-0001',
  name: { Alphabetic: 'Wang^Jianguo', Ideographic: '王^建国' },
  sex: 'M',
  birthDate: '19520314',
};

describe('is this file the referral patient’s', () => {
  it('matches the same person written in pinyin and in Chinese, whatever the case and separators', () => {
    expect(comparePatientIdentity(same, wang)).toMatchObject({ verdict: 'match', held: false, differing: [] });
    expect(
      comparePatientIdentity({ ...same, name: { Alphabetic: 'WANG JIANGUO' }, patientId: ' mrn-0001 ' }, wang),
    ).toMatchObject({ verdict: 'match', differing: [] });
    expect(comparePatientIdentity({ ...same, name: { Alphabetic: '王建国' } }, wang).verdict).toBe('match');
  });

  it('holds another man of the same given name, born in another year', () => {
    const zhao = {
      patientId: 'MRN-7777',
      name: { Alphabetic: 'Zhao^Jianguo', Ideographic: '赵^建国' },
      sex: 'M',
      birthDate: '19440602',
    };
    expect(comparePatientIdentity(zhao, wang)).toMatchObject({
      verdict: 'mismatch',
      held: true,
      differing: ['patientId', 'name', 'birthDate'],
    });
  });

  it('holds a file whose ideographic name differs even when its pinyin agrees', () => {
    const r = comparePatientIdentity({ ...same, name: { Alphabetic: 'Wang^Jianguo', Ideographic: '汪^建国' } }, wang);
    expect(r).toMatchObject({ verdict: 'mismatch', differing: ['name'] });
  });

  it('holds a file whose only difference is the Patient ID (another numbering, or another man)', () => {
    expect(comparePatientIdentity({ ...same, patientId: 'ECG-42' }, wang)).toMatchObject({
      verdict: 'mismatch',
      held: true,
      differing: ['patientId'],
    });
  });

  it('holds a file of another sex or birth date', () => {
    expect(comparePatientIdentity({ ...same, sex: 'F' }, wang).differing).toEqual(['sex']);
    expect(comparePatientIdentity({ ...same, birthDate: '1952-03-15' }, wang).differing).toEqual(['birthDate']);
  });

  it('counts missing values as unknown, never as a match', () => {
    expect(comparePatientIdentity({}, wang)).toMatchObject({
      verdict: 'unconfirmed',
      held: true,
      unknown: ['patientId', 'name', 'sex', 'birthDate'],
    });
    // sex alone identifies nobody
    expect(comparePatientIdentity({ sex: 'M' }, wang).verdict).toBe('unconfirmed');
    // a Latin name cannot be compared when the record has no pinyin
    expect(comparePatientIdentity({ name: { Alphabetic: 'Wang^Jianguo' } }, { ...wang, namePinyin: '' })).toMatchObject(
      { verdict: 'unconfirmed', unknown: ['patientId', 'name', 'sex', 'birthDate'] },
    );
    // what is there agrees and identifies: a match
    expect(comparePatientIdentity({ patientId: 'MRN-0001' }, wang).verdict).toBe('match');
  });

  it('needs a reason with words in it to override', () => {
    expect(patientOverrideReason('   ')).toBeNull();
    expect(patientOverrideReason(undefined)).toBeNull();
    expect(patientOverrideReason(' 心电图机录入错误 ')).toBe('心电图机录入错误');
  });
});
