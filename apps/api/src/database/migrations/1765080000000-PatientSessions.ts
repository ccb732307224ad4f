import type { MigrationInterface, QueryRunner } from 'typeorm';

// A patient's sign-in becomes a refresh-token family like a staff member's, so that the web app can
// keep its access token in memory only and get it back after a reload from an HttpOnly cookie. The
// family is bound to the access code it was opened with: revoking or replacing the code ends it.
export class PatientSessions1765080000000 implements MigrationInterface {
  name = 'PatientSessions1765080000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE refresh_token
        ALTER COLUMN user_id DROP NOT NULL,
        ADD COLUMN patient_access_code_id uuid REFERENCES patient_access_code(id) ON DELETE CASCADE,
        ADD CONSTRAINT refresh_token_one_subject CHECK ((user_id IS NULL) <> (patient_access_code_id IS NULL));
      CREATE INDEX refresh_token_patient_access_code_idx ON refresh_token (patient_access_code_id)
        WHERE patient_access_code_id IS NOT NULL;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DELETE FROM refresh_token WHERE user_id IS NULL;
      ALTER TABLE refresh_token
        DROP CONSTRAINT refresh_token_one_subject,
        DROP COLUMN patient_access_code_id,
        ALTER COLUMN user_id SET NOT NULL;
    `);
  }
}
