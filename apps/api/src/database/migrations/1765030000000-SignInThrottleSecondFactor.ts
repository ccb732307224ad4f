import type { MigrationInterface, QueryRunner } from 'typeorm';

// Sign-in throttling counted atomically per account, per account + address and per address (replacing
// the lockout by failure rows), the addresses a user last signed in from, and the second factor:
// TOTP secrets (encrypted), one-time recovery codes (hashed), sign-in challenges and the roles that
// must use it.
export class SignInThrottleSecondFactor1765030000000 implements MigrationInterface {
  name = 'SignInThrottleSecondFactor1765030000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE auth_throttle (
        scope text NOT NULL CHECK (scope IN ('account', 'account_address', 'patient_address', 'second_factor')),
        key_hash text NOT NULL,
        failures int NOT NULL DEFAULT 0,
        blocked_until timestamptz,
        last_failure_at timestamptz,
        PRIMARY KEY (scope, key_hash)
      );
      CREATE TABLE auth_known_address (
        user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        address_hash text NOT NULL,
        last_success_at timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, address_hash)
      );
      CREATE TABLE user_totp (
        user_id uuid PRIMARY KEY REFERENCES app_user(id) ON DELETE CASCADE,
        secret_enc bytea NOT NULL,
        enabled_at timestamptz,
        last_used_step bigint,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE TABLE user_recovery_code (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        code_hash text NOT NULL UNIQUE,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX user_recovery_code_user_idx ON user_recovery_code (user_id);
      CREATE TABLE auth_challenge (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_hash text NOT NULL UNIQUE,
        user_id uuid NOT NULL REFERENCES app_user(id) ON DELETE CASCADE,
        purpose text NOT NULL CHECK (purpose IN ('verify', 'enroll')),
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX auth_challenge_expires_idx ON auth_challenge (expires_at);
      CREATE TABLE second_factor_policy (
        role text PRIMARY KEY CHECK (role IN ('community_doctor', 'specialist', 'coordinator', 'admin')),
        required boolean NOT NULL,
        changed_by uuid REFERENCES app_user(id),
        changed_at timestamptz NOT NULL DEFAULT now()
      );
      DROP TABLE auth_failure;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE auth_failure (
        id bigserial PRIMARY KEY,
        kind text NOT NULL CHECK (kind IN ('password', 'patient_code')),
        subject_hash text NOT NULL,
        client_ip text,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX auth_failure_subject_idx ON auth_failure (kind, subject_hash, created_at);
      CREATE INDEX auth_failure_ip_idx ON auth_failure (kind, client_ip, created_at);
      DROP TABLE second_factor_policy; DROP TABLE auth_challenge; DROP TABLE user_recovery_code;
      DROP TABLE user_totp; DROP TABLE auth_known_address; DROP TABLE auth_throttle;
    `);
  }
}
