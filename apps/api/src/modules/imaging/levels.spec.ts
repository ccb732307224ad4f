import { nameKeys } from './levels.js';

describe('PatientName match keys', () => {
  it('finds a name written in Han characters alone by its pinyin too', () => {
    const keys = nameKeys({ Alphabetic: '赵^华' });
    expect(keys).toEqual(expect.arrayContaining(['赵^华', '赵华', 'zhao^hua', 'zhaohua', 'zhao hua']));
  });

  it('keeps both groups of a Pinyin=Han name, lower-cased', () => {
    const keys = nameKeys({ Alphabetic: 'Sima^Yan', Ideographic: '司马^䶮' });
    expect(keys).toEqual(expect.arrayContaining(['sima^yan', 'simayan', '司马^䶮', '司马䶮']));
  });
});
