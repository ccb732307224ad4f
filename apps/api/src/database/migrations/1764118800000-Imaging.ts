import type { MigrationInterface, QueryRunner } from 'typeorm';

// Studies, series and instances indexed from stored DICOM files (the files themselves are
// content-addressed blobs on disk, named by SHA-256).
export class Imaging1764118800000 implements MigrationInterface {
  name = 'Imaging1764118800000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE study (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        study_instance_uid text NOT NULL UNIQUE,
        facility_id uuid NOT NULL REFERENCES facility(id),
        patient_id uuid REFERENCES patient(id),
        dicom_patient_id text,
        patient_name jsonb,
        patient_name_keys text[] NOT NULL DEFAULT '{}',
        patient_birth_date text,
        patient_sex text,
        study_date date,
        study_time text,
        accession_number text,
        study_id text,
        study_description text,
        modalities text[] NOT NULL DEFAULT '{}',
        series_count int NOT NULL DEFAULT 0,
        instance_count int NOT NULL DEFAULT 0,
        size_bytes bigint NOT NULL DEFAULT 0,
        metadata jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX study_facility_idx ON study (facility_id, study_date);
      CREATE INDEX study_date_idx ON study (study_date);
      CREATE INDEX study_accession_idx ON study (accession_number);
      CREATE INDEX study_dicom_patient_idx ON study (dicom_patient_id);
      CREATE INDEX study_patient_idx ON study (patient_id);
      CREATE INDEX study_modalities_idx ON study USING gin (modalities);
      CREATE TABLE series (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        study_id uuid NOT NULL REFERENCES study(id),
        series_instance_uid text NOT NULL UNIQUE,
        modality text,
        series_number int,
        series_description text,
        instance_count int NOT NULL DEFAULT 0,
        metadata jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX series_study_idx ON series (study_id, series_number);
      CREATE INDEX series_modality_idx ON series (modality);
      CREATE TABLE instance (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        study_id uuid NOT NULL REFERENCES study(id),
        series_id uuid NOT NULL REFERENCES series(id),
        sop_instance_uid text NOT NULL UNIQUE,
        sop_class_uid text NOT NULL,
        instance_number int,
        transfer_syntax_uid text NOT NULL,
        sha256 text NOT NULL,
        size_bytes bigint NOT NULL,
        rows int,
        columns int,
        number_of_frames int,
        pixel_data jsonb,
        metadata jsonb NOT NULL,
        created_by uuid REFERENCES app_user(id),
        created_at timestamptz NOT NULL DEFAULT now()
      );
      CREATE INDEX instance_series_idx ON instance (series_id, instance_number);
      CREATE INDEX instance_study_idx ON instance (study_id);
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query('DROP TABLE instance; DROP TABLE series; DROP TABLE study;');
  }
}
