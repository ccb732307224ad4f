import type { MigrationInterface, QueryRunner } from 'typeorm';

// A national ID is unique within a centre's register, no longer across the network: refusing it
// because another centre registered it told the caller that the other centre has this person.
// A record whose national ID another centre also holds is flagged for the coordinator, who sees
// every centre, to resolve.
export class PatientNationalIdPerCentre1765050000001 implements MigrationInterface {
  name = 'PatientNationalIdPerCentre1765050000001';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX patient_national_id_hash_idx;
      CREATE UNIQUE INDEX patient_national_id_hash_idx ON patient (home_facility_id, national_id_hash)
        WHERE national_id_hash IS NOT NULL;
      CREATE INDEX patient_national_id_lookup_idx ON patient (national_id_hash) WHERE national_id_hash IS NOT NULL;
      ALTER TABLE patient ADD COLUMN possible_duplicate boolean NOT NULL DEFAULT false;
      CREATE INDEX patient_possible_duplicate_idx ON patient (id) WHERE possible_duplicate;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX patient_possible_duplicate_idx;
      ALTER TABLE patient DROP COLUMN possible_duplicate;
      DROP INDEX patient_national_id_lookup_idx;
      DROP INDEX patient_national_id_hash_idx;
      CREATE UNIQUE INDEX patient_national_id_hash_idx ON patient (national_id_hash) WHERE national_id_hash IS NOT NULL;
    `);
  }
}
