import { recordConsent } from '../support/referrals.js';
import { CT_SLICE, sample, stow } from '../support/dicom-files.js';
import { loadResponseCheck } from '../support/openapi.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// What the community desk's referral page reads: the doctor's clinical question and history beside the
// event history, and the studies linked to the referral.
describe('referral detail: the clinical history and the event history side by side', () => {
  let t: TestApp;
  let doc: string;
  let patientId: string;

  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`);
    patientId = rows[0].id;
  });
  afterAll(async () => {
    await t.close();
  });

  it('returns the history the doctor wrote as clinicalHistory and the events as history', async () => {
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: {
        patientId,
        service: 'IMAGING',
        modality: 'CT',
        priority: 'URGENT',
        clinicalQuestion: '胸痛待查',
        history: '高血压十年，服用氨氯地平。',
      },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const stored = await stow(t.url, doc, [sample(CT_SLICE)]);
    expect(stored.status).toBe(200);
    const { rows } = await t.db.query(`SELECT study_instance_uid FROM study LIMIT 1`);
    const attached = await api(t, 'POST', `/api/referrals/${id}/studies`, {
      token: doc,
      body: { studyInstanceUid: rows[0].study_instance_uid },
    });
    expect(attached.status).toBe(200);

    const res = await api(t, 'GET', `/api/referrals/${id}`, { token: doc });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      clinicalQuestion: '胸痛待查',
      clinicalHistory: '高血压十年，服用氨氯地平。',
      studyCount: 1,
      studies: [{ studyInstanceUid: rows[0].study_instance_uid }],
    });
    expect(res.body.history.map((h: { event: string }) => h.event)).toEqual(['created', 'attach_study']);
    // Sending it needs the patient's consent on record first.
    expect(res.body.consent).toBeNull();
    expect(res.body.availableEvents).not.toContain('submit');
    await recordConsent(t, doc, id);
    const ready = await api(t, 'GET', `/api/referrals/${id}`, { token: doc });
    expect(ready.body.consent).toMatchObject({ kind: 'verbal', witnessName: '王芳（护士）' });
    expect(ready.body.availableEvents).toContain('submit');

    // A doctor of another centre is told it does not exist.
    const other = await api(t, 'GET', `/api/referrals/${id}`, { token: await t.login('doc.hyqc') });
    expect(other.status).toBe(404);
  });

  it('answers null when no history was written', async () => {
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'ROUTINE' },
    });
    const res = await api(t, 'GET', `/api/referrals/${created.body.id}`, { token: doc });
    expect(res.body.clinicalHistory).toBeNull();
    expect(res.body.history).toHaveLength(1);
  });
  it('lists which doctors signed the latest plan version, so the desk knows whose turn it is', async () => {
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '心悸' },
    });
    const id = created.body.id as string;
    const signersOf = async () => {
      const list = await api(t, 'GET', `/api/referrals?patientId=${patientId}`, { token: doc });
      return list.body.items.find((r: { id: string }) => r.id === id).planSigners;
    };
    expect(await signersOf()).toBeNull();

    // The plan's versions and signatures as the clinical service writes them.
    const { rows } = await t.db.query(`SELECT id, username FROM app_user WHERE username IN ('doc.hyjq', 'card.chen')`);
    const user = (name: string) => rows.find((r) => r.username === name).id as string;
    const version = (v: number) =>
      t.db.query(
        `INSERT INTO plan_version (referral_id, version, content, disposition, changed_by, changed_at)
         VALUES ($1, $2, '{}', 'manage_in_community', $3, now())`,
        [id, v, user('card.chen')],
      );
    const sign = (v: number, role: string, name: string) =>
      t.db.query(
        `INSERT INTO plan_signature (referral_id, version, signer_role, user_id, signed_at) VALUES ($1, $2, $3, $4, now())`,
        [id, v, role, user(name)],
      );
    await version(1);
    expect(await signersOf()).toEqual([]);
    await sign(1, 'specialist', 'card.chen');
    expect(await signersOf()).toEqual(['specialist']);
    await sign(1, 'community_doctor', 'doc.hyjq');
    expect(await signersOf()).toEqual(['community_doctor', 'specialist']);
    // A new version starts unsigned.
    await version(2);
    expect(await signersOf()).toEqual([]);
  });

  it('answers camelCase views (packages/contracts), never the table columns', async () => {
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'URGENT', clinicalQuestion: '胸闷' },
    });
    const id = created.body.id as string;
    const snake = (o: object) => Object.keys(o).filter((k) => k.includes('_'));

    const detail = await api(t, 'GET', `/api/referrals/${id}`, { token: doc });
    expect(snake(detail.body)).toEqual([]);
    expect(detail.body.history.flatMap(snake)).toEqual([]);
    const { rows } = await t.db.query(
      `SELECT r.row_version, r.origin_facility_id, o.name_zh, r.created_at FROM referral r
         JOIN facility o ON o.id = r.origin_facility_id WHERE r.id = $1`,
      [id],
    );
    expect(detail.body).toMatchObject({
      patientId,
      rowVersion: rows[0].row_version,
      originFacilityId: rows[0].origin_facility_id,
      originNameZh: rows[0].name_zh,
      createdAt: rows[0].created_at.toISOString(),
      clinicalQuestion: '胸闷',
      submittedAt: null,
      criticalState: null,
      planSigners: null,
    });

    const list = await api(t, 'GET', `/api/referrals?patientId=${patientId}`, { token: doc });
    const row = list.body.items.find((r: { id: string }) => r.id === id);
    expect(snake(row)).toEqual([]);
    expect(row).toMatchObject({ patientId, rowVersion: rows[0].row_version, patientMrn: 'BJCY100000' });
  });

  it("documents the referral area's answers with their contracts views, and refuses the old column-shaped detail", async () => {
    const check = await loadResponseCheck(t.url);
    for (const route of [
      'GET /api/referrals',
      'POST /api/referrals',
      'GET /api/referrals/{id}',
      'PATCH /api/referrals/{id}',
      'POST /api/referrals/{id}/events',
      'POST /api/referrals/{id}/studies',
      'POST /api/referrals/claim-next',
      'GET /api/referrals/{id}/messages',
      'POST /api/referrals/{id}/messages',
      'GET /api/referrals/{id}/report',
      'GET /api/referrals/{id}/plan',
      'POST /api/referrals/{id}/plan',
      'GET /api/referrals/{id}/consent',
      'GET /api/referrals/{id}/critical-results',
      'GET /api/referrals/{id}/key-images',
      'GET /api/referrals/{id}/priors',
      'GET /api/icd10',
      'GET /api/patients',
      'GET /api/patients/{id}',
      'POST /api/patients/{id}/access-codes',
    ])
      expect([route, check.documented.has(route)]).toEqual([route, true]);

    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'ROUTINE' },
    });
    const path = `/api/referrals/${created.body.id}`;
    const detail = (await api(t, 'GET', path, { token: doc })).body;
    expect(() => check('GET', path, 200, detail)).not.toThrow();
    const { rowVersion, ...rest } = detail;
    expect(() => check('GET', path, 200, { ...rest, row_version: rowVersion })).toThrow(/rowVersion|row_version/);
  });
});
