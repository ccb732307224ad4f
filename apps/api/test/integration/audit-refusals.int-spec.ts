import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { recordConsent } from '../support/referrals.js';

// Every read of patient data is audited, refused ones included, and each row names its patient
// when the read succeeded. The request id in the trail is the server's own: a client cannot
// choose it; a valid client id is kept beside it for correlation, an invalid one is dropped.
describe('audit: refused reads of messages and report PDFs, the PDF row names its patient, request ids', () => {
  let t: TestApp;
  let doc: string;
  let otherDoc: string;
  let referralId: string;
  let patientId: string;

  beforeAll(async () => {
    t = await startTestApp();
    let cardio: string;
    [doc, otherDoc, cardio] = await Promise.all([t.login('doc.hyjq'), t.login('doc.hyqc'), t.login('card.chen')]);
    const { rows } = await t.db.query("SELECT id FROM patient WHERE mrn = 'BJCY100000'");
    patientId = rows[0].id;
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '?' },
    });
    referralId = created.body.id;
    await t.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      referralId,
    ]);
    const step = async (token: string, method: string, path: string, body?: unknown) => {
      const res = await api(t, method, path, { token, body });
      if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    };
    await recordConsent(t, doc, referralId);
    await step(doc, 'POST', `/api/referrals/${referralId}/events`, { type: 'submit' });
    await step(cardio, 'POST', '/api/referrals/claim-next');
    await step(cardio, 'POST', `/api/referrals/${referralId}/events`, { type: 'start_review' });
    await step(cardio, 'PUT', `/api/referrals/${referralId}/report`, {
      findings: '所见',
      impression: '印象',
      disposition: 'manage_in_community',
    });
    await step(cardio, 'POST', `/api/referrals/${referralId}/report/sign`);
  });
  afterAll(async () => {
    await t.close();
  });

  const rowsFor = async (action: string, requestId: string | null) =>
    (
      await t.db.query(
        'SELECT action, outcome, resource_id, patient_id, request_id, client_request_id FROM audit_event WHERE action = $1 AND request_id = $2',
        [action, requestId],
      )
    ).rows;

  it.each([
    ['messages', 'referral.messages.read'],
    ['report/pdf', 'report.pdf'],
    ['report', 'report.read'],
    ['plan', 'plan.read'],
  ])('a refused read of %s (another centre) is audited as %s, not_found, naming no patient', async (path, action) => {
    const res = await api(t, 'GET', `/api/referrals/${referralId}/${path}`, { token: otherDoc });
    expect(res.status).toBe(404);
    const rows = await rowsFor(action, res.headers.get('x-request-id'));
    expect(rows).toEqual([
      expect.objectContaining({ outcome: 'not_found', resource_id: referralId, patient_id: null }),
    ]);
  });

  it('the report.pdf row of a PDF sent names the patient', async () => {
    const res = await fetch(`${t.url}/api/referrals/${referralId}/report/pdf`, {
      headers: { authorization: `Bearer ${doc}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/pdf/);
    const rows = await rowsFor('report.pdf', res.headers.get('x-request-id'));
    expect(rows).toEqual([expect.objectContaining({ outcome: 'success', patient_id: patientId })]);
  });

  it("the request id is the server's own; a valid client id is kept apart, an invalid one dropped", async () => {
    const given = 'client-trace-0001';
    const withValid = await api(t, 'GET', `/api/referrals/${referralId}`, {
      token: doc,
      headers: { 'x-request-id': given },
    });
    expect(withValid.status).toBe(200);
    const ours = withValid.headers.get('x-request-id');
    expect(ours).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(ours).not.toBe(given);
    expect(await rowsFor('referral.read', ours)).toEqual([
      expect.objectContaining({ request_id: ours, client_request_id: given }),
    ]);

    const forged = await api(t, 'GET', `/api/referrals/${referralId}`, {
      token: doc,
      headers: { 'x-request-id': 'Zhang San 11010519491231002X' },
    });
    const ours2 = forged.headers.get('x-request-id');
    expect(ours2).not.toContain('Zhang');
    expect(await rowsFor('referral.read', ours2)).toEqual([
      expect.objectContaining({ request_id: ours2, client_request_id: null }),
    ]);
    const { rows } = await t.db.query(
      "SELECT count(*)::int AS n FROM audit_event WHERE request_id IN ($1, 'Zhang San 11010519491231002X')",
      [given],
    );
    expect(rows[0].n).toBe(0);
  });
});
