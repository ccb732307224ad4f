import type { MigrationInterface, QueryRunner } from 'typeorm';

// The batched audit rows of the ingest path (imaging_audit_store, called by imaging_index_instances) fill
// the same columns as AuditService's: the client's own request id (client_request_id, added after the
// function was written) was left empty on every study.store row. The function is redefined whole, as a
// migration must keep its meaning; its body is 1764133300000-ImagingIndexFunction's with that column added.
export class IngestAuditClientRequestId1765400000000 implements MigrationInterface {
  name = 'IngestAuditClientRequestId1765400000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE OR REPLACE FUNCTION imaging_audit_store(a_job int[], a_item int[], a_study uuid[], a_patient uuid[],
                                                     a_result text[], jobs jsonb)
      RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        -- Per request: one row per study written to, then one row counting the refused parts.
        INSERT INTO audit_event (actor_id, actor_role, facility_id, action, resource_type, resource_id, patient_id,
                                 outcome, request_id, client_request_id, client_ip, details)
        SELECT j.ctx ->> 'actorId', j.ctx ->> 'actorRole', (j.ctx ->> 'facilityId')::uuid, 'study.store', 'study',
               x.study::text, x.patient, 'success', j.ctx ->> 'requestId', j.ctx ->> 'clientRequestId', j.ctx ->> 'clientIp',
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
                                 outcome, request_id, client_request_id, client_ip, details)
        SELECT j.ctx ->> 'actorId', j.ctx ->> 'actorRole', (j.ctx ->> 'facilityId')::uuid, 'study.store', 'study',
               NULL, NULL, 'failed', j.ctx ->> 'requestId', j.ctx ->> 'clientRequestId', j.ctx ->> 'clientIp', jsonb_build_object('refused', f.refused)
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
    `);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`
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
    `);
  }
}
