import type { MigrationInterface, QueryRunner } from 'typeorm';

// What the administrator manages: facilities can be deactivated (never deleted: referrals and
// users point at them), the turnaround policy is stored with every version kept (who changed it,
// when), and the audit trail can be filtered by action and by record quickly.
export class Admin1764129600000 implements MigrationInterface {
  name = 'Admin1764129600000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE facility ADD COLUMN active boolean NOT NULL DEFAULT true;
      ALTER TABLE facility ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

      -- One row per version; the highest version is the policy in force. Referrals created and
      -- timers scheduled after a change use it; timers already scheduled keep their due times.
      CREATE TABLE turnaround_policy (
        version int PRIMARY KEY CHECK (version > 0),
        policy jsonb NOT NULL,
        changed_by uuid NOT NULL REFERENCES app_user(id),
        changed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE FUNCTION turnaround_policy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'turnaround_policy keeps every version: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER turnaround_policy_no_update_delete BEFORE UPDATE OR DELETE ON turnaround_policy
        FOR EACH ROW EXECUTE FUNCTION turnaround_policy_append_only();

      CREATE INDEX audit_event_action_idx ON audit_event (action, id);
      CREATE INDEX audit_event_resource_idx ON audit_event (resource_type, resource_id, id);
      CREATE INDEX duty_shift_centre_idx ON duty_shift (reading_centre_id, starts_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP INDEX duty_shift_centre_idx; DROP INDEX audit_event_resource_idx; DROP INDEX audit_event_action_idx;
      DROP TABLE turnaround_policy; DROP FUNCTION turnaround_policy_append_only();
      ALTER TABLE facility DROP COLUMN updated_at; ALTER TABLE facility DROP COLUMN active;
    `);
  }
}
