import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { withAccessionNumber } from '../support/dicom-edit.js';
import { sample, stow } from '../support/dicom-files.js';
import { asFileOf } from '../support/referrals.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { recordConsent } from '../support/referrals.js';

// jsqr is a UMD bundle whose module.exports is the function itself (its types say `export default`).
const jsQR = createRequire(import.meta.url)('jsqr') as typeof import('jsqr').default;
const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/api/', import.meta.url));
const PUBLIC_URL = 'https://zhiyin.example.org';
// A valid resident ID number (check digit) for a patient registered here: its birth date must never be printed
// on the patient sheet.
const NATIONAL_ID = '11010519491231002X';
const BIRTH = '1949-12-31';

/** "2030-01-16 00:30 GMT+8": how the papers print a moment in the network's time zone. */
const local = (iso: string) =>
  `${new Intl.DateTimeFormat('sv-SE', { timeZone: 'Asia/Shanghai', dateStyle: 'short', timeStyle: 'short' }).format(new Date(iso))} GMT+8`;

function pdfText(pdf: Buffer, name: string): string {
  mkdirSync(ARTIFACTS, { recursive: true });
  const file = join(ARTIFACTS, `${name}.pdf`);
  writeFileSync(file, pdf);
  return execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-']).toString();
}

/** The QR codes on the first page, as a phone would read them from the printed sheet. */
function qrOf(pdf: Buffer, name: string): string | null {
  const file = join(ARTIFACTS, `${name}.pdf`);
  writeFileSync(file, pdf);
  execFileSync('pdftoppm', ['-png', '-r', '150', '-singlefile', '-f', '1', file, join(ARTIFACTS, name)]);
  const png = PNG.sync.read(readFileSync(join(ARTIFACTS, `${name}.png`)));
  return jsQR(new Uint8ClampedArray(png.data), png.width, png.height)?.data ?? null;
}

// The papers a patient and the receiving institution are handed: the patient sheet with the access code, and
// the two-way referral form (上转单 / 下转单).
describe('papers: the patient sheet and the referral form', () => {
  let t: TestApp;
  let doc: string;
  let cardio: string;
  let coord: string;
  let otherDoc: string;
  let patientId: string;
  let referralId: string;
  let centre: { name_zh: string; name_en: string };
  let hub: { name_zh: string; name_en: string };
  const appointmentAt = '2030-01-15T16:30:00.000Z'; // 00:30 the next day in Asia/Shanghai

  beforeAll(async () => {
    t = await startTestApp({ PUBLIC_URL, TIME_ZONE: 'Asia/Shanghai' });
    [doc, cardio, coord, otherDoc] = await Promise.all([
      t.login('doc.hyjq'),
      t.login('card.chen'),
      t.login('coord.liu'),
      t.login('doc.hyqc'),
    ]);
    const created = await api(t, 'POST', '/api/patients', {
      token: doc,
      body: {
        mrn: 'PAPERS0001',
        familyNameZh: '周',
        givenNameZh: '桂兰',
        sex: 'F',
        birthDate: BIRTH,
        nationalId: NATIONAL_ID,
      },
    });
    expect(created.status).toBe(201);
    patientId = created.body.id;
    [centre] = (
      await t.db.query(
        `SELECT f.name_zh, f.name_en FROM facility f JOIN patient p ON p.home_facility_id = f.id WHERE p.id = $1`,
        [patientId],
      )
    ).rows;
    [hub] = (
      await t.db.query(
        `SELECT h.name_zh, h.name_en FROM facility h JOIN facility f ON f.hub_id = h.id JOIN patient p
            ON p.home_facility_id = f.id WHERE p.id = $1`,
        [patientId],
      )
    ).rows;
    const referral = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'URGENT', clinicalQuestion: '活动后胸闷一周' },
    });
    referralId = referral.body.id;
    // the ECG as recorded for this patient (the sample names another)
    const ecg = withAccessionNumber(
      await asFileOf(t, sample('ecg/syn_ecg_sinus_utf8_scpecg.dcm'), patientId),
      referral.body.number,
    );
    expect((await stow(t.url, doc, [ecg])).status).toBe(200);
    await recordConsent(t, doc, referralId);
    for (const [token, body] of [
      [doc, { type: 'submit' }],
      [cardio, { type: 'start_review' }],
    ] as const) {
      if (token === cardio) expect((await api(t, 'POST', '/api/referrals/claim-next', { token })).status).toBe(200);
      expect((await api(t, 'POST', `/api/referrals/${referralId}/events`, { token, body })).status).toBe(200);
    }
  });
  afterAll(async () => {
    await t.close();
  });

  const path = (p: string) => `/api/referrals/${referralId}${p}`;
  const pdfOf = async (res: Response) => {
    expect({ status: res.status, type: res.headers.get('content-type') }).toEqual({
      status: 200,
      type: 'application/pdf',
    });
    return Buffer.from(await res.arrayBuffer());
  };
  const sheet = (code: string, token = doc) =>
    fetch(`${t.url}/api/patients/${patientId}/access-codes/sheet`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ code }),
    });
  const form = (id: string, token = doc) =>
    fetch(`${t.url}/api/referrals/${id}/referral-form.pdf`, { headers: { authorization: `Bearer ${token}` } });
  const audits = async (action: string, resourceId: string) =>
    (
      await t.db.query(`SELECT outcome FROM audit_event WHERE action = $1 AND resource_id = $2 ORDER BY id`, [
        action,
        resourceId,
      ])
    ).rows.map((r: { outcome: string }) => r.outcome);

  it('prints the patient sheet: the name, the code in large type, a QR code opening the sign-in page; no birth date', async () => {
    const issued = await api(t, 'POST', `/api/patients/${patientId}/access-codes`, { token: doc });
    const code = issued.body.code as string;
    const pdf = await pdfOf(await sheet(code));
    const text = pdfText(pdf, 'patient-sheet');
    for (const s of ['患者须知', '周桂兰', code, '如何查看', 'How to sign in', `${PUBLIC_URL}/patient/sign-in`])
      expect(text).toContain(s);
    // Chinese first, then English.
    expect(text.indexOf('如何查看')).toBeLessThan(text.indexOf('How to sign in'));
    expect(text).toContain(`有效期至 Valid until: ${local(issued.body.expiresAt)}`);
    // The birth date is the other half of the key: not on the sheet, in no form.
    for (const s of [BIRTH, '1949', '19491231', NATIONAL_ID.slice(6, 14)]) expect(text).not.toContain(s);
    expect(text).toContain('医生尚未作出处理意见');
    // The QR code opens the sign-in page with the code in the fragment (never sent to a server).
    const qr = qrOf(pdf, 'patient-sheet');
    expect(qr).toBe(`${PUBLIC_URL}/patient/sign-in#code=${code}`);
    expect(qr).not.toContain('1949');
    // The code itself is stored only as a hash.
    const stored = JSON.stringify((await t.db.query(`SELECT * FROM patient_access_code`)).rows);
    expect(stored).not.toContain(code);
    expect(stored).not.toContain(code.replace('-', ''));
    await expect(audits('patient.access_code.sheet', patientId)).resolves.toEqual(['success']);
  });

  it('prints a sheet only for the live code, and only for the patient’s own centre (404, audited)', async () => {
    const first = (await api(t, 'POST', `/api/patients/${patientId}/access-codes`, { token: doc })).body.code;
    await api(t, 'POST', `/api/patients/${patientId}/access-codes`, { token: doc });
    // The earlier code no longer opens anything: no sheet that would mislead the patient.
    const stale = await sheet(first);
    expect(stale.status).toBe(400);
    await expect(stale.json()).resolves.toMatchObject({
      error: { code: 'VALIDATION_FAILED', details: { reason: 'code_not_current' } },
    });
    const foreign = await sheet(first, otherDoc);
    expect(foreign.status).toBe(404);
    const outcomes = await audits('patient.access_code.sheet', patientId);
    expect(outcomes.slice(-2)).toEqual(['failed', 'not_found']);
  });

  it('has no referral form while the patient is not sent to the hub', async () => {
    const res = await form(referralId);
    expect(res.status).toBe(409);
    await expect(res.json()).resolves.toMatchObject({ error: { details: { reason: 'not_referred' } } });
  });

  it('prints the 上转单 once the patient is referred up: both institutions, diagnosis with ICD-10, plan, appointment, signers, local times', async () => {
    await api(t, 'PUT', path('/report'), {
      token: cardio,
      body: {
        findings: '窦性心律，II、III、aVF 导联 ST 段压低 0.1 mV。',
        impression: '下壁心肌缺血可能',
        diagnoses: [{ code: 'I20.9', label: '心绞痛' }],
        disposition: 'refer_up_outpatient',
      },
    });
    const signed = await api(t, 'POST', path('/report/sign'), { token: cardio });
    expect(signed.status).toBe(200);
    const content = {
      diagnosis: '稳定型心绞痛（疑诊）',
      medications: [{ name: '阿司匹林肠溶片', dose: '100 mg', route: '口服', frequency: '每日一次', duration: '长期' }],
      instructions: '避免剧烈活动，按时服药。',
      bring: '身份证、医保卡、本次心电图报告',
    };
    expect(
      (await api(t, 'POST', path('/plan'), { token: cardio, body: { content, disposition: 'refer_up_outpatient' } }))
        .status,
    ).toBe(200);
    const booked = await api(t, 'POST', path('/plan/appointment'), {
      token: coord,
      body: { at: appointmentAt, department: '心内科门诊', place: '门诊楼 3 层 305 室' },
    });
    const version = booked.body.current.version as number;
    expect((await api(t, 'POST', path('/plan/sign'), { token: doc, body: { version } })).status).toBe(200);
    expect((await api(t, 'POST', path('/plan/sign'), { token: cardio, body: { version } })).body.agreed).toBe(true);

    const text = pdfText(await pdfOf(await form(referralId)), 'referral-form-up');
    const [{ submitted_at: submittedAt }] = (
      await t.db.query(`SELECT submitted_at FROM referral WHERE id = $1`, [referralId])
    ).rows;
    for (const s of [
      '双向转诊单（上转单）',
      '周桂兰',
      '女 Female',
      'PAPERS0001',
      `转出单位 Referring institution: ${centre.name_zh}`,
      `接收单位 Receiving institution: ${hub.name_zh}`,
      '下壁心肌缺血可能',
      'I20.9 心绞痛',
      '阿司匹林肠溶片',
      '心内科门诊',
      local(appointmentAt),
      `转诊时间 Referred: ${local(new Date(submittedAt).toISOString())}`,
      '陈强',
    ])
      expect(text).toContain(s);
    expect(text).toMatch(/年龄 Age: \d+ 岁/);
    // The national ID only masked.
    expect(text).not.toContain(NATIONAL_ID);
    expect(text).toMatch(/身份证号 National ID: 1101\S*\*/);
    expect(text).not.toContain('UTC');
    expect(text).not.toContain('下转单');
    await expect(audits('referral_form.pdf', referralId)).resolves.toEqual(['failed', 'success']);
  });

  it('prints the agreed decision on the patient sheet once there is one', async () => {
    const { code } = (await api(t, 'POST', `/api/patients/${patientId}/access-codes`, { token: doc })).body;
    const text = pdfText(await pdfOf(await sheet(code)), 'patient-sheet-decision');
    expect(text).toContain(`前往${hub.name_zh}心内科门诊就诊`);
    expect(text).toContain(local(appointmentAt));
    expect(text).toContain('避免剧烈活动，按时服药。');
    expect(text).toContain('医保卡');
    expect(text).not.toContain(BIRTH);
  });

  it('refuses the referral form outside the read scope with a 404, audited', async () => {
    const res = await form(referralId, otherDoc);
    expect(res.status).toBe(404);
    const outcomes = await audits('referral_form.pdf', referralId);
    expect(outcomes[outcomes.length - 1]).toBe('not_found');
  });

  it('prints the 下转单 when the hub refers the patient back down: from the hub to the community centre', async () => {
    const down = await api(t, 'POST', path('/events'), { token: coord, body: { type: 'refer_back_down' } });
    expect(down.status).toBe(200);
    const [{ id: backId, created_at: createdAt }] = (
      await t.db.query(`SELECT id, created_at FROM referral WHERE parent_referral_id = $1`, [referralId])
    ).rows;
    const text = pdfText(await pdfOf(await form(backId)), 'referral-form-down');
    for (const s of [
      '双向转诊单（下转单）',
      '周桂兰',
      `转出单位 Referring institution: ${hub.name_zh}`,
      `接收单位 Receiving institution: ${centre.name_zh}`,
      'I20.9 心绞痛',
      '刘洋',
      `转诊时间 Referred: ${local(new Date(createdAt).toISOString())}`,
    ])
      expect(text).toContain(s);
    expect(text).not.toContain('上转单');
    await expect(audits('referral_form.pdf', backId)).resolves.toEqual(['success']);
  });
});
