import type { MigrationInterface, QueryRunner } from 'typeorm';

// The DICOM application entities the administrator registers: a calling AE title belongs to one
// centre, and acts with that centre's scope. Vocabularies are written here as literals.
export class DicomNetwork1765070000000 implements MigrationInterface {
  name = 'DicomNetwork1765070000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dicom_ae (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        -- PS3.5 AE: up to 16 characters of the default repertoire without backslash; stored trimmed.
        ae_title text NOT NULL UNIQUE
          CHECK (ae_title ~ '^[\\x20-\\x5b\\x5d-\\x7e]{1,16}$' AND ae_title = btrim(ae_title) AND ae_title <> ''),
        facility_id uuid NOT NULL REFERENCES facility(id),
        kind text NOT NULL CHECK (kind IN ('modality', 'workstation')),
        -- the modality it acquires (PS3.3 C.7.3.1.1.1 defined terms), for a modality
        modality text CHECK (modality IS NULL OR modality ~ '^[A-Z0-9]{1,16}$'),
        -- a hub workstation reads for one reading centre
        reading_centre_id uuid REFERENCES reading_centre(id),
        -- optional: the only network address this AE may associate from
        host inet,
        -- the character set of the names it is sent (modality worklist)
        character_set text NOT NULL DEFAULT 'ISO_IR 192' CHECK (character_set IN ('ISO_IR 192', 'GB18030')),
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK ((kind = 'workstation') = (reading_centre_id IS NOT NULL))
      );
      CREATE INDEX dicom_ae_facility_idx ON dicom_ae (facility_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE dicom_ae');
  }
}
