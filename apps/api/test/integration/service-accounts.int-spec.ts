import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { io } from 'socket.io-client';
import { CT_SLICE, sample, stow } from '../support/dicom-files.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

const TUS = { 'Tus-Resumable': '1.0.0' };

// A community centre's gateway signs in with a service account's credential and may upload and read its centre's
// worklist — nothing else.
describe('gateway service accounts', () => {
  let t: TestApp;
  let admin: string;
  let jianqiao: string;
  let hub: string;
  let created: { id: string; credential: string };

  const exchange = (credential: string) => api(t, 'POST', '/api/auth/service-token', { body: { credential } });

  async function tusUpload(token: string, file: Buffer, metadata: Record<string, string> = {}) {
    const meta = Object.entries(metadata)
      .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
      .join(',');
    const post = await fetch(`${t.url}/api/uploads`, {
      method: 'POST',
      headers: {
        ...TUS,
        authorization: `Bearer ${token}`,
        'Upload-Length': String(file.length),
        ...(meta ? { 'Upload-Metadata': meta } : {}),
      },
    });
    if (post.status !== 201) return { status: post.status, body: await post.text() };
    const location = new URL(post.headers.get('location')!, `${t.url}/api/uploads`).toString();
    const patch = await fetch(location, {
      method: 'PATCH',
      headers: {
        ...TUS,
        authorization: `Bearer ${token}`,
        'Upload-Offset': '0',
        'Content-Type': 'application/offset+octet-stream',
      },
      body: new Uint8Array(file),
    });
    return { status: patch.status, body: await patch.text() };
  }

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login('admin');
    const f = async (code: string) =>
      (await t.db.query<{ id: string }>(`SELECT id FROM facility WHERE code = $1`, [code])).rows[0]!.id;
    jianqiao = await f('HYJQ');
    hub = (await t.db.query<{ id: string }>(`SELECT id FROM facility WHERE kind = 'hub' LIMIT 1`)).rows[0]!.id;
    const res = await api(t, 'POST', '/api/service-accounts', {
      token: admin,
      body: { facilityId: jianqiao, name: '建桥社区网关' },
    });
    expect(res.status).toBe(201);
    created = res.body;
  });

  afterAll(() => t.close());

  it('is created by the administrator alone, with a long credential shown once and stored hashed', async () => {
    expect(created.credential).toMatch(/^zsa\.[0-9a-f-]{36}\.[A-Za-z0-9_-]{43}$/);
    const secret = created.credential.split('.')[2]!;
    const { rows } = await t.db.query<{ secret_hash: string }>(
      'SELECT secret_hash FROM service_account WHERE id = $1',
      [created.id],
    );
    expect(rows[0]!.secret_hash).toBe(createHash('sha256').update(secret).digest('hex'));
    expect(rows[0]!.secret_hash).not.toContain(secret);
    const listed = await api(t, 'GET', '/api/service-accounts', { token: admin });
    expect(listed.status).toBe(200);
    expect(JSON.stringify(listed.body)).not.toContain(secret);
    const doctor = await t.login('doc.hyjq');
    expect(
      (await api(t, 'POST', '/api/service-accounts', { token: doctor, body: { facilityId: jianqiao, name: 'x' } }))
        .status,
    ).toBe(403);
    // only a community centre has a gateway
    expect(
      (await api(t, 'POST', '/api/service-accounts', { token: admin, body: { facilityId: hub, name: 'x' } })).status,
    ).toBe(400);
    const audit = await t.db.query(
      `SELECT 1 FROM audit_event WHERE action = 'service_account.create' AND resource_id = $1`,
      [created.id],
    );
    expect(audit.rowCount).toBe(1);
  });

  it('exchanges the credential for a short-lived token; a wrong credential gets 401', async () => {
    const ok = await exchange(created.credential);
    expect(ok.status).toBe(200);
    expect(ok.body.expiresIn).toBeGreaterThan(0);
    expect(typeof ok.body.accessToken).toBe('string');
    const wrong = created.credential.slice(0, -4) + 'AAAA';
    expect((await exchange(wrong)).status).toBe(401);
    expect((await exchange('doc.hyjq')).status).toBe(401);
  });

  it('uploads (tus and STOW-RS) and reads its centre’s worklist', async () => {
    const { accessToken } = (await exchange(created.credential)).body;
    const up = await tusUpload(accessToken, sample(CT_SLICE));
    expect(up.status).toBe(200);
    // the same instance again: stored once, answered as a success
    const again = await tusUpload(accessToken, sample(CT_SLICE));
    expect(again.status).toBe(200);
    expect(JSON.parse(again.body)['00081198']).toBeUndefined();
    const { rows } = await t.db.query<{ n: string }>(
      `SELECT count(*) AS n FROM instance i JOIN study s ON s.id = i.study_id WHERE s.facility_id = $1
          AND i.sop_instance_uid = (SELECT sop_instance_uid FROM instance ORDER BY created_at DESC LIMIT 1)`,
      [jianqiao],
    );
    expect(rows[0]!.n).toBe('1');
    expect((await stow(t.url, accessToken, [sample(CT_SLICE)])).status).toBe(200);
    const worklist = await api(t, 'GET', '/api/gateway/worklist', { token: accessToken });
    expect(worklist.status).toBe(200);
    expect(Array.isArray(worklist.body.items)).toBe(true);
    const audit = await t.db.query(`SELECT 1 FROM audit_event WHERE action = 'worklist.read' AND actor_id = $1`, [
      created.id,
    ]);
    expect(audit.rowCount).toBe(1);
    // the trail names the gateway as what it is, not as the doctor whose scope it acts with
    const roles = await t.db.query<{ action: string; actor_role: string }>(
      `SELECT DISTINCT action, actor_role FROM audit_event WHERE actor_id = $1 ORDER BY action`,
      [created.id],
    );
    expect(roles.rows.map((r) => r.action)).toEqual(expect.arrayContaining(['study.store', 'worklist.read']));
    expect(new Set(roles.rows.map((r) => r.actor_role))).toEqual(new Set(['gateway']));
  });

  it('takes a deflated upload for the link, keeps the original byte for byte, and refuses bytes that are not it', async () => {
    const { accessToken } = (await exchange(created.credential)).body;
    const original = sample('synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/DX_3_001.dcm');
    const sha256 = createHash('sha256').update(original).digest('hex');
    const deflated = deflateSync(original);
    expect(deflated.length).toBeLessThan(original.length);
    const up = await tusUpload(accessToken, deflated, { encoding: 'deflate', sha256 });
    expect(up.status).toBe(200);
    const { rows } = await t.db.query<{ sha256: string; size_bytes: string }>(
      'SELECT sha256, size_bytes FROM instance WHERE sha256 = $1',
      [sha256],
    );
    expect(rows).toHaveLength(1);
    expect(Number(rows[0]!.size_bytes)).toBe(original.length);
    // a link that changed a byte: nothing stored, the sender is told to send again
    const damaged = Buffer.from(original);
    damaged[damaged.length - 10] = damaged[damaged.length - 10]! ^ 0xff;
    const bad = await tusUpload(accessToken, deflateSync(damaged), {
      encoding: 'deflate',
      sha256: createHash('sha256').update(Buffer.from('x')).digest('hex'),
    });
    expect(bad.status).toBe(422);
    expect(JSON.parse(bad.body).error.code).toBe('CHECKSUM_MISMATCH');
    expect((await tusUpload(accessToken, original, { encoding: 'br' })).status).toBe(415);
  });

  it('can do nothing else: no referral, patient, study, query, event, user or admin route', async () => {
    const { accessToken } = (await exchange(created.credential)).body;
    for (const path of [
      '/api/referrals',
      '/api/patients?q=孙',
      '/api/studies/1.2.3/filing',
      '/dicomweb/studies',
      '/api/events',
      '/api/users',
      '/api/service-accounts',
      '/api/dicom/aes',
      '/api/audit',
      '/api/auth/me',
    ]) {
      const res = await api(t, 'GET', path, { token: accessToken });
      expect([path, res.status]).toEqual([path, 403]);
    }
    // nor does it open the real-time socket (the centre's events)
    const socket = io(t.url, {
      path: '/socket.io',
      auth: { token: accessToken },
      transports: ['websocket'],
      reconnection: false,
    });
    await expect(
      new Promise((resolve, reject) => {
        socket.once('connect', () => resolve('connected'));
        socket.once('connect_error', (err) => reject(err));
      }),
    ).rejects.toThrow();
    socket.close();
    // a person of the centre does not read the gateway's worklist route
    const doctor = await t.login('doc.hyjq');
    expect((await api(t, 'GET', '/api/gateway/worklist', { token: doctor })).status).toBe(403);
  });

  it('is revoked: its credential and tokens stop at once', async () => {
    const { accessToken } = (await exchange(created.credential)).body;
    const revoked = await api(t, 'POST', `/api/service-accounts/${created.id}/revoke`, { token: admin });
    expect(revoked.status).toBe(200);
    expect(revoked.body).toMatchObject({ id: created.id, revokedAt: expect.any(String) });
    expect(
      (await api(t, 'POST', '/api/service-accounts/00000000-0000-4000-8000-0000000000a1/revoke', { token: admin }))
        .status,
    ).toBe(404);
    expect((await exchange(created.credential)).status).toBe(401);
    expect((await api(t, 'GET', '/api/gateway/worklist', { token: accessToken })).status).toBe(401);
    expect((await tusUpload(accessToken, sample(CT_SLICE))).status).toBe(401);
    const audit = await t.db.query(
      `SELECT 1 FROM audit_event WHERE action = 'service_account.revoke' AND resource_id = $1`,
      [created.id],
    );
    expect(audit.rowCount).toBe(1);
  });
});
