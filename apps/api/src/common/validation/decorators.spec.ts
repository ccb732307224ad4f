import { isCalendarDate, isTimestamp } from './decorators.js';
import { jsonDepthExceeds } from './json-depth.js';
import { fieldsWithControlCharacters } from './control-characters.js';

describe('dates a client sends must exist', () => {
  it.each(['2024-02-29', '1958-04-12', '1900-01-01'])('%s is a calendar date', (d) => {
    expect(isCalendarDate(d)).toBe(true);
  });
  it.each(['2026-02-30', '2025-02-29', '2026-13-01', '0000-01-01', '2026-1-1', '20260101', '2026-02-28T00:00:00Z'])(
    '%s is not',
    (d) => {
      expect(isCalendarDate(d)).toBe(false);
    },
  );
  it.each(['2026-03-01', '2026-03-01T08:00:00+08:00', '2026-12-06T20:07:00.000Z', '2026-03-01T08:00'])(
    '%s is a timestamp',
    (d) => {
      expect(isTimestamp(d)).toBe(true);
    },
  );
  it.each(['2026-02-30T10:00:00Z', '2026-03-01 08:00', '1e300', 'now', '2026-03-01T25:00:00Z', '+2026-03-01'])(
    '%s is not',
    (d) => {
      expect(isTimestamp(d)).toBe(false);
    },
  );
});

describe('JSON depth is counted without parsing', () => {
  it('counts nesting, not brackets inside strings', () => {
    expect(jsonDepthExceeds(Buffer.from('{"a":[[1]]}'), 3)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from('{"a":[[[1]]]}'), 3)).toBe(true);
    expect(jsonDepthExceeds(Buffer.from(`{"a":"${'['.repeat(100)}\\"[["}`), 3)).toBe(false);
    expect(jsonDepthExceeds(Buffer.from(`${'['.repeat(5000)}${']'.repeat(5000)}`), 32)).toBe(true);
  });
});

describe('control characters are found in every string and key, by path', () => {
  it('names the fields', () => {
    expect(
      fieldsWithControlCharacters({
        name: 'a\u0000',
        note: 'line one\nline two\tand a tab',
        content: { medications: [{ name: 'x' }, { name: 'y\u001b' }] },
      }),
    ).toEqual(['name', 'content.medications.1.name']);
    expect(fieldsWithControlCharacters('ok\u007f', 'q')).toEqual(['q']);
    expect(fieldsWithControlCharacters({ 'k\u0000': 1 })).toEqual(['value']);
  });
});
