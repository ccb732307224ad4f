import type { MigrationInterface, QueryRunner } from 'typeorm';

// A study that joined a referral although its file names another patient (the sender confirmed it with a
// reason) keeps that confirmation on its link, for the reader: who, when, why, and which identity fields
// differed (field names only).
export class StudyPatientOverride1765200000008 implements MigrationInterface {
  name = 'StudyPatientOverride1765200000008';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE study ADD COLUMN patient_override jsonb`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE study DROP COLUMN patient_override');
  }
}
