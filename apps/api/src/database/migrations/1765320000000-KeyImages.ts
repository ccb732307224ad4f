import type { MigrationInterface, QueryRunner } from 'typeorm';

// Key images: the frames the reader marks while reading a referral, each with the measurements made on it (as the
// viewer formatted them). They belong to the report: printed in its PDF, fixed once it is signed. One row per
// (referral, instance, frame): marking the same frame again replaces its measurements.
export class KeyImages1765320000000 implements MigrationInterface {
  name = 'KeyImages1765320000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE key_image (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        referral_id uuid NOT NULL REFERENCES referral(id),
        instance_id uuid NOT NULL REFERENCES instance(id),
        frame int NOT NULL CHECK (frame >= 1),
        measurements jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(measurements) = 'array'),
        created_by uuid NOT NULL REFERENCES app_user(id),
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        UNIQUE (referral_id, instance_id, frame)
      );
      CREATE INDEX key_image_instance_idx ON key_image (instance_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE key_image');
  }
}
