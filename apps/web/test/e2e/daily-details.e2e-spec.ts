import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { withAccessionNumber } from '../../../api/test/support/dicom-edit.js';
import { asFileOf } from '../../../api/test/support/referrals.js';
import { stow } from '../../../api/test/support/dicom-files.js';
import { json } from '../support/api.js';
import { SHARED_DATA, startWebTest, type WebTest } from '../support/browser.js';
import { CT_SERIES, sample } from '../support/data.js';
import { recordConsent } from '../../../api/test/support/referrals.js';

// The small things a community doctor, a cardiologist and a coordinator meet every day: the study count
// that follows an upload, the deadlines each of them acts on, a new-referral form that survives a
// refresh, a waiting time that stops at the report, and ECG measurements that cannot be changed once
// the report is signed.
describe('daily details of a referral', () => {
  let w: WebTest;
  let patientId: string;
  let cardioId: string;
  let doc: string;
  let coord: string;
  let cardio: string;

  beforeAll(async () => {
    w = await startWebTest();
    const { rows } = await w.app.db.query(
      `SELECT p.id, (SELECT id FROM app_user WHERE username = 'card.zhang') AS cardio FROM patient p WHERE mrn = 'BJCY100000'`,
    );
    patientId = rows[0].id;
    cardioId = rows[0].cardio;
    [doc, coord, cardio] = await Promise.all([
      w.app.login('doc.hyjq'),
      w.app.login('coord.liu'),
      w.app.login('card.zhang'),
    ]);
  });
  afterAll(async () => {
    await w?.close();
  });

  const newReferral = (service: 'ECG' | 'IMAGING', question: string) =>
    json(w, 'POST', '/api/referrals', doc, {
      patientId,
      service,
      ...(service === 'IMAGING' ? { modality: 'CT' } : {}),
      priority: 'STAT',
      clinicalQuestion: question,
    }) as Promise<{ id: string; number: string }>;
  const event = (id: string, token: string, body: object) =>
    json(w, 'POST', `/api/referrals/${id}/events`, token, body);
  const deadlineKinds = (page: Page) =>
    page.getByTestId('deadline').evaluateAll((els) => els.map((e) => e.getAttribute('data-kind')));

  /**
   * An ECG referral with its ECG, read and signed by card.zhang with confirmed measurements: made once
   * (the ECG file can be stored once), by whichever test asks first.
   */
  let signed: Promise<{ id: string; number: string }> | undefined;
  const signedEcgReferral = () => (signed ??= makeSignedEcgReferral());
  async function makeSignedEcgReferral() {
    const r = await newReferral('ECG', '心悸一小时，请判读心电图。');
    // the ECG as recorded for this patient (the sample names another)
    const ecg = await asFileOf(w.app, sample('ecg/syn_ecg_afib_utf8.dcm'), patientId);
    const stored = await stow(w.url, doc, [withAccessionNumber(ecg, r.number)]);
    expect(stored.status).toBe(200);
    await recordConsent(w, doc, r.id);
    await event(r.id, doc, { type: 'submit' });
    await event(r.id, coord, { type: 'reassign', specialistId: cardioId });
    await event(r.id, cardio, { type: 'accept' });
    await event(r.id, cardio, { type: 'start_review' });
    await json(w, 'PUT', `/api/referrals/${r.id}/report`, cardio, {
      findings: '心房颤动，心室率约 110 次/分。',
      impression: '心房颤动。',
      disposition: 'manage_in_community',
      measurements: { heartRate: 112, qrs: 88 },
    });
    await json(w, 'POST', `/api/referrals/${r.id}/report/sign`, cardio);
    return r;
  }

  it('the study count follows an upload live: files added to an attached study show without a reload', async () => {
    const r = await newReferral('IMAGING', '咳嗽两周，肺部病变？');
    const page = await w.signIn(await w.context(), 'doc.hyjq');
    await page.goto(`/referrals/${r.id}`);
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    await page.getByTestId('add-studies').click();

    // The first file attaches its study to the referral (one referral event)…
    await page.getByTestId('file-input').setInputFiles(join(SHARED_DATA, CT_SERIES[0]!));
    await page.getByTestId('send').click();
    await page.locator('[data-testid=upload-status][data-stored="1"][data-active="0"]').waitFor();
    await page.getByTestId('referral-study').filter({ hasText: '1 个文件' }).waitFor();

    // …the next three join the same study, which is already attached: no referral event says so.
    await page.getByTestId('file-input').setInputFiles(CT_SERIES.slice(1).map((f) => join(SHARED_DATA, f)));
    await page.getByTestId('send').click();
    await page.locator('[data-testid=upload-status][data-stored="4"][data-active="0"]').waitFor();
    await page.getByTestId('referral-study').filter({ hasText: '4 个文件' }).waitFor({ timeout: 10_000 });
    await expect(page.getByTestId('referral-study').count()).resolves.toBe(1);
    const { rows } = await w.app.db.query(`SELECT instance_count FROM study WHERE referral_id = $1`, [r.id]);
    expect(rows.map((x) => Number(x.instance_count))).toEqual([4]);
  });

  it('shows each person only the deadlines they act on, earliest first', async () => {
    const r = await newReferral('ECG', '胸痛半小时，请判读心电图。');
    await w.app.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      r.id,
    ]);
    await recordConsent(w, doc, r.id);
    await event(r.id, doc, { type: 'submit' });
    await event(r.id, coord, { type: 'reassign', specialistId: cardioId });
    // Offered to card.zhang: the offer timeout, the acceptance deadline and both report timers run.
    const { rows } = await w.app.db.query(`SELECT snapshot->'timers' AS timers FROM referral WHERE id = $1`, [r.id]);
    const timers = rows[0].timers as Record<string, string>;
    expect(Object.keys(timers).sort()).toEqual([
      'accept_deadline',
      'offer_timeout',
      'report_deadline',
      'report_warning',
    ]);
    const inTimeOrder = Object.entries(timers)
      .sort(([, a], [, b]) => Date.parse(a) - Date.parse(b))
      .map(([k]) => k);

    const doctor = await w.signIn(await w.context(), 'doc.hyjq');
    await doctor.goto(`/referrals/${r.id}`);
    await doctor.getByTestId('referral-facts').waitFor();
    await expect(doctor.getByTestId('referral-facts').textContent()).resolves.not.toContain('派单接收时限');
    await expect(deadlineKinds(doctor)).resolves.toEqual(['report_deadline']);

    const reader = await w.signIn(await w.context(), 'card.zhang');
    await reader.goto(`/referrals/${r.id}`);
    await reader.getByTestId('referral-facts').waitFor();
    await expect(deadlineKinds(reader)).resolves.toEqual(['report_deadline']);

    const coordinator = await w.signIn(await w.context(), 'coord.liu');
    await coordinator.goto(`/referrals/${r.id}`);
    await coordinator.getByTestId('referral-facts').waitFor();
    await expect(deadlineKinds(coordinator)).resolves.toEqual(inTimeOrder);
  });

  it('keeps the new-referral form through a refresh, for this doctor only, until it is sent or they sign out', async () => {
    const context = await w.context();
    const page = await w.signIn(context, 'doc.hyjq');
    await page.goto('/desk/referrals/new');
    await page.getByLabel('查找患者').fill('孙娟');
    await page.getByRole('button', { name: /孙娟/ }).click();
    await page.getByTestId('chosen-patient').waitFor();
    await page.getByLabel('加急').check();
    await page.getByLabel('临床问题').fill('阵发性心悸一周，是否房颤？');
    await page.getByLabel('病史').fill('高血压 10 年。');

    await page.reload();
    await page.getByTestId('chosen-patient').filter({ hasText: '孙娟' }).waitFor();
    await expect(page.getByLabel('临床问题').inputValue()).resolves.toBe('阵发性心悸一周，是否房颤？');
    await expect(page.getByLabel('病史').inputValue()).resolves.toBe('高血压 10 年。');
    await expect(page.getByLabel('加急').isChecked()).resolves.toBe(true);
    // What is kept is what the doctor typed or chose: the patient by id, not their name or record number.
    const kept = await page.evaluate(() =>
      Object.keys(sessionStorage)
        .filter((k) => k.startsWith('zhiyin.draft.'))
        .map((k) => sessionStorage.getItem(k) ?? ''),
    );
    expect(kept).toHaveLength(1);
    expect(kept[0]).toContain('阵发性心悸一周');
    expect(kept[0]).not.toContain('孙娟');
    expect(kept[0]).not.toContain('BJCY100000');

    // Signing out leaves nothing behind; the form opens empty after signing in again.
    await page.getByRole('button', { name: '退出' }).click();
    await page.waitForURL(/\/sign-in/);
    await expect(
      page.evaluate(() => Object.keys(sessionStorage).filter((k) => k.startsWith('zhiyin.draft.'))),
    ).resolves.toEqual([]);
    // Signed in again in the same tab (sessionStorage is the tab's).
    const again = page;
    await again.locator('input[name=username]').fill('doc.hyjq');
    await again.locator('input[name=password]').fill('Zhiyin-2026');
    await again.locator('form button[type=submit]').click();
    await again.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
    await again.goto('/desk/referrals/new');
    await again.getByLabel('临床问题').waitFor();
    await expect(again.getByLabel('临床问题').inputValue()).resolves.toBe('');

    // Sent: the draft goes with it.
    await again.getByLabel('查找患者').fill('孙娟');
    await again.getByRole('button', { name: /孙娟/ }).click();
    await again.getByLabel('临床问题').fill('心悸，请判读。');
    await again.getByRole('button', { name: '创建转诊' }).click();
    await again.locator('[data-testid=referral-page][data-state=draft]').waitFor();
    await again.goto('/desk/referrals/new');
    await again.getByLabel('临床问题').waitFor();
    await expect(again.getByLabel('临床问题').inputValue()).resolves.toBe('');
  });

  it('stops the waiting time at the signed report and says how long the report took', async () => {
    const r = await signedEcgReferral();

    // The community doctor's list and the referral say how long the report took, not a running wait.
    const doctor = await w.signIn(await w.context(), 'doc.hyjq');
    await doctor.goto('/desk/referrals');
    const row = doctor.locator(`[data-testid=referral-row][data-number=${r.number}]`);
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('用时');
    await expect(row.getByTestId('waited').getAttribute('data-stopped')).resolves.toBe('true');
    await expect(row.getByTestId('waited').textContent()).resolves.toMatch(/^用时 /);
    await doctor.goto(`/referrals/${r.id}`);
    await expect(doctor.getByTestId('referral-facts').textContent()).resolves.not.toContain('已等待');
    await expect(doctor.getByTestId('waited').textContent()).resolves.toContain('报告用时');
  });

  it('shows the ECG measurements of a signed report read-only, as in the signed report', async () => {
    const r = await signedEcgReferral();

    // The cardiologist reopens the signed case: the confirmed values are shown, not offered for editing.
    const reader = await w.signIn(await w.context(), 'card.zhang');
    await reader.goto(`/reading/${r.id}`);
    await reader.getByTestId('ecg-paper').waitFor();
    await reader.locator('[data-testid=ecg-confirm-heartRate][data-source=saved]').waitFor();
    await expect(reader.locator('.ecg-side input').count()).resolves.toBe(0);
    await expect(reader.getByTestId('ecg-confirm').count()).resolves.toBe(0);
    await expect(reader.getByTestId('ecg-confirm-heartRate').textContent()).resolves.toBe('112');
    await expect(reader.getByTestId('ecg-measures-note').textContent()).resolves.toContain('已签发的报告');
  });
});
