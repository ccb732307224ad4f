import type { MigrationInterface, QueryRunner } from 'typeorm';

// The CHECK constraints name the vocabularies' values as they were when this migration was written, as literals: an
// applied migration must not change meaning when a value is added to the vocabulary later (that takes a new migration).
// A test compares the live constraints with the current vocabularies.
//
// Referrals with their rules snapshot, append-only history, doctor-to-doctor messages, timers,
// the event outbox (delivered after commit, replayable by id), presence and duty rosters.
export class Referrals1764122400000 implements MigrationInterface {
  name = 'Referrals1764122400000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE SEQUENCE referral_number_seq;
      CREATE TABLE referral (
        id uuid PRIMARY KEY,
        number text NOT NULL UNIQUE,
        direction text NOT NULL CHECK ("direction" IN ('up', 'down')),
        state text NOT NULL CHECK ("state" IN ('draft', 'submitted', 'offered', 'accepted', 'in_review', 'info_requested', 'reported', 'plan_agreed', 'acknowledged', 'closed', 'cancelled')),
        service text NOT NULL CHECK ("service" IN ('ECG', 'IMAGING')),
        modality text,
        priority text NOT NULL CHECK ("priority" IN ('STAT', 'URGENT', 'ROUTINE')),
        priority_rank int NOT NULL,
        patient_id uuid NOT NULL REFERENCES patient(id),
        origin_facility_id uuid NOT NULL REFERENCES facility(id),
        destination_facility_id uuid REFERENCES facility(id),
        created_by uuid NOT NULL REFERENCES app_user(id),
        assignee_id uuid REFERENCES app_user(id),
        offered_to uuid REFERENCES app_user(id),
        clinical_question text,
        history text,
        parent_referral_id uuid REFERENCES referral(id),
        workflow_version int NOT NULL,
        snapshot jsonb NOT NULL,
        submitted_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        row_version int NOT NULL DEFAULT 1
      );
      CREATE INDEX referral_queue_idx ON referral (service, state, priority_rank, submitted_at);
      CREATE INDEX referral_origin_idx ON referral (origin_facility_id, created_at);
      CREATE INDEX referral_assignee_idx ON referral (assignee_id, state);
      CREATE INDEX referral_patient_idx ON referral (patient_id);
      ALTER TABLE study ADD COLUMN referral_id uuid REFERENCES referral(id);
      CREATE INDEX study_referral_idx ON study (referral_id);

      CREATE TABLE referral_event (
        id bigserial PRIMARY KEY,
        referral_id uuid NOT NULL REFERENCES referral(id),
        at timestamptz NOT NULL,
        event text NOT NULL,
        from_state text,
        to_state text NOT NULL,
        actor_id text NOT NULL,
        actor_role text NOT NULL,
        workflow_version int NOT NULL,
        details jsonb NOT NULL DEFAULT '{}'
      );
      CREATE INDEX referral_event_referral_idx ON referral_event (referral_id, id);
      CREATE FUNCTION referral_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'referral_event is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER referral_event_no_update_delete BEFORE UPDATE OR DELETE ON referral_event
        FOR EACH ROW EXECUTE FUNCTION referral_event_append_only();

      CREATE TABLE message (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        referral_id uuid NOT NULL REFERENCES referral(id),
        author_id uuid NOT NULL REFERENCES app_user(id),
        author_role text NOT NULL,
        kind text NOT NULL DEFAULT 'message' CHECK (kind IN ('message', 'question', 'answer')),
        body text NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX message_referral_idx ON message (referral_id, created_at);

      -- Timers of the referral rules: PostgreSQL-backed, so they survive restarts and every API node
      -- can run them (claimed with FOR UPDATE SKIP LOCKED).
      CREATE TABLE scheduled_job (
        id bigserial PRIMARY KEY,
        kind text NOT NULL,
        referral_id uuid NOT NULL REFERENCES referral(id),
        due_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (referral_id, kind)
      );
      CREATE INDEX scheduled_job_due_idx ON scheduled_job (due_at);

      -- Real-time events, written in the same transaction as the change they announce, delivered
      -- after commit in id order, and replayable with GET /api/events?after=<id>.
      CREATE TABLE outbox (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        event text NOT NULL,
        rooms text[] NOT NULL,
        payload jsonb NOT NULL,
        delivered_at timestamptz
      );
      CREATE INDEX outbox_undelivered_idx ON outbox (id) WHERE delivered_at IS NULL;
      CREATE INDEX outbox_rooms_idx ON outbox USING gin (rooms);

      CREATE TABLE presence (
        socket_id text PRIMARY KEY,
        user_id uuid NOT NULL REFERENCES app_user(id),
        node_id text NOT NULL,
        connected_at timestamptz NOT NULL DEFAULT now(),
        last_seen timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX presence_user_idx ON presence (user_id, last_seen);

      CREATE TABLE duty_shift (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user(id),
        reading_centre_id uuid NOT NULL REFERENCES reading_centre(id),
        starts_at timestamptz NOT NULL,
        ends_at timestamptz NOT NULL,
        CHECK (ends_at > starts_at)
      );
      CREATE INDEX duty_shift_user_idx ON duty_shift (user_id, starts_at, ends_at);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE duty_shift; DROP TABLE presence; DROP TABLE outbox; DROP TABLE scheduled_job; DROP TABLE message;
      DROP TABLE referral_event; DROP FUNCTION referral_event_append_only();
      ALTER TABLE study DROP COLUMN referral_id; DROP TABLE referral; DROP SEQUENCE referral_number_seq;
    `);
  }
}
