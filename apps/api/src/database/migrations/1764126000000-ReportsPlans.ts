import type { MigrationInterface, QueryRunner } from 'typeorm';

// Its CHECK constraints name the vocabularies' values as they were when it was written, as literals (see the
// Referrals migration).
//
// The structured report (draft until signed, then only addenda), every version of the treatment
// plan, and hub appointments.
export class ReportsPlans1764126000000 implements MigrationInterface {
  name = 'ReportsPlans1764126000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE report (
        referral_id uuid PRIMARY KEY REFERENCES referral(id),
        author_id uuid NOT NULL REFERENCES app_user(id),
        findings text NOT NULL DEFAULT '',
        impression text NOT NULL DEFAULT '',
        diagnoses jsonb NOT NULL DEFAULT '[]',
        measurements jsonb,
        disposition text CHECK (disposition IS NULL OR "disposition" IN ('manage_in_community', 'refer_up_outpatient', 'refer_up_inpatient', 'refer_up_emergency')),
        signed_by uuid REFERENCES app_user(id),
        signed_at timestamptz,
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      -- A signed report is never edited: only addenda follow.
      CREATE FUNCTION report_signed_is_final() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF OLD.signed_at IS NOT NULL THEN
          RAISE EXCEPTION 'a signed report cannot be changed' USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
      END $$;
      CREATE TRIGGER report_no_edit_after_signing BEFORE UPDATE OR DELETE ON report
        FOR EACH ROW EXECUTE FUNCTION report_signed_is_final();
      CREATE TABLE report_addendum (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        referral_id uuid NOT NULL REFERENCES report(referral_id),
        author_id uuid NOT NULL REFERENCES app_user(id),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE plan_version (
        referral_id uuid NOT NULL REFERENCES referral(id),
        version int NOT NULL,
        content jsonb NOT NULL,
        disposition text NOT NULL CHECK ("disposition" IN ('manage_in_community', 'refer_up_outpatient', 'refer_up_inpatient', 'refer_up_emergency')),
        hub_appointment jsonb,
        changed_by uuid NOT NULL REFERENCES app_user(id),
        changed_at timestamptz NOT NULL,
        PRIMARY KEY (referral_id, version)
      );
      CREATE TABLE plan_signature (
        referral_id uuid NOT NULL,
        version int NOT NULL,
        signer_role text NOT NULL CHECK (signer_role IN ('community_doctor', 'specialist')),
        user_id uuid NOT NULL REFERENCES app_user(id),
        signed_at timestamptz NOT NULL,
        PRIMARY KEY (referral_id, version, signer_role),
        FOREIGN KEY (referral_id, version) REFERENCES plan_version(referral_id, version)
      );
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE plan_signature; DROP TABLE plan_version; DROP TABLE report_addendum;
      DROP TABLE report; DROP FUNCTION report_signed_is_final();`);
  }
}
