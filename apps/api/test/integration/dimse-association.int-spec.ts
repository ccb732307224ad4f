import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { dcmtk } from '../support/dcmtk.js';
import { freePort } from '../support/ports.js';

// Association control and C-ECHO with dcmtk's echoscu as the real peer (PS3.8 7.1, PS3.7 A.4).
describe('DICOM association control and C-ECHO', () => {
  let t: TestApp;
  let admin: string;
  let port: number;
  let jianqiao: string;
  const echo = (calling: string, called = 'ZHIYIN') =>
    dcmtk('echoscu', ['-aet', calling, '-aec', called, '127.0.0.1', String(port)]);
  const denials = async () =>
    (
      await t.db.query<{ reason: string }>(
        `SELECT details->>'reason' AS reason FROM audit_event WHERE action = 'dicom.associate' AND outcome = 'denied' ORDER BY id`,
      )
    ).rows.map((r) => r.reason);

  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp({ DICOM_PORT: String(port) });
    admin = await t.login('admin');
    jianqiao = (await t.db.query<{ id: string }>(`SELECT id FROM facility WHERE code = 'HYJQ'`)).rows[0]!.id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('registers a modality AE to a centre (administrator only, audited) and refuses bad or taken titles', async () => {
    const doctor = await t.login('doc.hyjq');
    await expect(
      api(t, 'POST', '/api/dicom/aes', {
        token: doctor,
        body: { aeTitle: 'HYJQ_DR1', facilityId: jianqiao, kind: 'modality' },
      }),
    ).resolves.toMatchObject({ status: 403 });
    const created = await api(t, 'POST', '/api/dicom/aes', {
      token: admin,
      body: { aeTitle: 'HYJQ_DR1', facilityId: jianqiao, kind: 'modality', modality: 'DX' },
    });
    expect(created).toMatchObject({
      status: 201,
      body: { aeTitle: 'HYJQ_DR1', facilityId: jianqiao, kind: 'modality', modality: 'DX', host: null, active: true },
    });
    await expect(
      t.db.query(`SELECT 1 FROM audit_event WHERE action = 'dicom_ae.create' AND resource_id = $1`, [created.body.id]),
    ).resolves.toMatchObject({ rowCount: 1 });
    await expect(
      api(t, 'POST', '/api/dicom/aes', {
        token: admin,
        body: { aeTitle: 'HYJQ_DR1', facilityId: jianqiao, kind: 'modality' },
      }),
    ).resolves.toMatchObject({ status: 409, body: { error: { code: 'CONFLICT' } } });
    for (const aeTitle of ['BAD\\AE', 'A'.repeat(17), '   ', ''])
      await expect(
        api(t, 'POST', '/api/dicom/aes', { token: admin, body: { aeTitle, facilityId: jianqiao, kind: 'modality' } }),
      ).resolves.toMatchObject({ status: 400 });
    // A modality belongs to a community centre, not to the hub.
    const hub = (await t.db.query<{ id: string }>(`SELECT id FROM facility WHERE kind = 'hub' LIMIT 1`)).rows[0]!.id;
    await expect(
      api(t, 'POST', '/api/dicom/aes', {
        token: admin,
        body: { aeTitle: 'HUB_DR', facilityId: hub, kind: 'modality' },
      }),
    ).resolves.toMatchObject({ status: 400 });
    await expect(api(t, 'GET', '/api/dicom/aes', { token: admin })).resolves.toMatchObject({
      status: 200,
      body: [{ aeTitle: 'HYJQ_DR1' }],
    });
  });

  it('answers C-ECHO for a registered AE', async () => {
    await expect(echo('HYJQ_DR1')).resolves.toMatchObject({ code: 0 });
  });

  it('rejects an unknown calling AE and a wrong called AE at association, with the standard reasons, and audits it', async () => {
    const unknown = await echo('NOBODY');
    expect(unknown.code).not.toBe(0);
    expect(unknown.out).toMatch(/Calling AE Title Not Recognized/i);
    const wrongCalled = await echo('HYJQ_DR1', 'NOT_ZHIYIN');
    expect(wrongCalled.code).not.toBe(0);
    expect(wrongCalled.out).toMatch(/Called AE Title Not Recognized/i);
    await expect(denials()).resolves.toEqual(['calling_ae_not_recognized', 'called_ae_not_recognized']);
  });

  it('rejects a registered AE from another address than the registered one, and a deactivated AE', async () => {
    const other = await api(t, 'POST', '/api/dicom/aes', {
      token: admin,
      body: { aeTitle: 'HYJQ_US1', facilityId: jianqiao, kind: 'modality', modality: 'US', host: '192.0.2.10' },
    });
    expect(other.status).toBe(201);
    await expect(echo('HYJQ_US1')).resolves.toMatchObject({
      out: expect.stringMatching(/Calling AE Title Not Recognized/i),
    });
    await expect(
      api(t, 'PATCH', `/api/dicom/aes/${other.body.id}`, { token: admin, body: { host: '127.0.0.1' } }),
    ).resolves.toMatchObject({ status: 200, body: { host: '127.0.0.1' } });
    await expect(echo('HYJQ_US1')).resolves.toMatchObject({ code: 0 });
    await expect(
      api(t, 'PATCH', `/api/dicom/aes/${other.body.id}`, { token: admin, body: { active: false } }),
    ).resolves.toMatchObject({ status: 200, body: { active: false } });
    await expect(echo('HYJQ_US1')).resolves.toMatchObject({
      out: expect.stringMatching(/Calling AE Title Not Recognized/i),
    });
  });
});
