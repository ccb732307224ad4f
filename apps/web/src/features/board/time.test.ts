import { format, type MessageKey, type Params } from '../../i18n/i18n';
import { en, zh } from './messages';
import { formatDuration, isoToNetworkLocal, isoWeekOf, networkLocalToIso, shiftWeek } from './time';

// The board's own words, without the app around it.
const words =
  (messages: Record<string, string>) =>
  (key: MessageKey, params?: Params): string =>
    format(messages[key] ?? key, params);

describe('board time helpers', () => {
  it('reads ISO weeks in China Standard Time, across year ends', () => {
    // Monday 23 November 2026 00:30 in Beijing is still Sunday in UTC.
    expect(isoWeekOf(Date.parse('2026-11-22T16:30:00Z'))).toBe('2026-W48');
    expect(isoWeekOf(Date.parse('2026-11-22T15:30:00Z'))).toBe('2026-W47');
    expect(isoWeekOf(Date.parse('2027-01-01T04:00:00Z'))).toBe('2026-W53'); // 2026 has 53 ISO weeks
    expect(isoWeekOf(Date.parse('2025-12-29T04:00:00Z'))).toBe('2026-W01');
  });

  it('steps weeks forwards and backwards', () => {
    expect(shiftWeek('2026-W48', -1)).toBe('2026-W47');
    expect(shiftWeek('2026-W53', 1)).toBe('2027-W01');
    expect(shiftWeek('2026-W01', -1)).toBe('2025-W52');
  });

  it('turns the booking form’s local time into an instant in network time and back', () => {
    expect(networkLocalToIso('2026-12-01T09:30')).toBe('2026-12-01T01:30:00.000Z');
    expect(isoToNetworkLocal('2026-12-01T01:30:00.000Z')).toBe('2026-12-01T09:30');
  });

  it('writes durations people read at a glance', () => {
    expect(formatDuration(75_000, words(zh))).toBe('1 分 15 秒');
    expect(formatDuration(-3_900_000, words(en))).toBe('1 h 05 min');
    expect(formatDuration(2 * 86_400_000 + 3 * 3600_000, words(zh))).toBe('2 天 3 小时');
  });
});
