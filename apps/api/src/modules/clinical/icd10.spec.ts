import { ICD10, searchIcd10 } from './icd10.js';

const codes = (q: string) => searchIcd10(q).map((e) => e.code);

describe('ICD-10 search for the report form', () => {
  it('finds codes by code prefix, Chinese name and English name', () => {
    expect(codes('I21')).toEqual(['I21.0', 'I21.1', 'I21.2', 'I21.3', 'I21.4', 'I21.9']);
    expect(codes('心房颤动')).toContain('I48.0');
    expect(codes('pneumothorax')).toContain('J93.9');
    expect(searchIcd10('no such thing')).toEqual([]);
  });

  it('covers the common cardiovascular, respiratory, cerebrovascular, oncological and primary-care codes', () => {
    expect(ICD10.length).toBeGreaterThanOrEqual(300);
    for (const chapter of ['I', 'J', 'C', 'E', 'K', 'M', 'N', 'R', 'S', 'Z']) {
      expect(ICD10.filter((e) => e.code.startsWith(chapter)).length).toBeGreaterThanOrEqual(8);
    }
  });

  it.each([
    ['冠心病', 'I25.1'],
    ['心肌缺血', 'I25.9'],
    ['肺癌', 'C34.9'],
    ['窦性心动过速', 'R00.0'],
    ['窦性', 'R00.0'],
    ['正常', 'Z00.0'],
    ['gaoxueya', 'I10'],
    ['gxy', 'I10'],
    ['guan xin bing', 'I25.1'],
    ['心梗', 'I21.9'],
    ['房颤', 'I48.9'],
    ['STEMI', 'I21.0'],
    ['慢阻肺', 'J44.9'],
    ['脑出血', 'I61.9'],
    ['肺结节', 'R91'],
  ])('finds what doctors type: %s -> %s', (q, code) => {
    expect(codes(q)).toContain(code);
  });

  it('puts an exact name or synonym before partial matches', () => {
    expect(codes('冠心病')[0]).toBe('I25.1');
    expect(codes('肺癌')[0]).toMatch(/^C34/);
    expect(codes('gaoxueya')[0]).toBe('I10');
  });

  it('has well-formed, unique codes with both names', () => {
    for (const e of ICD10) {
      expect(e.code).toMatch(/^[A-Z]\d{2}(\.\d{1,2})?$/);
      expect(e.zh).toMatch(/\p{Script=Han}/u);
      expect(e.en.length).toBeGreaterThan(3);
    }
    expect(new Set(ICD10.map((e) => e.code)).size).toBe(ICD10.length);
  });
});
