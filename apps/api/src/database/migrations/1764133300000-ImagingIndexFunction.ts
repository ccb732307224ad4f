import type { MigrationInterface, QueryRunner } from 'typeorm';

// Indexing STOW-RS instances in one statement: the study, series and instance rows, their counts and
// the audit rows of the requests they came from. One round trip (and one commit) for any number of
// instances, from one request or several concurrent ones, with the statements' plans cached by
// PL/pgSQL instead of parsed and planned for every instance.
//
// items:  [{ i, j, study fields…, series fields…, instance fields… }], in the order the rows are to be
//   locked (by Study Instance UID, so that two calls never wait on each other in a cycle).
// jobs:   [{ facilityId, userId, actorId, actorRole, requestId, clientIp, refused }], one per request;
//   `refused` counts the parts the API refused before indexing, by reason code.
// levels: { study: [tags], series: [tags] }: which attributes of an instance's DICOM JSON the study
//   and series rows keep (the study also keeps every 0010xxxx Patient attribute); worked out only
//   when the row is created.
// audit:  false when the caller indexes a large request in several calls within one transaction and
//   audits it once at the end (imaging_audit_store).
// Returns one row per item: `i`, and `stored`, `already-stored` or a failure code, with the study and
// its patient for the first two.
export class ImagingIndexFunction1764133300000 implements MigrationInterface {
  name = 'ImagingIndexFunction1764133300000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      DROP FUNCTION IF EXISTS imaging_index_instances(jsonb, jsonb);

      CREATE OR REPLACE FUNCTION imaging_audit_store(a_job int[], a_item int[], a_study uuid[], a_patient uuid[],
                                                     a_result text[], jobs jsonb)
      RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        -- Per request: one row per study written to, then one row counting the refused parts.
        INSERT INTO audit_event (actor_id, actor_role, facility_id, action, resource_type, resource_id, patient_id,
                                 outcome, request_id, client_ip, details)
        SELECT j.ctx ->> 'actorId', j.ctx ->> 'actorRole', (j.ctx ->> 'facilityId')::uuid, 'study.store', 'study',
               x.study::text, x.patient, 'success', j.ctx ->> 'requestId', j.ctx ->> 'clientIp',
               jsonb_build_object('instancesStored', x.stored, 'instancesAlreadyStored', x.already)
          FROM (SELECT r.job, r.study, (array_agg(r.patient ORDER BY r.item))[1] AS patient, min(r.item) AS first,
                       count(*) FILTER (WHERE r.result = 'stored') AS stored,
                       count(*) FILTER (WHERE r.result = 'already-stored') AS already
                  FROM unnest(a_job, a_item, a_study, a_patient, a_result) AS r(job, item, study, patient, result)
                 WHERE r.study IS NOT NULL
                 GROUP BY r.job, r.study) x
          CROSS JOIN LATERAL (SELECT jobs -> x.job AS ctx) j
         ORDER BY x.job, x.first;

        INSERT INTO audit_event (actor_id, actor_role, facility_id, action, resource_type, resource_id, patient_id,
                                 outcome, request_id, client_ip, details)
        SELECT j.ctx ->> 'actorId', j.ctx ->> 'actorRole', (j.ctx ->> 'facilityId')::uuid, 'study.store', 'study',
               NULL, NULL, 'failed', j.ctx ->> 'requestId', j.ctx ->> 'clientIp', jsonb_build_object('refused', f.refused)
          FROM (SELECT g.job, jsonb_object_agg(g.code, g.n) AS refused
                  FROM (SELECT u.job, u.code, sum(u.n)::int AS n
                          FROM (SELECT r.job, r.result AS code, 1 AS n
                                  FROM unnest(a_job, a_study, a_result) AS r(job, study, result)
                                 WHERE r.study IS NULL
                                UNION ALL
                                SELECT (o.ord - 1)::int, e.key, e.value::int
                                  FROM jsonb_array_elements(jobs) WITH ORDINALITY AS o(job, ord)
                                  CROSS JOIN LATERAL jsonb_each_text(COALESCE(o.job -> 'refused', '{}'::jsonb)) AS e) u
                         GROUP BY u.job, u.code) g
                 GROUP BY g.job) f
          CROSS JOIN LATERAL (SELECT jobs -> f.job AS ctx) j
         ORDER BY f.job;
      END $$;

      CREATE OR REPLACE FUNCTION imaging_index_instances(items jsonb, jobs jsonb, levels jsonb, audit boolean)
      RETURNS TABLE (out_item int, out_result text, out_study uuid, out_patient uuid)
      LANGUAGE plpgsql AS $$
      DECLARE
        it jsonb;
        jb jsonb;
        fac uuid;
        v_study uuid;
        v_study_fac uuid;
        v_patient uuid;
        v_series uuid;
        v_series_study uuid;
        v_series_new boolean;
        v_instance uuid;
        v_old_sha text;
        v_old_study uuid;
        v_modality text;
        a_job int[] := '{}';
        a_item int[] := '{}';
        a_study uuid[] := '{}';
        a_patient uuid[] := '{}';
        a_result text[] := '{}';
      BEGIN
        FOR it IN SELECT value FROM jsonb_array_elements(items) LOOP
          jb := jobs -> ((it ->> 'j')::int);
          fac := (jb ->> 'facilityId')::uuid;
          out_item := (it ->> 'i')::int;
          out_study := NULL;
          out_patient := NULL;
          v_modality := it ->> 'modality';

          -- The study: locked when it exists (no new row version), else inserted.
          SELECT s.id, s.facility_id, s.patient_id INTO v_study, v_study_fac, v_patient
            FROM study s WHERE s.study_instance_uid = it ->> 'studyUid' FOR UPDATE;
          IF NOT FOUND THEN
            INSERT INTO study AS s (study_instance_uid, facility_id, patient_id, dicom_patient_id, patient_name,
                                    patient_name_keys, patient_birth_date, patient_sex, study_date, study_time,
                                    accession_number, study_id, study_description, metadata)
            VALUES (it ->> 'studyUid', fac,
                    (SELECT p.id FROM patient p WHERE p.home_facility_id = fac AND p.mrn = it ->> 'patientId'),
                    it ->> 'patientId', NULLIF(it -> 'patientName', 'null'::jsonb),
                    ARRAY(SELECT jsonb_array_elements_text(it -> 'nameKeys')),
                    it ->> 'birthDate', it ->> 'sex', (it ->> 'studyDate')::date, it ->> 'studyTime',
                    it ->> 'accessionNumber', it ->> 'studyId', it ->> 'studyDescription',
                    (SELECT COALESCE(jsonb_object_agg(m.key, m.value), '{}'::jsonb)
                       FROM jsonb_each(it -> 'metadata') AS m
                      WHERE m.key LIKE '0010%' OR levels -> 'study' ? m.key))
            ON CONFLICT (study_instance_uid) DO UPDATE SET updated_at = s.updated_at
            RETURNING s.id, s.facility_id, s.patient_id INTO v_study, v_study_fac, v_patient;
          END IF;
          IF v_study_fac <> fac THEN
            out_result := 'STUDY_OF_ANOTHER_CENTRE';
          ELSE
            SELECT se.id, se.study_id INTO v_series, v_series_study
              FROM series se WHERE se.series_instance_uid = it ->> 'seriesUid';
            v_series_new := NOT FOUND;
            IF v_series_new THEN
              INSERT INTO series AS se (study_id, series_instance_uid, modality, series_number, series_description, metadata)
              VALUES (v_study, it ->> 'seriesUid', v_modality, (it ->> 'seriesNumber')::int,
                      it ->> 'seriesDescription',
                      (SELECT COALESCE(jsonb_object_agg(m.key, m.value), '{}'::jsonb)
                         FROM jsonb_each(it -> 'metadata') AS m
                        WHERE levels -> 'series' ? m.key))
              ON CONFLICT (series_instance_uid) DO UPDATE SET instance_count = se.instance_count
              RETURNING se.id, se.study_id, (se.xmax = 0) INTO v_series, v_series_study, v_series_new;
            END IF;
            IF v_series_study <> v_study THEN
              out_result := 'SERIES_IN_ANOTHER_STUDY';
            ELSE
              v_instance := NULL;
              INSERT INTO instance (study_id, series_id, sop_instance_uid, sop_class_uid, instance_number,
                                    transfer_syntax_uid, sha256, size_bytes, rows, columns, number_of_frames,
                                    pixel_data, metadata, created_by)
              VALUES (v_study, v_series, it ->> 'sopInstanceUid', it ->> 'sopClassUid', (it ->> 'instanceNumber')::int,
                      it ->> 'transferSyntaxUid', it ->> 'sha256', (it ->> 'size')::bigint, (it ->> 'rows')::int,
                      (it ->> 'columns')::int, (it ->> 'numberOfFrames')::int, NULLIF(it -> 'pixel', 'null'::jsonb),
                      it -> 'metadata', (jb ->> 'userId')::uuid)
              ON CONFLICT (sop_instance_uid) DO NOTHING
              RETURNING id INTO v_instance;
              IF v_instance IS NULL THEN
                SELECT i.sha256, i.study_id INTO v_old_sha, v_old_study
                  FROM instance i WHERE i.sop_instance_uid = it ->> 'sopInstanceUid';
                IF v_old_sha = it ->> 'sha256' AND v_old_study = v_study THEN
                  out_result := 'already-stored';
                ELSE
                  out_result := 'DUPLICATE_SOP_INSTANCE';
                END IF;
              ELSE
                UPDATE series SET instance_count = instance_count + 1 WHERE id = v_series;
                UPDATE study
                   SET instance_count = instance_count + 1,
                       series_count = series_count + CASE WHEN v_series_new THEN 1 ELSE 0 END,
                       size_bytes = size_bytes + (it ->> 'size')::bigint,
                       modalities = CASE WHEN v_modality IS NULL OR v_modality = ANY (modalities) THEN modalities
                                         ELSE array_append(modalities, v_modality) END,
                       updated_at = now()
                 WHERE id = v_study;
                out_result := 'stored';
              END IF;
            END IF;
          END IF;
          IF out_result IN ('stored', 'already-stored') THEN
            out_study := v_study;
            out_patient := v_patient;
          END IF;
          a_job := a_job || (it ->> 'j')::int;
          a_item := a_item || out_item;
          a_study := a_study || out_study;
          a_patient := a_patient || out_patient;
          a_result := a_result || out_result;
          RETURN NEXT;
        END LOOP;

        IF audit THEN
          PERFORM imaging_audit_store(a_job, a_item, a_study, a_patient, a_result, jobs);
        END IF;
      END $$;
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(
      'DROP FUNCTION imaging_index_instances(jsonb, jsonb, jsonb, boolean); DROP FUNCTION imaging_audit_store(int[], int[], uuid[], uuid[], text[], jsonb);',
    );
  }
}
