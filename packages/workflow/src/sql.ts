const IDENTIFIER = /^[a-z_][a-z0-9_]*$/;
const CODE = /^[A-Za-z0-9_-]+$/;

/**
 * Builds a PostgreSQL `CHECK` constraint that keeps a text column within a vocabulary, so the database refuses a value
 * the rules do not know. Example: `sqlCheckIn('state', REFERRAL_STATES)` gives
 * `CHECK ("state" IN ('draft', 'submitted', …))`.
 *
 * @param column - the column name, in snake_case
 * @param values - the vocabulary array, e.g. `REFERRAL_STATES`
 * @returns the constraint text, for a migration
 * @throws Error when the column is not a plain snake_case identifier or a value is not a plain code, because either
 *   would be a programming error and must never reach SQL
 */
export function sqlCheckIn(column: string, values: readonly string[]): string {
  if (!IDENTIFIER.test(column)) throw new Error(`not a plain column name: ${column}`);
  if (values.length === 0) throw new Error('a CHECK needs at least one value');
  const bad = values.find((value) => !CODE.test(value));
  if (bad !== undefined) throw new Error(`not a plain code: ${bad}`);
  return `CHECK ("${column}" IN (${values.map((value) => `'${value}'`).join(', ')}))`;
}
