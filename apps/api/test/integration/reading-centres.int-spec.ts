import { Listener } from '../support/realtime.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// The administrator renames the hub's reading centres: validated, audited, only by the administrator,
// and the new name reaches the board and the specialists of the pool at once.
describe('reading centres: renaming', () => {
  let t: TestApp;
  let admin: string;
  let ecg: { id: string; hubId: string };
  let imagingId: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login('admin');
    const { rows } = await t.db.query(
      `SELECT c.id, c.hub_id AS "hubId", c.service FROM reading_centre c JOIN facility h ON h.id = c.hub_id
        WHERE h.code = 'HUB'`,
    );
    ecg = rows.find((r) => r.service === 'ECG');
    imagingId = rows.find((r) => r.service === 'IMAGING').id;
  });
  const sockets: Listener[] = [];
  afterAll(async () => {
    for (const l of sockets) l.socket.close();
    await t.close();
  });

  const names = async (id: string) =>
    (await t.db.query('SELECT name_zh, name_en FROM reading_centre WHERE id = $1', [id])).rows[0];
  const audits = async (id: string) =>
    (
      await t.db.query(
        `SELECT actor_id, actor_role, outcome, details FROM audit_event
          WHERE action = 'reading_centre.rename' AND resource_type = 'reading_centre' AND resource_id = $1`,
        [id],
      )
    ).rows;
  const rename = (id: string, body: unknown, token = admin) =>
    api(t, 'PATCH', `/api/facilities/reading-centres/${id}`, { token, body });

  it('renames the ECG centre: the board, the facility list and the pool hear the new name; an audit row says what changed', async () => {
    const doctor = await t.login('doc.hyjq');
    const specialist = new Listener(t.url, await t.login('card.chen'));
    const otherPool = new Listener(t.url, await t.login('rad.li'));
    const community = new Listener(t.url, doctor);
    sockets.push(specialist, otherPool, community);
    await Promise.all([specialist.connected(), otherPool.connected(), community.connected()]);
    // An ECG referral from a centre the hub reads for: its page names the reading centre.
    const { rows: patients } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`);
    const referral = await api(t, 'POST', '/api/referrals', {
      token: doctor,
      body: { patientId: patients[0].id, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '心悸' },
    });
    expect(referral.status).toBe(201);
    const detail = async () => (await api(t, 'GET', `/api/referrals/${referral.body.id}`, { token: doctor })).body;
    await expect(detail()).resolves.toMatchObject({
      readingCentreNameZh: '心电诊断中心',
      readingCentreNameEn: 'ECG Diagnosis Centre',
    });

    const res = await rename(ecg.id, { nameZh: '  胸痛心电诊断中心 ', nameEn: 'Chest Pain ECG Reading Centre' });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      id: ecg.id,
      hubId: ecg.hubId,
      service: 'ECG',
      nameZh: '胸痛心电诊断中心',
      nameEn: 'Chest Pain ECG Reading Centre',
    });
    await expect(names(ecg.id)).resolves.toEqual({
      name_zh: '胸痛心电诊断中心',
      name_en: 'Chest Pain ECG Reading Centre',
    });

    const event = await specialist.waitFor((e) => e.event === 'reading_centre.changed');
    expect(event.payload).toMatchObject({ readingCentreId: ecg.id, hubId: ecg.hubId, service: 'ECG' });
    // The community centres the hub reads for hear of it too (their referral pages), and read the new name.
    await community.waitFor((e) => e.event === 'reading_centre.changed');
    await expect(detail()).resolves.toMatchObject({
      readingCentreNameZh: '胸痛心电诊断中心',
      readingCentreNameEn: 'Chest Pain ECG Reading Centre',
    });

    const coord = await t.login('coord.liu');
    const board = await api(t, 'GET', '/api/board', { token: coord });
    const ecgPool = board.body.pools.find((p: { service: string }) => p.service === 'ECG');
    expect(ecgPool.centres).toEqual([
      { id: ecg.id, hubId: ecg.hubId, nameZh: '胸痛心电诊断中心', nameEn: 'Chest Pain ECG Reading Centre' },
    ]);
    const list = await api(t, 'GET', '/api/facilities', { token: doctor });
    expect(list.body.readingCentres).toContainEqual(
      expect.objectContaining({ id: ecg.id, nameZh: '胸痛心电诊断中心' }),
    );

    const adminId = (await t.db.query(`SELECT id FROM app_user WHERE username = 'admin'`)).rows[0].id;
    await expect(audits(ecg.id)).resolves.toEqual([
      {
        actor_id: adminId,
        actor_role: 'admin',
        outcome: 'success',
        details: { fields: ['nameZh', 'nameEn'], hubId: ecg.hubId, service: 'ECG' },
      },
    ]);

    // Only the English name this time; the same name again changes nothing and writes no row.
    const en = await rename(ecg.id, { nameEn: 'ECG Reading Centre' });
    expect(en.body).toMatchObject({ nameZh: '胸痛心电诊断中心', nameEn: 'ECG Reading Centre' });
    const same = await rename(ecg.id, { nameZh: '胸痛心电诊断中心' });
    expect(same.status).toBe(200);
    const rows = await audits(ecg.id);
    expect(rows.map((r) => r.details.fields)).toEqual([['nameZh', 'nameEn'], ['nameEn']]);
    // The imaging pool's specialists were not told (the hub's own staff hear through their pool).
    expect(otherPool.events('reading_centre.changed')).toEqual([]);
  });

  it('refuses a bad name with a stable code and changes nothing', async () => {
    const before = await names(imagingId);
    const auditsBefore = (await audits(imagingId)).length;
    const cases: { body: unknown; status: number; code: string; fields: string[]; reason?: string }[] = [
      { body: { nameZh: '   ' }, status: 400, code: 'VALIDATION_FAILED', fields: ['nameZh'], reason: 'required' },
      { body: { nameEn: '' }, status: 400, code: 'VALIDATION_FAILED', fields: ['nameEn'], reason: 'required' },
      { body: {}, status: 400, code: 'VALIDATION_FAILED', fields: ['nameZh', 'nameEn'], reason: 'required' },
      { body: { nameZh: '影'.repeat(65) }, status: 400, code: 'VALIDATION_FAILED', fields: ['nameZh'] },
      { body: { nameEn: 42 }, status: 400, code: 'VALIDATION_FAILED', fields: ['nameEn'] },
      { body: { nameEn: 'Imaging', hubId: ecg.hubId }, status: 400, code: 'VALIDATION_FAILED', fields: ['hubId'] },
      // Another centre of the same hub has the name (case aside).
      {
        body: { nameZh: '影像中心', nameEn: 'ecg reading centre' },
        status: 409,
        code: 'CONFLICT',
        fields: ['nameEn'],
        reason: 'duplicate_name',
      },
    ];
    for (const c of cases) {
      const res = await rename(imagingId, c.body);
      expect({ body: c.body, status: res.status, code: res.body.error.code }).toEqual({
        body: c.body,
        status: c.status,
        code: c.code,
      });
      // The service's own checks name the fields exactly; class-validator's name them in a sentence.
      if (c.reason) expect(res.body.error.details).toEqual({ fields: c.fields, reason: c.reason });
      else for (const f of c.fields) expect((res.body.error.details.fields as string[]).join(' ')).toContain(f);
    }
    await expect(names(imagingId)).resolves.toEqual(before);
    await expect(audits(imagingId)).resolves.toHaveLength(auditsBefore);

    const missing = await rename('00000000-0000-4000-8000-000000000000', { nameZh: '无' });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('NOT_FOUND');
    expect((await rename('not-a-uuid', { nameZh: '无' })).status).toBe(404);
  });

  it('lets only the administrator rename, and a refused try changes nothing', async () => {
    const before = await names(imagingId);
    for (const user of ['coord.liu', 'rad.li', 'doc.hyjq']) {
      const res = await rename(imagingId, { nameZh: '别人改的名字' }, await t.login(user));
      expect({ user, status: res.status, code: res.body.error.code }).toEqual({
        user,
        status: 403,
        code: 'FORBIDDEN',
      });
    }
    expect((await rename(imagingId, { nameZh: '别人改的名字' }, '')).status).toBe(401);
    await expect(names(imagingId)).resolves.toEqual(before);
  });
});
