import { ageAt, localTime } from './report-pdf.js';

describe('the report paper', () => {
  it('prints moments in the network time zone with the offset, not in UTC', () => {
    // 16:30 UTC is already the next day in Wuhan: the date on paper must be the one every screen shows.
    expect(localTime('2026-12-06T16:30:00.000Z', 'Asia/Shanghai')).toBe('2026-12-07 00:30 GMT+8');
    expect(localTime('2026-07-01T08:05:00.000Z', 'Europe/London')).toBe('2026-07-01 09:05 GMT+1');
  });

  it('gives the age in whole years on the study date', () => {
    expect(ageAt('1952-03-10', '2026-03-09')).toBe(73);
    expect(ageAt('1952-03-10', '2026-03-10')).toBe(74);
    expect(ageAt(null, '2026-03-10')).toBeNull();
    expect(ageAt('1952-03-10', null)).toBeNull();
  });
});
