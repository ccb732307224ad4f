import type { MigrationInterface, QueryRunner } from 'typeorm';

// The patient's consent to remote diagnosis, recorded on the referral before it is submitted (the 2018
// telemedicine rules ask for it): a photographed or scanned signed form (kept here, read only through the
// referral's scope), or verbal consent given before a named witness. One record per referral; recording again
// replaces it while the referral is a draft.
//
// The referral rules now refuse to submit without consent (workflow version 2): every stored snapshot moves to
// version 2 with `hasConsent` false. Referrals already sent keep going; only drafts must record consent first.
export class ReferralConsent1765200000000 implements MigrationInterface {
  name = 'ReferralConsent1765200000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE referral_consent (
        referral_id uuid PRIMARY KEY REFERENCES referral(id),
        kind text NOT NULL CHECK (kind IN ('form', 'verbal')),
        form_data bytea,
        form_media_type text CHECK (form_media_type IN ('image/jpeg', 'image/png', 'application/pdf')),
        form_sha256 text,
        witness_name text,
        consented_at timestamptz,
        recorded_by uuid NOT NULL REFERENCES app_user(id),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT referral_consent_form_has_file CHECK (
          kind <> 'form' OR (form_data IS NOT NULL AND form_media_type IS NOT NULL AND form_sha256 IS NOT NULL)),
        CONSTRAINT referral_consent_verbal_has_witness CHECK (
          kind <> 'verbal' OR (witness_name IS NOT NULL AND consented_at IS NOT NULL AND form_data IS NULL))
      );
      UPDATE referral
         SET snapshot = jsonb_set(snapshot || '{"hasConsent": false}'::jsonb, '{workflowVersion}', '2'::jsonb),
             workflow_version = 2
       WHERE workflow_version = 1;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      UPDATE referral SET snapshot = jsonb_set(snapshot - 'hasConsent', '{workflowVersion}', '1'::jsonb),
             workflow_version = 1
       WHERE workflow_version = 2;
      DROP TABLE referral_consent;
    `);
  }
}
