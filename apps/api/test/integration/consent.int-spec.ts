import { PNG } from 'pngjs';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

/** A small photo-like PNG: what a phone's "scan document" produces, only smaller. */
function formPhoto(): Buffer {
  const png = new PNG({ width: 40, height: 30 });
  for (let i = 0; i < png.data.length; i += 4) png.data.set([250, 250, 245, 255], i);
  return PNG.sync.write(png);
}

// The patient's consent to remote diagnosis (the 2018 telemedicine rules ask for it) is on record before a case
// leaves the centre: a signed form, or verbal consent before a witness. Everyone who reads the case can see it.
describe('informed consent on a referral', () => {
  let t: TestApp;
  let doc: string;
  let cardio: string;
  let otherDoc: string;

  beforeAll(async () => {
    t = await startTestApp();
    [doc, cardio, otherDoc] = await Promise.all([t.login('doc.hyjq'), t.login('card.chen'), t.login('doc.hyqc')]);
  });
  afterAll(async () => {
    await t.close();
  });

  /** A draft ECG referral with its study counted, ready to send but for consent. */
  async function draft(mrn = 'BJCY100000'): Promise<string> {
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = $1`, [mrn]);
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId: rows[0].id, service: 'ECG', priority: 'URGENT', clinicalQuestion: '胸闷待查' },
    });
    expect(created.status).toBe(201);
    await t.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      created.body.id,
    ]);
    return created.body.id;
  }
  const submit = (id: string) =>
    api(t, 'POST', `/api/referrals/${id}/events`, { token: doc, body: { type: 'submit' } });
  const putForm = (id: string, data: Buffer, type: string, token = doc) =>
    fetch(`${t.url}/api/referrals/${id}/consent/form`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${token}`, 'content-type': type },
      body: data,
    });
  const getForm = (id: string, token: string) =>
    fetch(`${t.url}/api/referrals/${id}/consent/form`, { headers: { authorization: `Bearer ${token}` } });
  const audits = async (action: string, id: string) =>
    (
      await t.db.query(
        `SELECT outcome, patient_id, details FROM audit_event WHERE action = $1 AND resource_id = $2 ORDER BY id`,
        [action, id],
      )
    ).rows as { outcome: string; patient_id: string | null; details: Record<string, unknown> }[];
  const state = async (id: string) =>
    (await t.db.query(`SELECT state FROM referral WHERE id = $1`, [id])).rows[0].state as string;

  it('refuses to submit without consent (CONSENT_REQUIRED), changing nothing', async () => {
    const id = await draft();
    const res = await submit(id);
    expect(res.status).toBe(409);
    expect(res.body.error).toMatchObject({ code: 'CONSENT_REQUIRED', details: { reason: 'consent_required' } });
    expect(await state(id)).toBe('draft');
    const detail = await api(t, 'GET', `/api/referrals/${id}`, { token: doc });
    expect(detail.body.consent).toBeNull();
    expect(detail.body.availableEvents).not.toContain('submit');
  });

  it('accepts verbal consent with a witness, audited, and then the submit', async () => {
    const id = await draft();
    const consentedAt = new Date(Date.now() - 10 * 60_000).toISOString();
    const recorded = await api(t, 'POST', `/api/referrals/${id}/consent/verbal`, {
      token: doc,
      body: { witnessName: '  李娜（护士）  ', consentedAt },
    });
    expect(recorded.status).toBe(200);
    expect(recorded.body).toMatchObject({
      kind: 'verbal',
      witnessName: '李娜（护士）',
      consentedAt,
      form: null,
      recordedBy: { nameZh: expect.any(String) },
    });
    const [row] = await audits('referral.consent.record', id);
    expect(row).toMatchObject({ outcome: 'success', details: { kind: 'verbal' } });
    expect(row!.patient_id).not.toBeNull();
    expect((await submit(id)).status).toBe(200);
    expect(await state(id)).toBe('submitted');
    // Once sent, the record is closed: it cannot be replaced.
    const late = await api(t, 'POST', `/api/referrals/${id}/consent/verbal`, {
      token: doc,
      body: { witnessName: '张三', consentedAt },
    });
    expect(late.status).toBe(409);
    // The reading specialist sees that consent exists, and how it was given.
    const read = await api(t, 'GET', `/api/referrals/${id}/consent`, { token: cardio });
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ kind: 'verbal', witnessName: '李娜（护士）' });
    expect((await audits('referral.consent.read', id)).map((r) => r.outcome)).toEqual(['success']);
  });

  it('accepts a scanned signed form, which the reader opens; the form is audited on every read', async () => {
    const id = await draft();
    const photo = formPhoto();
    const put = await putForm(id, photo, 'image/png');
    expect(put.status).toBe(200);
    await expect(put.json()).resolves.toMatchObject({
      kind: 'form',
      form: { mediaType: 'image/png', sizeBytes: photo.length },
      witnessName: null,
    });
    const [row] = await audits('referral.consent.record', id);
    expect(row).toMatchObject({ outcome: 'success', details: { kind: 'form', mediaType: 'image/png' } });
    expect((await submit(id)).status).toBe(200);
    // A cardiologist of the reading pool opens the form beside the case.
    const file = await getForm(id, cardio);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await file.arrayBuffer()).equals(photo)).toBe(true);
    const reads = await audits('referral.consent.form.read', id);
    expect(reads.map((r) => r.outcome)).toEqual(['success']);
    expect(reads[0]!.patient_id).not.toBeNull();
  });

  it('answers 404 for the form to a doctor of another centre, and audits the refusal', async () => {
    const id = await draft();
    expect((await putForm(id, formPhoto(), 'image/png')).status).toBe(200);
    const foreign = await getForm(id, otherDoc);
    expect(foreign.status).toBe(404);
    expect((await audits('referral.consent.form.read', id)).map((r) => r.outcome)).toEqual(['not_found']);
    // Nor may they record consent on it.
    const write = await putForm(id, formPhoto(), 'image/png', otherDoc);
    expect(write.status).toBe(404);
    const verbal = await api(t, 'POST', `/api/referrals/${id}/consent/verbal`, {
      token: otherDoc,
      body: { witnessName: '王五', consentedAt: new Date().toISOString() },
    });
    expect(verbal.status).toBe(404);
    expect((await audits('referral.consent.record', id)).map((r) => r.outcome)).toEqual([
      'success',
      'not_found',
      'not_found',
    ]);
  });

  it('refuses a bad form or a bad verbal record with a clear error, recording nothing', async () => {
    const id = await draft();
    const gif = await putForm(id, Buffer.from('GIF89a....'), 'image/gif');
    expect(gif.status).toBe(415);
    await expect(gif.json()).resolves.toMatchObject({ error: { code: 'UNSUPPORTED_MEDIA_TYPE' } });
    const disguised = await putForm(id, formPhoto(), 'image/jpeg');
    expect(disguised.status).toBe(400);
    await expect(disguised.json()).resolves.toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { reason: 'consent_form_type_mismatch' } },
    });
    const noWitness = await api(t, 'POST', `/api/referrals/${id}/consent/verbal`, {
      token: doc,
      body: { witnessName: '   ', consentedAt: new Date().toISOString() },
    });
    expect(noWitness.status).toBe(400);
    const future = await api(t, 'POST', `/api/referrals/${id}/consent/verbal`, {
      token: doc,
      body: { witnessName: '李娜', consentedAt: new Date(Date.now() + 3_600_000).toISOString() },
    });
    expect(future.status).toBe(400);
    expect(future.body.error.details.reason).toBe('consent_in_future');
    expect((await t.db.query(`SELECT 1 FROM referral_consent WHERE referral_id = $1`, [id])).rowCount).toBe(0);
    expect((await submit(id)).body.error.code).toBe('CONSENT_REQUIRED');
  });
});
