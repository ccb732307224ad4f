import type { MigrationInterface, QueryRunner } from 'typeorm';

// Facilities, staff and patients, sign-in state and the append-only audit trail.
export class Foundation1764115200000 implements MigrationInterface {
  name = 'Foundation1764115200000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE facility (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        code text NOT NULL UNIQUE,
        kind text NOT NULL CHECK (kind IN ('hub', 'community')),
        name_zh text NOT NULL,
        name_en text NOT NULL,
        hub_id uuid REFERENCES facility(id),
        address text,
        phone text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE reading_centre (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        hub_id uuid NOT NULL REFERENCES facility(id),
        service text NOT NULL CHECK (service IN ('ECG', 'IMAGING')),
        name_zh text NOT NULL,
        name_en text NOT NULL,
        UNIQUE (hub_id, service)
      );
      CREATE TABLE app_user (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        username text NOT NULL UNIQUE,
        password_hash text NOT NULL,
        role text NOT NULL CHECK (role IN ('community_doctor', 'specialist', 'coordinator', 'admin')),
        facility_id uuid REFERENCES facility(id),
        specialty text CHECK (specialty IN ('radiology', 'cardiology')),
        reading_centre_id uuid REFERENCES reading_centre(id),
        display_name_zh text NOT NULL,
        display_name_en text NOT NULL,
        active boolean NOT NULL DEFAULT true,
        on_duty boolean NOT NULL DEFAULT false,
        failed_logins int NOT NULL DEFAULT 0,
        locked_until timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((role = 'specialist') = (specialty IS NOT NULL)),
        CHECK (role = 'admin' OR facility_id IS NOT NULL)
      );
      CREATE TABLE refresh_token (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user(id),
        family_id uuid NOT NULL,
        token_hash text NOT NULL UNIQUE,
        expires_at timestamptz NOT NULL,
        rotated_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX refresh_token_family_idx ON refresh_token (family_id);
      CREATE TABLE auth_failure (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('password', 'patient_code')),
        subject_hash text NOT NULL,
        client_ip text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX auth_failure_subject_idx ON auth_failure (kind, subject_hash, created_at);
      CREATE INDEX auth_failure_ip_idx ON auth_failure (kind, client_ip, created_at);
      CREATE TABLE patient (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        home_facility_id uuid NOT NULL REFERENCES facility(id),
        mrn text NOT NULL,
        family_name_zh text NOT NULL,
        given_name_zh text NOT NULL,
        name_pinyin text NOT NULL,
        pinyin_initials text NOT NULL,
        sex text NOT NULL CHECK (sex IN ('M', 'F', 'O', 'U')),
        birth_date date NOT NULL,
        phone text,
        national_id_enc bytea,
        national_id_hash text,
        national_id_masked text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        version int NOT NULL DEFAULT 1,
        UNIQUE (home_facility_id, mrn)
      );
      CREATE UNIQUE INDEX patient_national_id_hash_idx ON patient (national_id_hash) WHERE national_id_hash IS NOT NULL;
      CREATE INDEX patient_facility_name_idx ON patient (home_facility_id, family_name_zh, given_name_zh);
      CREATE INDEX patient_pinyin_idx ON patient (name_pinyin text_pattern_ops);
      CREATE INDEX patient_initials_idx ON patient (pinyin_initials text_pattern_ops);
      CREATE TABLE patient_access_code (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        patient_id uuid NOT NULL REFERENCES patient(id),
        code_hash text NOT NULL UNIQUE,
        issued_by uuid NOT NULL REFERENCES app_user(id),
        expires_at timestamptz NOT NULL,
        failed_attempts int NOT NULL DEFAULT 0,
        revoked_at timestamptz,
        last_used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE audit_event (
        id bigserial PRIMARY KEY,
        at timestamptz NOT NULL DEFAULT now(),
        actor_id text,
        actor_role text,
        facility_id uuid,
        action text NOT NULL,
        resource_type text NOT NULL,
        resource_id text,
        patient_id uuid,
        outcome text NOT NULL CHECK (outcome IN ('success', 'denied', 'not_found', 'failed')),
        request_id text,
        client_ip text,
        details jsonb
      );
      CREATE INDEX audit_event_at_idx ON audit_event (at);
      CREATE INDEX audit_event_patient_idx ON audit_event (patient_id, at) WHERE patient_id IS NOT NULL;
      CREATE INDEX audit_event_actor_idx ON audit_event (actor_id, at);
      CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_event is append-only: % is not allowed', TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$;
      CREATE TRIGGER audit_event_no_update_delete BEFORE UPDATE OR DELETE ON audit_event
        FOR EACH ROW EXECUTE FUNCTION audit_event_append_only();
      CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event
        FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only();
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP TABLE audit_event; DROP FUNCTION audit_event_append_only();
      DROP TABLE patient_access_code; DROP TABLE patient; DROP TABLE auth_failure; DROP TABLE refresh_token;
      DROP TABLE app_user; DROP TABLE reading_centre; DROP TABLE facility;
    `);
  }
}
