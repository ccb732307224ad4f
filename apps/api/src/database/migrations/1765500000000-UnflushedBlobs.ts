import type { MigrationInterface, QueryRunner } from 'typeorm';

// The ingest commits an instance's index rows as soon as its file is whole under its name, while the file's
// flush to disk is still running (the two flushes overlap instead of queueing), and answers the client only
// once both are done. Each such file is named in blob_unflushed in the same statement as its rows, and
// unnamed once it is durable. A name still there after a crash is a file whose flush may not have reached the
// disk: the storage sweep reads it back and keeps it when its bytes hash to its name (then flushes it), or
// forgets the instances that name it (imaging_forget_lost) — their client was never told they were stored.
export class UnflushedBlobs1765500000000 implements MigrationInterface {
  name = 'UnflushedBlobs1765500000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE blob_unflushed (
        sha256 text PRIMARY KEY,
        since timestamptz NOT NULL DEFAULT now()
      );

      -- Unnames files now durable. The commit is not waited for on disk: losing it in a crash only makes the
      -- sweep read those files back once more.
      CREATE FUNCTION imaging_blobs_flushed(shas text[]) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM set_config('synchronous_commit', 'off', true);
        DELETE FROM blob_unflushed WHERE sha256 = ANY (shas);
      END $$;

      -- Forgets the instances whose file was lost (a crash before its flush, or a failed flush): their rows,
      -- their key images, the counts of their series and studies, a series left empty; one audit row per
      -- study. Returns the instances forgotten.
      CREATE FUNCTION imaging_forget_lost(shas text[]) RETURNS int LANGUAGE plpgsql AS $$
      DECLARE
        n int;
        v_series uuid[];
      BEGIN
        DELETE FROM key_image k USING instance i WHERE k.instance_id = i.id AND i.sha256 = ANY (shas);
        WITH gone AS (
               DELETE FROM instance i WHERE i.sha256 = ANY (shas)
               RETURNING i.study_id, i.series_id, i.size_bytes),
             per_series AS (
               SELECT g.series_id, count(*)::int AS n FROM gone g GROUP BY g.series_id),
             series_left AS (
               UPDATE series se SET instance_count = se.instance_count - p.n
                 FROM per_series p WHERE se.id = p.series_id
               RETURNING se.id),
             per_study AS (
               SELECT g.study_id, count(*)::int AS n, sum(g.size_bytes)::bigint AS bytes
                 FROM gone g GROUP BY g.study_id),
             studies AS (
               UPDATE study st
                  SET instance_count = st.instance_count - p.n,
                      size_bytes = st.size_bytes - p.bytes,
                      updated_at = now()
                 FROM per_study p WHERE st.id = p.study_id
               RETURNING st.id, st.facility_id, st.patient_id, p.n),
             audited AS (
               INSERT INTO audit_event (actor_id, actor_role, facility_id, action, resource_type, resource_id,
                                        patient_id, outcome, details)
               SELECT NULL, NULL, s.facility_id, 'study.store', 'study', s.id::text, s.patient_id, 'failed',
                      jsonb_build_object('reason', 'FILE_LOST', 'instancesForgotten', s.n)
                 FROM studies s
               RETURNING 1)
        SELECT COALESCE(sum(s.n), 0)::int, (SELECT array_agg(l.id) FROM series_left l) INTO n, v_series
          FROM studies s;
        -- A series left with no instance goes, as it never existed without one.
        WITH emptied AS (
               DELETE FROM series se WHERE se.id = ANY (v_series) AND se.instance_count <= 0
               RETURNING se.study_id)
        UPDATE study st SET series_count = st.series_count - e.k
          FROM (SELECT study_id, count(*)::int AS k FROM emptied GROUP BY study_id) e
         WHERE st.id = e.study_id;
        DELETE FROM blob_unflushed WHERE sha256 = ANY (shas);
        RETURN n;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP FUNCTION imaging_forget_lost(text[]); DROP FUNCTION imaging_blobs_flushed(text[]); DROP TABLE blob_unflushed;',
    );
  }
}
