import { withAccessionNumber } from '../support/dicom-edit.js';
import { sample, stow } from '../support/dicom-files.js';
import { asFileOf } from '../support/referrals.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { recordConsent } from '../support/referrals.js';

// What the reading room's worklist reads: the pool's waiting and in-progress referrals, most urgent
// first, each with the turnaround timers and the name of whoever holds it (offered to or reading).
describe('reader worklist', () => {
  let t: TestApp;
  let doc: string;
  let cardio: string;
  let radio: string;

  beforeAll(async () => {
    t = await startTestApp();
    [doc, cardio, radio] = await Promise.all([t.login('doc.hyjq'), t.login('card.chen'), t.login('rad.li')]);
  });
  afterAll(async () => {
    await t.close();
  });

  const submitEcg = async (priority: 'STAT' | 'ROUTINE', file: string) => {
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`);
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId: rows[0].id, service: 'ECG', priority, clinicalQuestion: '胸闷待查' },
    });
    // the ECG as recorded for this patient (the samples name others)
    const ecg = withAccessionNumber(await asFileOf(t, sample(file), rows[0].id), created.body.number);
    expect((await stow(t.url, doc, [ecg])).status).toBe(200);
    await recordConsent(t, doc, created.body.id);
    const submitted = await api(t, 'POST', `/api/referrals/${created.body.id}/events`, {
      token: doc,
      body: { type: 'submit' },
    });
    expect(submitted.status).toBe(200);
    return created.body as { id: string; number: string };
  };

  it('lists the pool by priority with its timers and who holds each referral; the other pool sees none of it', async () => {
    const routine = await submitEcg('ROUTINE', 'ecg/syn_ecg_sinus_utf8_scpecg.dcm');
    const stat = await submitEcg('STAT', 'ecg/syn_ecg_sinus_gb18030_mdc.dcm');
    const before = await api(t, 'GET', '/api/referrals?worklist=true', { token: cardio });
    expect(before.status).toBe(200);
    expect(before.body.items.map((r: { id: string }) => r.id)).toEqual([stat.id, routine.id]);
    const waiting = before.body.items[0];
    expect(waiting).toMatchObject({ state: 'submitted', holderNameZh: null, holderNameEn: null });
    expect(Date.parse(waiting.timers.report_deadline)).toBeGreaterThan(Date.now());

    const claimed = await api(t, 'POST', '/api/referrals/claim-next', { token: cardio });
    expect(claimed.body).toMatchObject({ id: stat.id, state: 'accepted', holderNameZh: '陈强' });
    const after = await api(t, 'GET', '/api/referrals?worklist=true', { token: cardio });
    expect(after.body.items[0]).toMatchObject({ id: stat.id, holderNameZh: '陈强', holderNameEn: 'Chen Qiang' });

    const imaging = await api(t, 'GET', '/api/referrals?worklist=true', { token: radio });
    expect(imaging.body.items).toEqual([]);
  });
});
