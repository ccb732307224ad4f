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

  it('gives the same keys for a name seen again, whatever the caller did with the first answer', () => {
    const first = nameKeys({ Alphabetic: '钱^芳' });
    first.length = 0;
    expect(nameKeys({ Alphabetic: '钱^芳' })).toEqual(expect.arrayContaining(['钱^芳', 'qian^fang']));
    expect(nameKeys({ Alphabetic: '钱^芳', Ideographic: '钱^芳' })).toEqual(expect.arrayContaining(['qian^fang']));
  });
});
