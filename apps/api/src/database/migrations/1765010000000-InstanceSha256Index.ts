import type { MigrationInterface, QueryRunner } from 'typeorm';

// The storage sweep asks, for each stored file, whether an instance row refers to it: by hash, so
// without this index every question would read the whole instance table.
export class InstanceSha256Index1765010000000 implements MigrationInterface {
  name = 'InstanceSha256Index1765010000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query('CREATE INDEX IF NOT EXISTS instance_sha256_idx ON instance (sha256)');
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP INDEX IF EXISTS instance_sha256_idx');
  }
}
