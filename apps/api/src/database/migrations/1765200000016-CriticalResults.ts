import type { MigrationInterface, QueryRunner } from 'typeorm';

// Its CHECK constraints name the vocabularies' values as they were when it was written, as literals (see the
// Referrals migration).
//
// Critical results (危急值): one row per finding a reader reported, carrying every step's time and
// person (raised, read back, escalated, closed), so the loop can be shown and counted; the phone
// calls a coordinator logs are kept, never changed; the network's list of critical findings and
// the read-back limit are stored with every version kept, like the turnaround policy.
export class CriticalResults1765200000016 implements MigrationInterface {
  name = 'CriticalResults1765200000016';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE critical_result (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        referral_id uuid NOT NULL REFERENCES referral(id),
        service text NOT NULL CHECK ("service" IN ('ECG', 'IMAGING')),
        finding_code text NOT NULL,
        finding_zh text NOT NULL,
        finding_en text NOT NULL,
        note text CHECK (length(note) <= 2000),
        state text NOT NULL CHECK ("state" IN ('raised', 'confirmed', 'escalated', 'closed')),
        raised_by uuid NOT NULL REFERENCES app_user(id),
        raised_at timestamptz NOT NULL,
        confirm_due_at timestamptz NOT NULL,
        confirmed_by uuid REFERENCES app_user(id),
        confirmed_at timestamptz,
        read_back text,
        planned_action text CHECK (length(planned_action) <= 2000),
        escalated_at timestamptz,
        closed_by uuid REFERENCES app_user(id),
        closed_at timestamptz,
        CHECK ((state = 'confirmed') = (confirmed_at IS NOT NULL)),
        CHECK ((state = 'closed') = (closed_at IS NOT NULL))
      );
      CREATE INDEX critical_result_referral_idx ON critical_result (referral_id, raised_at);
      -- what the escalation sweep reads: the unconfirmed ones, by due time
      CREATE INDEX critical_result_due_idx ON critical_result (confirm_due_at) WHERE state = 'raised';
      CREATE INDEX critical_result_raised_idx ON critical_result (raised_at);

      CREATE TABLE critical_result_call (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        critical_result_id uuid NOT NULL REFERENCES critical_result(id),
        caller_id uuid NOT NULL REFERENCES app_user(id),
        callee text NOT NULL CHECK (length(callee) BETWEEN 1 AND 200),
        called_at timestamptz NOT NULL,
        reached boolean NOT NULL,
        read_back text CHECK (length(read_back) <= 200),
        note text CHECK (length(note) <= 2000),
        recorded_at timestamptz NOT NULL DEFAULT now(),
        CHECK (reached OR read_back IS NULL)
      );
      CREATE INDEX critical_result_call_idx ON critical_result_call (critical_result_id, called_at);
      CREATE FUNCTION critical_result_call_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'critical_result_call keeps every call: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER critical_result_call_no_update_delete BEFORE UPDATE OR DELETE ON critical_result_call
        FOR EACH ROW EXECUTE FUNCTION critical_result_call_append_only();

      CREATE TABLE critical_result_policy (
        version int PRIMARY KEY CHECK (version > 0),
        policy jsonb NOT NULL,
        changed_by uuid NOT NULL REFERENCES app_user(id),
        changed_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE FUNCTION critical_result_policy_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'critical_result_policy keeps every version: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER critical_result_policy_no_update_delete BEFORE UPDATE OR DELETE ON critical_result_policy
        FOR EACH ROW EXECUTE FUNCTION critical_result_policy_append_only();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE critical_result_policy; DROP FUNCTION critical_result_policy_append_only();
      DROP TABLE critical_result_call; DROP FUNCTION critical_result_call_append_only();
      DROP TABLE critical_result;
    `);
  }
}
