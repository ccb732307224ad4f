import { api, startTestApp, type TestApp } from '../support/test-app.js';

describe('audit trail', () => {
  let t: TestApp;
  let doc: string;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    [doc, admin] = await Promise.all([t.login('doc.hyjq'), t.login('admin')]);
  });
  afterAll(async () => {
    await t.close();
  });

  const rowsFor = async (action: string, patientId?: string) =>
    (
      await t.db.query(
        `SELECT * FROM audit_event WHERE action = $1 AND ($2::uuid IS NULL OR patient_id = $2) ORDER BY id`,
        [action, patientId ?? null],
      )
    ).rows;

  it('writes a row with who, role, centre, request id and address for every patient write and read', async () => {
    const created = await api(t, 'POST', '/api/patients', {
      token: doc,
      headers: { 'x-request-id': 'req-create-0001' },
      body: { mrn: 'BJCY300001', familyNameZh: '钱', givenNameZh: '学森', sex: 'M', birthDate: '1951-12-11' },
    });
    const id = created.body.id as string;
    await api(t, 'GET', `/api/patients/${id}`, { token: doc });
    await api(t, 'PATCH', `/api/patients/${id}`, { token: doc, body: { phone: '13512345678', version: 1 } });
    await api(t, 'GET', `/api/patients?q=qxs`, { token: doc });
    await api(t, 'POST', `/api/patients/${id}/access-codes`, { token: doc });

    const [create] = await rowsFor('patient.create', id);
    expect(create).toMatchObject({
      actor_role: 'community_doctor',
      facility_id: created.body.homeFacilityId,
      resource_type: 'patient',
      resource_id: id,
      outcome: 'success',
      // The server's own request id; the client's is kept beside it.
      request_id: created.headers.get('x-request-id'),
      client_request_id: 'req-create-0001',
    });
    expect(create.client_ip).toMatch(/127\.0\.0\.1/);
    expect(await rowsFor('patient.read', id)).toHaveLength(1);
    const [update] = await rowsFor('patient.update', id);
    expect(update.details).toEqual({ fields: ['phone'] });
    expect(await rowsFor('patient.search', id)).toHaveLength(1);
    expect(await rowsFor('patient.access_code.issue', id)).toHaveLength(1);
    // Nothing identifying in the audit details.
    const all = JSON.stringify((await t.db.query('SELECT details FROM audit_event')).rows);
    expect(all).not.toMatch(/钱|学森|13512345678|1951-12-11/);
  });

  it("records a refused read of a patient outside the caller's scope", async () => {
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJHD107919'`);
    const res = await api(t, 'GET', `/api/patients/${rows[0].id}`, { token: doc });
    expect(res.status).toBe(404);
    const denied = await t.db.query(
      `SELECT outcome FROM audit_event WHERE action = 'patient.read' AND resource_id = $1`,
      [rows[0].id],
    );
    expect(denied.rows).toEqual([{ outcome: 'not_found' }]);
  });

  it('refuses UPDATE, DELETE and TRUNCATE at the database', async () => {
    const before = await t.db.query('SELECT count(*)::int AS n FROM audit_event');
    expect(before.rows[0].n).toBeGreaterThan(0);
    await expect(t.db.query(`UPDATE audit_event SET outcome = 'failed'`)).rejects.toThrow(/append-only/);
    await expect(t.db.query('DELETE FROM audit_event')).rejects.toThrow(/append-only/);
    await expect(t.db.query('TRUNCATE audit_event')).rejects.toThrow(/append-only/);
    const after = await t.db.query('SELECT count(*)::int AS n FROM audit_event');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('lets an administrator query the trail by patient and action, newest first', async () => {
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY300001'`);
    const res = await api(t, 'GET', `/api/audit?patientId=${rows[0].id}&limit=50`, { token: admin });
    expect(res.status).toBe(200);
    const actions = res.body.items.map((e: { action: string }) => e.action);
    expect(actions[actions.length - 1]).toBe('patient.create');
    expect(actions).toEqual(expect.arrayContaining(['patient.read', 'patient.update', 'patient.search']));
    const onlyReads = await api(t, 'GET', `/api/audit?patientId=${rows[0].id}&action=patient.read`, { token: admin });
    expect(onlyReads.body.items.every((e: { action: string }) => e.action === 'patient.read')).toBe(true);
    expect((await api(t, 'GET', '/api/audit?from=notadate', { token: admin })).status).toBe(400);
  });
});
