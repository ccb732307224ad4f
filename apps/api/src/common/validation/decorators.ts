import { applyDecorators } from '@nestjs/common';
import { Transform } from 'class-transformer';
import { isISO8601, IsInt, Max, Min, ValidateBy, type ValidationOptions } from 'class-validator';

// Shared rules for the numbers, dates and row ids a client sends. Each one accepts only what
// PostgreSQL can hold in the column it is compared with, so a value that passes never turns into
// a database error (a 500) further down: `1e300` is an integer to JavaScript but not to an int4
// column, `2026-02-30` is a date to `new Date()` (it rolls over to 2 March) but not to PostgreSQL,
// and `1.5` is a "number string" but not a bigint.

/** The largest value of a PostgreSQL `integer` (int4). */
export const INT4_MAX = 2_147_483_647;

const INTEGER_TEXT = /^-?\d{1,10}$/;

/**
 * A whole number between `min` and `max` (inclusive; at most an int4), from a JSON number or from
 * a query string written in plain digits. `1e3`, `1.0`, `0x10` and blanks are refused, not read.
 * @param opts - the bounds; `max` defaults to the largest int4
 */
export function IsBoundedInt(opts: { min: number; max?: number }): PropertyDecorator {
  return applyDecorators(
    Transform(({ value }: { value: unknown }) =>
      typeof value === 'string' && INTEGER_TEXT.test(value) ? Number(value) : value,
    ),
    IsInt(),
    Min(opts.min),
    Max(Math.min(opts.max ?? INT4_MAX, INT4_MAX)),
  );
}

const CALENDAR_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})(T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?(Z|[+-]\d{2}(:?\d{2})?)?)?$/;

/** YYYY-MM-DD naming a day that exists (no 30 February), in the years 0100 to 9999. */
export function isCalendarDate(value: unknown): value is string {
  return typeof value === 'string' && CALENDAR_DATE.test(value) && real(value);
}

/** An ISO 8601 date or date-time (`T` separator, optional zone) on a day that exists. */
export function isTimestamp(value: unknown): value is string {
  return typeof value === 'string' && TIMESTAMP.test(value) && real(value);
}

// validator's strict ISO 8601 check refuses days a month does not have (leap years included), and
// years before 100; the year check is a second guard: year 0 exists in ISO 8601, not in PostgreSQL.
function real(value: string): boolean {
  return isISO8601(value, { strict: true, strictSeparator: true }) && Number(value.slice(0, 4)) >= 1;
}

/** A calendar date, `YYYY-MM-DD`, that exists. */
export function IsCalendarDate(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isCalendarDate',
      validator: {
        validate: isCalendarDate,
        defaultMessage: (a) => `${a?.property} must be a date that exists, written YYYY-MM-DD`,
      },
    },
    options,
  );
}

/** A date or date-time in ISO 8601 (e.g. `2026-03-01` or `2026-03-01T08:00:00+08:00`) that exists. */
export function IsTimestamp(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isTimestamp',
      validator: {
        validate: isTimestamp,
        defaultMessage: (a) =>
          `${a?.property} must be an ISO 8601 date or date-time that exists, e.g. 2026-03-01T08:00:00+08:00`,
      },
    },
    options,
  );
}

const ROW_ID = /^\d{1,18}$/;

/** The id of a row numbered by a `bigint` sequence, in plain digits (fits a bigint whatever its value). */
export function IsRowId(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRowId',
      validator: {
        validate: (v: unknown) => typeof v === 'string' && ROW_ID.test(v),
        defaultMessage: (a) => `${a?.property} must be a row id: digits only`,
      },
    },
    options,
  );
}
