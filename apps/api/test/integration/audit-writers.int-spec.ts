import { CT_SLICE, multipart, sample } from '../support/dicom-files.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// Audit rows have three writers: AuditService (every use case), and two batched statements of the imaging
// path that commit the row with the work it records — the ingest's imaging_audit_store (study.store, called
// by imaging_index_instances) and the retrieve's CTE in ImagingRepository.findForRetrieve (study.retrieve).
// Each must fill the same columns, the hash chain included, or the trail reads differently by path.
const COLUMNS = [
  'actor_id',
  'actor_role',
  'facility_id',
  'action',
  'resource_type',
  'resource_id',
  'patient_id',
  'outcome',
  'request_id',
  'client_request_id',
  'client_ip',
  'details',
  'chain_seq',
  'hash',
] as const;

type AuditRow = Record<(typeof COLUMNS)[number] | 'at', unknown>;

describe('audit rows written by the service and by the batched imaging statements', () => {
  let t: TestApp;
  let doc: string;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
    admin = await t.login('admin');
  });
  afterAll(() => t.close());

  const rowOf = async (clientRequestId: string, action: string): Promise<AuditRow> => {
    const { rows } = await t.db.query<AuditRow>(
      `SELECT at, ${COLUMNS.join(', ')} FROM audit_event WHERE client_request_id = $1 AND action = $2`,
      [clientRequestId, action],
    );
    expect(rows).toHaveLength(1);
    return rows[0]!;
  };
  const filled = (r: AuditRow) => COLUMNS.filter((c) => r[c] !== null && r[c] !== undefined);

  it('fills the same columns, the client’s request id and the chain included', async () => {
    // The service: a patient's record read.
    const { rows: patients } = await t.db.query<{ id: string }>(
      `SELECT p.id FROM patient p JOIN facility f ON f.id = p.home_facility_id WHERE f.code = 'HYJQ' LIMIT 1`,
    );
    const read = await api(t, 'GET', `/api/patients/${patients[0]!.id}`, {
      token: doc,
      headers: { 'x-request-id': 'client-read-0001' },
    });
    expect(read.status).toBe(200);
    const byService = await rowOf('client-read-0001', 'patient.read');

    // The ingest batch: STOW-RS of one instance.
    const { body, contentType } = multipart([sample(CT_SLICE)]);
    const stored = await fetch(`${t.url}/dicomweb/studies`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${doc}`,
        'content-type': contentType,
        accept: 'application/dicom+json',
        'x-request-id': 'client-store-0001',
      },
      body,
    });
    expect(stored.status).toBe(200);
    const byIngest = await rowOf('client-store-0001', 'study.store');

    // The retrieve batch: WADO-RS of the study just stored.
    const { rows: studies } = await t.db.query<{ uid: string }>(
      `SELECT study_instance_uid AS uid FROM study WHERE id = $1::uuid`,
      [byIngest.resource_id],
    );
    const retrieved = await fetch(`${t.url}/dicomweb/studies/${studies[0]!.uid}`, {
      headers: {
        authorization: `Bearer ${doc}`,
        accept: 'multipart/related; type="application/dicom"',
        'x-request-id': 'client-retrieve-0001',
      },
    });
    expect(retrieved.status).toBe(200);
    await retrieved.arrayBuffer();
    const byRetrieve = await rowOf('client-retrieve-0001', 'study.retrieve');

    // Every column but the details (which a plain read has none of) is filled by each writer.
    const everyColumn = COLUMNS.filter((c) => c !== 'details');
    for (const r of [byService, byIngest, byRetrieve]) expect(filled(r)).toEqual(expect.arrayContaining(everyColumn));
    for (const r of [byIngest, byRetrieve]) {
      expect(r).toMatchObject({
        actor_id: byService.actor_id,
        actor_role: byService.actor_role,
        facility_id: byService.facility_id,
        client_ip: byService.client_ip,
        outcome: 'success',
        resource_type: 'study',
      });
      // The server's own request id, never the client's.
      expect(r.request_id).not.toBe(r.client_request_id);
    }

    const verified = await api(t, 'GET', '/api/audit/verify', { token: admin });
    expect(verified.status).toBe(200);
    expect(verified.body).toMatchObject({ ok: true, firstBroken: null });
  });
});
