import type { MigrationInterface, QueryRunner } from 'typeorm';

// A community centre's gateway signs in as a service account of its centre, never with a person's password: a long
// random credential shown once (only its hash kept), exchanged for short-lived access tokens; revoked, it stops.
export class ServiceAccounts1765340000000 implements MigrationInterface {
  name = 'ServiceAccounts1765340000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE service_account (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        facility_id uuid NOT NULL REFERENCES facility(id),
        name text NOT NULL,
        kind text NOT NULL DEFAULT 'gateway' CHECK (kind IN ('gateway')),
        secret_hash text NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        last_used_at timestamptz,
        revoked_at timestamptz
      );
      CREATE INDEX service_account_facility_idx ON service_account (facility_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE service_account');
  }
}
