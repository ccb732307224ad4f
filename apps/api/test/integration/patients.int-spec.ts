import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { recordConsent } from '../support/referrals.js';

describe("patients: register, find, update within the doctor's own centre", () => {
  let t: TestApp;
  let doc: string;
  let otherDoc: string;
  let coordinator: string;

  beforeAll(async () => {
    t = await startTestApp();
    [doc, otherDoc, coordinator] = await Promise.all([t.login('doc.hyjq'), t.login('doc.hyqc'), t.login('coord.liu')]);
  });
  afterAll(async () => {
    await t.close();
  });

  const newPatient = {
    mrn: 'BJCY200001',
    familyNameZh: '欧阳',
    givenNameZh: '晓明',
    sex: 'M',
    birthDate: '1962-05-17',
    phone: '13800138000',
    nationalId: '11010519491231002X',
  };

  it('registers a patient with generated pinyin and a masked national ID, never the full number', async () => {
    const res = await api(t, 'POST', '/api/patients', { token: doc, body: newPatient });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      mrn: 'BJCY200001',
      namePinyin: 'ou yang xiao ming',
      nationalIdMasked: '1101**********002X',
    });
    expect(JSON.stringify(res.body)).not.toContain('11010519491231002X');
    const { rows } = await t.db.query('SELECT national_id_enc, national_id_hash FROM patient WHERE id = $1', [
      res.body.id,
    ]);
    expect(rows[0].national_id_enc.toString('latin1')).not.toContain('19491231');
  });

  it('refuses a duplicate MRN at the same centre and an invalid national ID, changing nothing', async () => {
    const before = await t.db.query('SELECT count(*)::int AS n FROM patient');
    const dup = await api(t, 'POST', '/api/patients', { token: doc, body: { ...newPatient, nationalId: undefined } });
    expect(dup.status).toBe(409);
    expect(dup.body.error.code).toBe('CONFLICT');
    const bad = await api(t, 'POST', '/api/patients', {
      token: doc,
      body: { ...newPatient, mrn: 'BJCY200002', nationalId: '110105194912310021' },
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.code).toBe('VALIDATION_FAILED');
    const unknownField = await api(t, 'POST', '/api/patients', {
      token: doc,
      body: { ...newPatient, mrn: 'X1', role: 'admin' },
    });
    expect(unknownField.status).toBe(400);
    const after = await t.db.query('SELECT count(*)::int AS n FROM patient');
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it.each([
    ['Chinese characters', '欧阳', 'BJCY200001'],
    ['Chinese given name part', '晓明', 'BJCY200001'],
    ['pinyin with spaces', 'ou yang', 'BJCY200001'],
    ['pinyin joined', 'ouyangxiao', 'BJCY200001'],
    ['pinyin initials', 'oyxm', 'BJCY200001'],
    ['MRN', 'bjcy200001', 'BJCY200001'],
    ['national ID', '11010519491231002x', 'BJCY200001'],
    ['seeded patient by Chinese name', '孙娟', 'BJCY100000'],
  ])('finds a patient by %s', async (_label, q, mrn) => {
    const res = await api(t, 'GET', `/api/patients?q=${encodeURIComponent(q)}`, { token: doc });
    expect(res.status).toBe(200);
    expect(res.body.items.map((p: { mrn: string }) => p.mrn)).toContain(mrn);
  });

  it("never shows another centre's patients to a community doctor, but a hub coordinator finds them", async () => {
    const fromOther = await api(t, 'GET', `/api/patients?q=${encodeURIComponent('欧阳')}`, { token: otherDoc });
    expect(fromOther.body.items).toHaveLength(0);
    const byCoordinator = await api(t, 'GET', `/api/patients?q=${encodeURIComponent('欧阳')}`, { token: coordinator });
    expect(byCoordinator.body.items).toHaveLength(1);
  });

  it('answers 404 for a patient of another centre, for a read and for a write', async () => {
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`);
    const id = rows[0].id as string;
    expect((await api(t, 'GET', `/api/patients/${id}`, { token: otherDoc })).status).toBe(404);
    const write = await api(t, 'PATCH', `/api/patients/${id}`, {
      token: otherDoc,
      body: { phone: '13900000000', version: 1 },
    });
    expect(write.status).toBe(404);
    const still = await t.db.query('SELECT phone FROM patient WHERE id = $1', [id]);
    expect(still.rows[0].phone).toBeNull();
  });

  it('updates with the version read and refuses a stale version', async () => {
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100101'`);
    const id = rows[0].id as string;
    const first = await api(t, 'PATCH', `/api/patients/${id}`, {
      token: doc,
      body: { phone: '13911112222', version: 1 },
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ phone: '13911112222', version: 2 });
    const stale = await api(t, 'PATCH', `/api/patients/${id}`, {
      token: doc,
      body: { phone: '13900000000', version: 1 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.code).toBe('STALE_STATE');
    const renamed = await api(t, 'PATCH', `/api/patients/${id}`, {
      token: doc,
      body: { givenNameZh: '建军', version: 2 },
    });
    expect(renamed.body.namePinyin).toBe('wang jian jun');
  });
});

describe('patients: a hub reader sees the patients referred to their reading centre only', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('a cardiologist reads a patient with a submitted ECG referral, not one without, and a radiologist neither', async () => {
    const [doc, cardio, radio] = await Promise.all([t.login('doc.hyjq'), t.login('card.chen'), t.login('rad.li')]);
    const { rows } = await t.db.query(`SELECT id, mrn FROM patient WHERE mrn IN ('BJCY100000', 'BJCY100101')`);
    const referred = rows.find((r) => r.mrn === 'BJCY100000').id as string;
    const other = rows.find((r) => r.mrn === 'BJCY100101').id as string;
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId: referred, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '心悸' },
    });
    expect(created.status).toBe(201);

    // A draft is the community doctor's own business: not yet the hub's.
    expect((await api(t, 'GET', `/api/patients/${referred}`, { token: cardio })).status).toBe(404);

    await t.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      created.body.id,
    ]);
    await recordConsent(t, doc, created.body.id);
    const submitted = await api(t, 'POST', `/api/referrals/${created.body.id}/events`, {
      token: doc,
      body: { type: 'submit' },
    });
    expect(submitted.status).toBe(200);

    const read = await api(t, 'GET', `/api/patients/${referred}`, { token: cardio });
    expect(read.status).toBe(200);
    expect(read.body.mrn).toBe('BJCY100000');
    for (const [token, id] of [
      [cardio, other],
      [radio, referred],
    ] as const) {
      const res = await api(t, 'GET', `/api/patients/${id}`, { token });
      expect(res.status).toBe(404);
      expect(res.body.error.code).toBe('NOT_FOUND');
    }
    const denied = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'patient.read' AND outcome = 'not_found' AND resource_id = $1`,
      [other],
    );
    expect(denied.rows[0].n).toBe(1);
  });
});
