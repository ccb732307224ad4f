import type { MigrationInterface, QueryRunner } from 'typeorm';

// Studies indexed before dates were normalised: a Study Date stored in the ACR-NEMA form `YYYY.MM.DD` left the
// date column empty (no date query found the study), and `HH:MM:SS` times and dotted birth dates stayed as
// written. The metadata keeps the value as the file has it, so the index columns are rebuilt from it.
export class DottedDicomDates1765175000000 implements MigrationInterface {
  name = 'DottedDicomDates1765175000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DO $$
      DECLARE
        r record;
      BEGIN
        FOR r IN SELECT id, metadata -> '00080020' -> 'Value' ->> 0 AS da FROM study
                  WHERE study_date IS NULL AND metadata -> '00080020' -> 'Value' ->> 0 ~ '^\\s*\\d{4}\\.\\d{2}\\.\\d{2}\\s*$' LOOP
          BEGIN
            UPDATE study SET study_date = to_date(replace(trim(r.da), '.', ''), 'YYYYMMDD') WHERE id = r.id;
          EXCEPTION WHEN others THEN
            NULL; -- not a real date (month 13, day 32): it stays out of date matching
          END;
        END LOOP;
      END $$;
    `);
    await q.query(`
      UPDATE study SET study_time = replace(study_time, ':', '')
       WHERE study_time ~ '^\\d{2}:\\d{2}(:\\d{2}(\\.\\d{1,6})?)?$'
    `);
    await q.query(`
      UPDATE study SET patient_birth_date = replace(patient_birth_date, '.', '')
       WHERE patient_birth_date ~ '^\\d{4}\\.\\d{2}\\.\\d{2}$'
    `);
  }

  async down(): Promise<void> {
    // The normalised values are the standard's forms; there is nothing to restore.
  }
}
