import type { MigrationInterface, QueryRunner } from 'typeorm';

// A registered workstation may be a C-MOVE destination (PS3.4 C.4.2): the hub connects to it at its address
// (`host`, which is also the address it associates from) and `port`. A port without an address names nothing.
export class DicomMoveDestination1765160000000 implements MigrationInterface {
  name = 'DicomMoveDestination1765160000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      ALTER TABLE dicom_ae
        ADD COLUMN port integer CHECK (port BETWEEN 1 AND 65535),
        ADD CONSTRAINT dicom_ae_port_needs_host CHECK (port IS NULL OR host IS NOT NULL)
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('ALTER TABLE dicom_ae DROP CONSTRAINT dicom_ae_port_needs_host, DROP COLUMN port');
  }
}
