import { CONSENT_FORM_MEDIA_TYPES, CONSENT_KINDS } from '@zhiyin/contracts';
import {
  CRITICAL_STATES,
  DISPOSITIONS,
  PRIORITIES,
  REFERRAL_DIRECTIONS,
  REFERRAL_STATES,
  SERVICES,
  SPECIALTIES,
} from '@zhiyin/workflow';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { startTestApp, type TestApp } from '../support/test-app.js';

const MIGRATIONS = fileURLToPath(new URL('../../src/database/migrations/', import.meta.url));

// Which column's CHECK constraint keeps it within which vocabulary of the code.
const COLUMNS: [table: string, column: string, vocabulary: readonly string[]][] = [
  ['referral', 'direction', REFERRAL_DIRECTIONS],
  ['referral', 'state', REFERRAL_STATES],
  ['referral', 'service', SERVICES],
  ['referral', 'priority', PRIORITIES],
  ['reading_centre', 'service', SERVICES],
  ['app_user', 'specialty', SPECIALTIES],
  ['report', 'disposition', DISPOSITIONS],
  ['plan_version', 'disposition', DISPOSITIONS],
  ['critical_result', 'service', SERVICES],
  ['critical_result', 'state', CRITICAL_STATES],
  ['referral_consent', 'kind', CONSENT_KINDS],
  ['referral_consent', 'form_media_type', CONSENT_FORM_MEDIA_TYPES],
];

// The migrations write the vocabularies' values as literals, so an applied migration keeps its meaning when a value
// is added in the code. What keeps the database and the code in step is then this test: a value added to a
// vocabulary without a migration that widens the constraint fails here (and one dropped from the code, too).
describe('CHECK constraints against the vocabularies', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t?.close();
  });

  it.each(COLUMNS)('%s.%s allows exactly the current vocabulary', async (table, column, vocabulary) => {
    const { rows } = await t.db.query<{ def: string }>(
      `SELECT pg_get_constraintdef(c.oid) AS def
         FROM pg_constraint c JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = c.conkey[1]
        WHERE c.contype = 'c' AND c.conrelid = $1::regclass AND cardinality(c.conkey) = 1 AND a.attname = $2
          AND pg_get_constraintdef(c.oid) LIKE '%ANY%'`,
      [table, column],
    );
    expect(rows).toHaveLength(1);
    const allowed = [...rows[0]!.def.matchAll(/'((?:[^']|'')*)'::text/g)].map((m) => m[1]!.replaceAll("''", "'"));
    expect(allowed.sort()).toEqual([...vocabulary].sort());
  });

  it('no migration builds a constraint from the live vocabulary (it would change meaning once applied)', () => {
    const importing = readdirSync(MIGRATIONS).filter((f) =>
      /from '@zhiyin\/(workflow|contracts)'/.test(readFileSync(MIGRATIONS + f, 'utf8')),
    );
    expect(importing).toEqual([]);
  });
});
