import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { withAccessionNumber } from '../support/dicom-edit.js';
import { sample, stow } from '../support/dicom-files.js';
import { Listener } from '../support/realtime.js';
import { asFileOf } from '../support/referrals.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { recordConsent } from '../support/referrals.js';

const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/api/', import.meta.url));

// From the specialist's reading to the patient's decision: report draft, sign, addendum; a plan
// proposed by the specialist, revised by the community doctor, booked and signed by both; the
// patient reads and acknowledges it on the phone; then the patient is referred back down.
describe('from reading to decision', () => {
  let t: TestApp;
  let doc: string;
  let cardio: string;
  let coord: string;
  let referralId: string;
  let patientId: string;
  const listeners: Listener[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    [doc, cardio, coord] = await Promise.all([t.login('doc.hyjq'), t.login('card.chen'), t.login('coord.liu')]);
    patientId = (await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`)).rows[0].id;
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'URGENT', clinicalQuestion: '活动后胸闷一周' },
    });
    referralId = created.body.id;
    // the ECG as recorded for this patient (the sample names another)
    const ecg = withAccessionNumber(
      await asFileOf(t, sample('ecg/syn_ecg_sinus_utf8_scpecg.dcm'), patientId),
      created.body.number,
    );
    expect((await stow(t.url, doc, [ecg])).status).toBe(200);
    await recordConsent(t, doc, referralId);
    expect(
      (await api(t, 'POST', `/api/referrals/${referralId}/events`, { token: doc, body: { type: 'submit' } })).status,
    ).toBe(200);
    const claimed = await api(t, 'POST', '/api/referrals/claim-next', { token: cardio });
    expect({ status: claimed.status, id: claimed.body.id }).toEqual({ status: 200, id: referralId });
    expect(
      (await api(t, 'POST', `/api/referrals/${referralId}/events`, { token: cardio, body: { type: 'start_review' } }))
        .status,
    ).toBe(200);
  });
  afterAll(async () => {
    listeners.forEach((l) => l.close());
    await t.close();
  });

  const path = (p: string) => `/api/referrals/${referralId}${p}`;

  it('keeps the report a draft while the specialist types, signs it once, then allows only addenda', async () => {
    const draft = await api(t, 'PUT', path('/report'), {
      token: cardio,
      body: {
        findings: '窦性心律，心率 72 次/分。II、III、aVF 导联 ST 段压低 0.1 mV。',
        measurements: { heartRate: 72, pr: 160, qrs: 88, qt: 380, qtc: 415, axis: 45, rhythm: '窦性心律' },
      },
    });
    expect(draft.status).toBe(200);
    expect(draft.body.signedAt).toBeNull();
    const more = await api(t, 'PUT', path('/report'), {
      token: cardio,
      body: { impression: '下壁心肌缺血可能', diagnoses: [{ code: 'I20.9', label: '心绞痛' }] },
    });
    expect(more.body.findings).toContain('ST 段压低');
    // The community doctor does not see a draft.
    expect((await api(t, 'GET', path('/report'), { token: doc })).body).toBeFalsy();
    // Signing needs a disposition.
    const noDisposition = await api(t, 'POST', path('/report/sign'), { token: cardio });
    expect(noDisposition.status).toBe(400);
    expect(noDisposition.body.error.details.fields).toEqual(['disposition']);
    await api(t, 'PUT', path('/report'), { token: cardio, body: { disposition: 'refer_up_outpatient' } });
    const signed = await api(t, 'POST', path('/report/sign'), { token: cardio });
    expect(signed.status).toBe(200);
    expect(signed.body.signedAt).not.toBeNull();
    expect(signed.body.signerNameZh).toBe('陈强');
    // No silent edits afterwards: not through the API, not even in SQL.
    const edit = await api(t, 'PUT', path('/report'), { token: cardio, body: { impression: '改了' } });
    expect(edit.status).toBe(409);
    await expect(t.db.query(`UPDATE report SET impression = 'x' WHERE referral_id = $1`, [referralId])).rejects.toThrow(
      /signed report/,
    );
    const addendum = await api(t, 'POST', path('/report/addenda'), {
      token: cardio,
      body: { body: '建议 24 小时动态心电图。' },
    });
    expect(addendum.status).toBe(201);
    expect(addendum.body.addenda).toHaveLength(1);
    expect((await api(t, 'GET', path('/report'), { token: doc })).body.impression).toBe('下壁心肌缺血可能');
  });

  it('renders the signed report as a PDF with Chinese text (kept as an image for review)', async () => {
    const res = await fetch(`${t.url}${path('/report/pdf')}`, { headers: { authorization: `Bearer ${doc}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/pdf');
    const pdf = Buffer.from(await res.arrayBuffer());
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    expect(pdf.toString('latin1')).toMatch(/NotoSansSC/);
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'ecg-report.pdf');
    writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-']).toString();
    // Times in the network's time zone (as on every screen), the ECG's own heading, the patient's age.
    const { signedAt } = (await api(t, 'GET', path('/report'), { token: doc })).body as { signedAt: string };
    const local = new Intl.DateTimeFormat('sv-SE', {
      timeZone: 'Asia/Shanghai',
      dateStyle: 'short',
      timeStyle: 'short',
    }).format(new Date(signedAt));
    expect(text).toContain(`${local} GMT+8`);
    expect(text).not.toContain('UTC');
    expect(text).toContain('诊断意见');
    expect(text).not.toContain('印象');
    expect(text).toMatch(/年龄 Age: \d+ 岁/);
    for (const s of [
      '武汉市汉阳医院',
      '心电图诊断报告',
      '李秀英',
      '下壁心肌缺血可能',
      'I20.9',
      '心绞痛',
      '建议 24 小时动态心电图',
      '陈强',
    ]) {
      expect(text).toContain(s);
    }
    execFileSync('pdftoppm', ['-png', '-r', '80', '-singlefile', file, join(ARTIFACTS, 'ecg-report')]);
  });

  it('agrees a plan only when both doctors sign the same, current version', async () => {
    const content = {
      diagnosis: '稳定型心绞痛（疑诊）',
      medications: [{ name: '阿司匹林肠溶片', dose: '100 mg', route: '口服', frequency: '每日一次', duration: '长期' }],
      tests: '心肌酶、血脂',
      followUp: '2 周',
      instructions: '避免剧烈活动，按时服药。',
      warningSigns: '胸痛超过 15 分钟不缓解',
      bring: '身份证、医保卡、本次心电图报告',
    };
    const proposed = await api(t, 'POST', path('/plan'), {
      token: cardio,
      body: { content, disposition: 'refer_up_outpatient' },
    });
    expect(proposed.status).toBe(200);
    expect(proposed.body.current.version).toBe(1);
    // Outpatient referral up: a hub appointment is needed before anyone signs.
    const early = await api(t, 'POST', path('/plan/sign'), { token: cardio, body: { version: 1 } });
    expect(early.status).toBe(409);
    expect(early.body.error.details.reason).toBe('hub_appointment_required');
    const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const booked = await api(t, 'POST', path('/plan/appointment'), {
      token: coord,
      body: { at, department: '心内科门诊', place: '门诊楼 3 层 305 室' },
    });
    expect(booked.body.current.version).toBe(2);
    const specialistSigned = await api(t, 'POST', path('/plan/sign'), { token: cardio, body: { version: 2 } });
    expect(specialistSigned.body.current.signatures.map((s: { role: string }) => s.role)).toEqual(['specialist']);
    // The community doctor changes the plan: a new version, signatures cleared.
    const revised = await api(t, 'POST', path('/plan'), {
      token: doc,
      body: {
        content: { ...content, followUp: '1 周' },
        disposition: 'refer_up_outpatient',
        hubAppointment: { at, department: '心内科门诊', place: '门诊楼 3 层 305 室' },
      },
    });
    expect(revised.body.error).toBeUndefined();
    expect(revised.body.current.version).toBe(3);
    expect(revised.body.current.signatures).toEqual([]);
    expect(revised.body.agreed).toBe(false);
    // Signing a version that is no longer current is refused.
    const stale = await api(t, 'POST', path('/plan/sign'), { token: cardio, body: { version: 2 } });
    expect(stale.status).toBe(409);
    expect(stale.body.error.details.reason).toBe('stale_plan_version');
    expect((await api(t, 'POST', path('/plan/sign'), { token: doc, body: { version: 3 } })).status).toBe(200);
    const agreed = await api(t, 'POST', path('/plan/sign'), { token: cardio, body: { version: 3 } });
    expect(agreed.body.agreed).toBe(true);
    expect(agreed.body.versions).toHaveLength(3);
    expect((await api(t, 'GET', `/api/referrals/${referralId}`, { token: doc })).body.state).toBe('plan_agreed');
    // A community doctor of another centre cannot read the plan.
    expect((await api(t, 'GET', path('/plan'), { token: await t.login('doc.hyqc') })).status).toBe(404);
  });

  it('while an agreed plan is being changed, the patient is told so and sees nothing of the old version', async () => {
    const { code } = (await api(t, 'POST', `/api/patients/${patientId}/access-codes`, { token: doc })).body;
    const login = await api(t, 'POST', '/api/auth/patient-login', { body: { code, birthDate: '1948-03-30' } });
    const patient = login.body.accessToken as string;
    expect((await api(t, 'GET', '/api/me/decision', { token: patient })).status).toBe(200);

    // The coordinator moves the appointment: a new version, back to both doctors.
    const at = new Date(Date.now() + 4 * 86_400_000).toISOString();
    const rebooked = await api(t, 'POST', path('/plan/appointment'), {
      token: coord,
      body: { at, department: '心内科门诊', place: '门诊楼 3 层 305 室' },
    });
    expect(rebooked.body.current.version).toBe(4);
    const revising = await api(t, 'GET', '/api/me/decision', { token: patient });
    expect(revising.status).toBe(404);
    expect(revising.body.error.details).toEqual({ reason: 'being_revised' });
    expect(JSON.stringify(revising.body)).not.toContain('心内科');

    // Both sign the new version: the decision is back, with the new appointment.
    expect((await api(t, 'POST', path('/plan/sign'), { token: doc, body: { version: 4 } })).status).toBe(200);
    expect((await api(t, 'POST', path('/plan/sign'), { token: cardio, body: { version: 4 } })).body.agreed).toBe(true);
    const back = await api(t, 'GET', '/api/me/decision', { token: patient });
    expect(back.status).toBe(200);
    expect(new Date(back.body.appointment.at).toISOString()).toBe(at);
  });

  it('lets the patient read the decision on a phone with a code and acknowledge it; both doctors see it live', async () => {
    const docLive = new Listener(t.url, doc);
    const cardioLive = new Listener(t.url, cardio);
    listeners.push(docLive, cardioLive);
    await Promise.all([docLive.connected(), cardioLive.connected()]);
    const { code } = (await api(t, 'POST', `/api/patients/${patientId}/access-codes`, { token: doc })).body;
    // The code is for this patient only: another patient's birth date does not open it.
    expect((await api(t, 'POST', '/api/auth/patient-login', { body: { code, birthDate: '2001-01-05' } })).status).toBe(
      401,
    );
    const login = await api(t, 'POST', '/api/auth/patient-login', { body: { code, birthDate: '1948-03-30' } });
    expect(login.status).toBe(200);
    const patient = login.body.accessToken as string;
    const decision = await api(t, 'GET', '/api/me/decision', { token: patient });
    expect(decision.status).toBe(200);
    expect(decision.body.where['zh-CN']).toBe('前往武汉市汉阳医院心内科门诊就诊');
    expect(decision.body.where.en).toContain('Wuhan Hanyang Hospital');
    expect(decision.body.appointment).toMatchObject({ department: '心内科门诊', place: '门诊楼 3 层 305 室' });
    expect(decision.body.bring).toContain('医保卡');
    expect(decision.body.seekHelpNow['zh-CN']).toContain('120');
    expect(decision.body.acknowledged).toBe(false);
    // Nothing else about the patient is reachable with this token.
    expect((await api(t, 'GET', `/api/referrals/${referralId}`, { token: patient })).status).toBe(403);
    expect((await api(t, 'GET', `/api/patients/${patientId}`, { token: patient })).status).toBe(403);
    const ack = await api(t, 'POST', '/api/me/decision/acknowledge', { token: patient });
    expect(ack.body.acknowledged).toBe(true);
    for (const l of [docLive, cardioLive]) {
      await l.waitFor(
        (e) =>
          e.event === 'referral.changed' && e.payload.referralId === referralId && e.payload.event === 'acknowledge',
      );
    }
    expect((await api(t, 'POST', '/api/me/decision/acknowledge', { token: patient })).status).toBe(409);
  });

  it('a patient without an agreed decision finds nothing', async () => {
    const other = (await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100103'`)).rows[0].id;
    const { code } = (await api(t, 'POST', `/api/patients/${other}/access-codes`, { token: doc })).body;
    const login = await api(t, 'POST', '/api/auth/patient-login', { body: { code, birthDate: '1960-12-02' } });
    expect((await api(t, 'GET', '/api/me/decision', { token: login.body.accessToken })).status).toBe(404);
  });

  it('after hub care, refers the patient back down to the community centre for follow-up, linked to the first referral', async () => {
    const down = await api(t, 'POST', path('/events'), { token: coord, body: { type: 'refer_back_down' } });
    expect(down.status).toBe(200);
    expect(down.body.state).toBe('closed');
    expect(down.body.outcome).toBe('referred_back_down');
    const { rows } = await t.db.query(`SELECT id, state, direction FROM referral WHERE parent_referral_id = $1`, [
      referralId,
    ]);
    expect(rows).toEqual([{ id: expect.any(String), state: 'submitted', direction: 'down' }]);
    const backId = rows[0].id;
    const seen = await api(t, 'GET', `/api/referrals/${backId}`, { token: doc });
    expect(seen.status).toBe(200);
    expect(seen.body.parentReferralId).toBe(referralId);
    expect(
      (await api(t, 'POST', `/api/referrals/${backId}/events`, { token: doc, body: { type: 'accept' } })).status,
    ).toBe(200);
    const closed = await api(t, 'POST', `/api/referrals/${backId}/events`, {
      token: doc,
      body: { type: 'close', outcome: 'follow_up_completed' },
    });
    expect(closed.body.state).toBe('closed');
  });
});
