import type { MigrationInterface, QueryRunner } from 'typeorm';

// The ingest's audit rows (imaging_audit_store) without the work of a refusal row when nothing was refused: the
// second INSERT ran for every request and found nothing to write in almost all of them, for a share of the
// index statement's database time. Same rows as 1765400000000-IngestAuditClientRequestId's; `down` restores it.

const HEAD = `
      CREATE OR REPLACE FUNCTION imaging_audit_store(a_job int[], a_item int[], a_study uuid[], a_patient uuid[],
                                                     a_result text[], jobs jsonb)
      RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        -- Per request: one row per study written to, then one row counting the refused parts.
`;
// Per request: one row per study written to.
const STORED_ROWS = `        INSERT INTO audit_event (actor_id, actor_role, facility_id, action, resource_type, resource_id, patient_id,
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

`;
// Then one row counting the refused parts: those the index refused (no study) and those the API refused first.
const REFUSED_ROWS = `        INSERT INTO audit_event (actor_id, actor_role, facility_id, action, resource_type, resource_id, patient_id,
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
`;
const TAIL = `      END $$;`;

export class IngestAuditRefusedOnly1765600000000 implements MigrationInterface {
  name = 'IngestAuditRefusedOnly1765600000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`${HEAD}${STORED_ROWS}
        IF array_position(a_study, NULL) IS NOT NULL OR jsonb_path_exists(jobs, '$[*].refused.keyvalue()') THEN
${REFUSED_ROWS}        END IF;
${TAIL}`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`${HEAD}${STORED_ROWS}${REFUSED_ROWS}${TAIL}`);
  }
}
