import { ICD10, searchIcd10 } from './icd10.js';

describe('ICD-10 search for the report form', () => {
  it('finds codes by code prefix, Chinese name and English name', () => {
    expect(searchIcd10('I21').map((e) => e.code)).toEqual(['I21.0', 'I21.1', 'I21.4', 'I21.9']);
    expect(searchIcd10('心房颤动').map((e) => e.code)).toContain('I48.0');
    expect(searchIcd10('pneumothorax').map((e) => e.code)).toEqual(['J93.9']);
    expect(searchIcd10('no such thing')).toEqual([]);
  });

  it('has well-formed, unique codes', () => {
    for (const e of ICD10) expect(e.code).toMatch(/^[A-Z]\d{2}(\.\d{1,2})?$/);
    expect(new Set(ICD10.map((e) => e.code)).size).toBe(ICD10.length);
  });
});
