import type { MigrationInterface, QueryRunner } from 'typeorm';

// A cart's own file (HL7 aECG, SCP-ECG, PDF, photo) converted to a DICOM instance is kept beside it, in the
// same content-addressed store, so that what the centre sent can always be had back byte for byte.
export class InstanceOriginal1765215000000 implements MigrationInterface {
  name = 'InstanceOriginal1765215000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE instance_original (
        instance_id uuid PRIMARY KEY REFERENCES instance(id) ON DELETE CASCADE,
        format text NOT NULL CHECK (format IN ('aecg', 'scp-ecg', 'pdf', 'jpeg', 'png')),
        media_type text NOT NULL,
        file_name text,
        sha256 text NOT NULL,
        size_bytes bigint NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX instance_original_sha256_idx ON instance_original (sha256);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE instance_original');
  }
}
