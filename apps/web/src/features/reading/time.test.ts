import { ageOn, splitDuration, titleCase, turnaround } from './time';

describe('the turnaround clock', () => {
  const submitted = '2026-03-02T08:00:00.000Z';
  const timers = { report_warning: '2026-03-02T08:20:00.000Z', report_deadline: '2026-03-02T08:30:00.000Z' };
  const at = (iso: string) => Date.parse(iso);

  it('is green before the warning, amber after it, red past the limit', () => {
    expect(turnaround(timers, submitted, at('2026-03-02T08:10:00Z'))).toEqual({ leftMs: 20 * 60_000, urgency: 'ok' });
    expect(turnaround(timers, submitted, at('2026-03-02T08:25:00Z')).urgency).toBe('near');
    expect(turnaround(timers, submitted, at('2026-03-02T08:31:00Z'))).toEqual({ leftMs: -60_000, urgency: 'overdue' });
  });

  it('turns amber in the last quarter when the warning timer has already fired', () => {
    const deadlineOnly = { report_deadline: timers.report_deadline };
    expect(turnaround(deadlineOnly, submitted, at('2026-03-02T08:10:00Z')).urgency).toBe('ok');
    expect(turnaround(deadlineOnly, submitted, at('2026-03-02T08:24:00Z')).urgency).toBe('near');
  });

  it('has no clock once the report is signed (no running limit)', () => {
    expect(turnaround({}, submitted, at('2026-03-02T08:10:00Z'))).toEqual({ leftMs: undefined, urgency: 'none' });
    expect(turnaround(null, null, 0).urgency).toBe('none');
  });
});

describe('durations and ages', () => {
  it('formats a countdown to the second', () => {
    expect(splitDuration(65_000)).toEqual({ days: 0, clock: '1:05' });
    expect(splitDuration(-(3600 + 61) * 1000)).toEqual({ days: 0, clock: '1:01:01' });
    expect(splitDuration((2 * 86_400 + 3 * 3600 + 4 * 60 + 5) * 1000)).toEqual({ days: 2, clock: '03:04:05' });
  });

  it('counts whole years, the birthday included', () => {
    expect(ageOn('1948-03-30', new Date(2026, 2, 29))).toBe(77);
    expect(ageOn('1948-03-30', new Date(2026, 2, 30))).toBe(78);
    expect(ageOn(undefined, new Date())).toBeUndefined();
  });
});

describe('names in English', () => {
  it('capitalises each pinyin word', () => {
    expect(titleCase('sun juan')).toBe('Sun Juan');
    expect(titleCase('Ouyang Minghua')).toBe('Ouyang Minghua');
  });
});
