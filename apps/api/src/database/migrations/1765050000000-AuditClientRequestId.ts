import type { MigrationInterface, QueryRunner } from 'typeorm';

// The request id of an audit row is the server's own. A client's X-Request-Id, when it is a valid
// id, is kept beside it for correlation with the client's logs, never in its place.
export class AuditClientRequestId1765050000000 implements MigrationInterface {
  name = 'AuditClientRequestId1765050000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_event ADD COLUMN client_request_id text`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE audit_event DROP COLUMN client_request_id`);
  }
}
