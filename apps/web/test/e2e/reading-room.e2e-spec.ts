import type { Page, Request } from 'playwright-core';
import { withAccessionNumber } from '../../../api/test/support/dicom-edit.js';
import { asFileOf } from '../../../api/test/support/referrals.js';
import { stow } from '../../../api/test/support/dicom-files.js';
import { json } from '../support/api.js';
import { startWebTest, type WebTest } from '../support/browser.js';
import { CT_STUDY_DIR, CT_SERIES, REAL_ECG, REAL_ECG_BPM, sample } from '../support/data.js';
import { recordConsent } from '../../../api/test/support/referrals.js';

// The reading room as a specialist uses it: a community doctor's referral (made and submitted over
// the REST API, its study sent by STOW-RS with the referral number as Accession Number) is offered
// live; the reader accepts it, reads the ECG (rate and intervals measured, confirmed into the
// report) or the CT (series, slices, window/level), writes and signs the report with an ICD-10 code,
// proposes the plan and takes the next case. The pool of the other specialty never shows up.
describe('reading room', () => {
  let w: WebTest;
  let doc: string;
  let ct: { id: string; number: string };

  /** What a community doctor does before the reading room sees anything: referral, study, submit. */
  const referWith = async (opts: {
    mrn: string;
    service: 'ECG' | 'IMAGING';
    modality?: string;
    priority: 'STAT' | 'URGENT' | 'ROUTINE';
    question: string;
    files: string[];
  }) => {
    const { rows } = await w.app.db.query('SELECT id FROM patient WHERE mrn = $1', [opts.mrn]);
    const created = await json(w, 'POST', '/api/referrals', doc, {
      patientId: rows[0].id,
      service: opts.service,
      modality: opts.modality,
      priority: opts.priority,
      clinicalQuestion: opts.question,
      history: '高血压 10 年，规律服药。',
    });
    const stored = await stow(
      w.url,
      doc,
      // each file as recorded for this patient (some samples name others)
      await Promise.all(
        opts.files.map(async (f) => withAccessionNumber(await asFileOf(w.app, sample(f), rows[0].id), created.number)),
      ),
    );
    expect(stored.status).toBe(200);
    await recordConsent(w, doc, created.id);
    await json(w, 'POST', `/api/referrals/${created.id}/events`, doc, { type: 'submit' });
    return { id: created.id as string, number: created.number as string };
  };

  const worklistNumbers = (page: Page) =>
    page
      .locator('[data-testid=worklist-row], [data-testid=my-case]')
      .evaluateAll((rows) => rows.map((r) => r.getAttribute('data-number')));

  beforeAll(async () => {
    w = await startWebTest();
    doc = await w.app.login('doc.hyjq');
    // A CT for the imaging pool, waiting before any reader is online.
    ct = await referWith({
      mrn: 'BJCY100000',
      service: 'IMAGING',
      modality: 'CT',
      priority: 'URGENT',
      question: '咳嗽两周，请读胸部 CT。',
      files: [...CT_SERIES, `${CT_STUDY_DIR}/DX_3_001.dcm`],
    });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a cardiologist gets an ECG offered live, reads it with its intervals, signs, proposes the plan, takes the next case', async () => {
    const page = await w.signIn(await w.context(), 'card.chen');
    await page.waitForURL('**/reading');
    await page.getByRole('heading', { name: '阅片工作台' }).waitFor();
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    await expect(page.getByTestId('live').textContent()).resolves.toContain('实时更新中');

    // The community doctor sends an urgent ECG: it is offered to the one cardiologist online.
    const ecg = await referWith({
      mrn: 'BJCY100102',
      service: 'ECG',
      priority: 'URGENT',
      question: '活动后胸闷一周，请判读心电图。',
      files: [REAL_ECG],
    });
    const offer = page.getByTestId('offer');
    await offer.waitFor();
    await expect(offer.textContent()).resolves.toContain(ecg.number);
    await expect(offer.textContent()).resolves.toContain('新的阅片派单');
    const seconds = Number(await page.getByTestId('offer-seconds').getAttribute('data-seconds'));
    expect(seconds).toBeGreaterThan(0);

    // The worklist shows it with the time left to its limit, counting down; the CT is never there.
    const row = page.locator(`[data-testid=worklist-row][data-number="${ecg.number}"]`);
    await row.waitFor();
    const clock = row.getByTestId('time-left');
    const before = await clock.textContent();
    const leftBefore = Number(await clock.getAttribute('data-left-ms'));
    await page.waitForFunction(
      ([n, text]) =>
        document.querySelector(`[data-testid=worklist-row][data-number="${n}"] [data-testid=time-left]`)
          ?.textContent !== text,
      [ecg.number, before] as const,
    );
    expect(Number(await clock.getAttribute('data-left-ms'))).toBeLessThan(leftBefore);
    await expect(clock.getAttribute('data-urgency')).resolves.toBe('ok');
    await expect(row.textContent()).resolves.toContain('加急');
    await expect(worklistNumbers(page)).resolves.not.toContain(ct.number);
    await w.shot(page, '30-reading-worklist-offer');

    // Accept from the pop-up: the workspace opens with the referral's header.
    await page.getByTestId('offer-accept').click();
    await page.waitForURL(`**/reading/${ecg.id}`);
    const header = page.getByTestId('referral-header');
    await expect(page.getByTestId('referral-number').textContent()).resolves.toBe(ecg.number);
    await expect(page.getByTestId('patient').textContent()).resolves.toBe('李秀英');
    await expect(page.getByTestId('clinical-question').textContent()).resolves.toContain('活动后胸闷');
    await expect(page.getByTestId('clinical-history').textContent()).resolves.toContain('高血压');
    await expect(header.textContent()).resolves.toContain('建桥');
    await page.locator('[data-testid=state][data-state=accepted]').waitFor();
    await expect(page.getByTestId('countdown').getAttribute('data-urgency')).resolves.toBe('ok');

    // The 12-lead ECG with rate and intervals measured, close to what the recording device measured
    // (RR 982 ms, PR 161, QRS 75, QT 368, QTc 370 ms).
    await page.getByTestId('ecg-paper').waitFor();
    const measured = async (key: string) => Number(await page.getByTestId(`ecg-${key}`).getAttribute('data-value'));
    expect(Math.abs((await measured('heartRate')) - REAL_ECG_BPM)).toBeLessThan(2);
    expect(Math.abs((await measured('prMs')) - 161)).toBeLessThan(25);
    expect(Math.abs((await measured('qrsMs')) - 75)).toBeLessThan(25);
    expect(Math.abs((await measured('qtMs')) - 368)).toBeLessThan(35);
    expect(Math.abs((await measured('qtcMs')) - 370)).toBeLessThan(40);
    expect(Math.abs((await measured('axisDeg')) - 52)).toBeLessThan(15);

    // The cardiologist corrects the QRS by hand and confirms: the values go into the report.
    await page.getByTestId('ecg-confirm-qrsMs').fill('78');
    await page.getByTestId('ecg-confirm').click();
    await expect(page.getByTestId('report-m-qrs').getAttribute('data-value')).resolves.toBe('78');
    await expect(page.getByTestId('report-m-heartRate').getAttribute('data-value')).resolves.toBe('61');

    // Findings typed; the draft saves itself.
    await page
      .getByTestId('findings')
      .fill('窦性心律，心率 61 次/分。PR、QRS、QT 间期正常。各导联 ST-T 未见明显异常。');
    await page.getByTestId('impression').fill('正常心电图');
    await page.locator('[data-testid=save-status][data-status=saved]').waitFor();
    await expect(page.getByTestId('save-status').textContent()).resolves.toContain('草稿已保存');

    // An ICD-10 code searched in Chinese.
    // Nothing is chosen before the reader moves: Enter alone adds nothing, ↓ + Enter adds the first option
    // (a pre-highlighted first option used to make ↓ + Enter add the second).
    await page.getByTestId('icd-search').fill('正常');
    await page.getByTestId('icd-option').filter({ hasText: 'Z01.8' }).waitFor();
    await expect(page.getByTestId('icd-option').first().textContent()).resolves.toContain('Z00.0');
    await expect(page.locator('[data-testid=icd-option][aria-selected=true]').count()).resolves.toBe(0);
    await page.getByTestId('icd-search').press('Enter');
    await page.getByTestId('icd-search').press('ArrowDown');
    await page.getByTestId('icd-search').press('Enter');
    await page.locator('[data-testid=diagnoses] [data-code="Z00.0"]').waitFor();
    await expect(page.locator('[data-testid=diagnoses] li').count()).resolves.toBe(1);
    await page.getByLabel('社区诊治').check();
    await page.locator('[data-testid=save-status][data-status=saved]').waitFor();
    await w.shot(page, '31-reading-ecg-report');

    // The shortcuts are listed in a popover.
    await page.getByTestId('shortcuts-button').click();
    await expect(page.getByTestId('shortcuts').textContent()).resolves.toContain('签发报告');
    await page.keyboard.press('Escape');

    // Sign, with a confirmation first.
    await page.getByTestId('sign').click();
    await page.getByTestId('sign-dialog').waitFor();
    await w.shot(page, '32-reading-sign-confirm');
    await page.getByTestId('sign-confirm').click();
    await page.getByTestId('signed-note').waitFor();
    await expect(page.getByTestId('signed-note').textContent()).resolves.toContain('陈强');
    const { rows } = await w.app.db.query(
      `SELECT signed_at, measurements, diagnoses, disposition FROM report WHERE referral_id = $1`,
      [ecg.id],
    );
    expect(rows[0].signed_at).not.toBeNull();
    expect(rows[0].measurements).toMatchObject({ heartRate: 61, qrs: 78 });
    expect(rows[0].diagnoses).toEqual([{ code: 'Z00.0', label: '一般医学检查（未见异常）' }]);
    expect(rows[0].disposition).toBe('manage_in_community');
    await page.locator('[data-testid=state][data-state=reported]').waitFor();

    // The plan, proposed in the embedded panel.
    const plan = page.getByTestId('plan-panel');
    await plan.getByTestId('plan-edit').click();
    await plan.getByLabel('诊断', { exact: true }).fill('心电图未见异常，胸闷原因待查');
    await plan.getByTestId('plan-save').click();
    await plan.getByTestId('plan-diagnosis').waitFor();
    await expect(plan.getByTestId('plan-diagnosis').textContent()).resolves.toContain('胸闷原因待查');
    await w.shot(page, '33-reading-signed-plan');

    // The workspace, its plan panel and its thread share one read of the referral (one audited read).
    const reads: string[] = [];
    const countRead = (req: Request) => {
      if (req.method() === 'GET' && new URL(req.url()).pathname === `/api/referrals/${ecg.id}`) reads.push(req.url());
    };
    page.on('request', countRead);
    await page.reload();
    await plan.getByTestId('plan-diagnosis').waitFor();
    await page.getByTestId('message-thread').waitFor();
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    await page.waitForTimeout(500);
    page.off('request', countRead);
    expect(reads).toHaveLength(1);

    // Another ECG arrives; "next case" (the N key) takes it and opens it.
    const second = await referWith({
      mrn: 'BJCY100102',
      service: 'ECG',
      priority: 'ROUTINE',
      question: '复查心电图。',
      files: ['ecg/syn_ecg_sinus_utf8_scpecg.dcm'],
    });
    await page.locator(`[data-testid=offer]`).filter({ hasText: second.number }).waitFor();
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('n');
    await page.waitForURL(`**/reading/${second.id}`);
    // The workspace renders the new referral (the URL changes a moment before the page does).
    await page.getByTestId('referral-number').filter({ hasText: second.number }).waitFor();
    await expect(page.getByTestId('report-form').count()).resolves.toBe(1);
    await page.getByTestId('ecg-paper').waitFor();
  });

  it('a radiologist takes the CT with the N key, pages slices, sets window/level and signs, in English', async () => {
    const page = await w.signIn(await w.context({ locale: 'en' }), 'rad.li');
    await page.waitForURL('**/reading');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Reading room' }).waitFor();
    // An ECG sent now belongs to the cardiologists' pool: never in this list.
    const ecg = await referWith({
      mrn: 'BJCY100102',
      service: 'ECG',
      priority: 'STAT',
      question: '胸痛 30 分钟。',
      files: ['ecg/syn_ecg_afib_utf8.dcm'],
    });
    await page.locator(`[data-number="${ct.number}"]`).first().waitFor();
    await page.getByTestId('live').filter({ hasText: 'Live' }).waitFor();
    await w.shot(page, '34-reading-worklist-en');
    await page.locator('body').click({ position: { x: 5, y: 300 } });
    await page.keyboard.press('n');
    await page.waitForURL(`**/reading/${ct.id}`);
    await expect(page.getByTestId('referral-number').textContent()).resolves.toBe(ct.number);

    // Two series (the CT and the chest radiograph); the CT's four slices, scrolled by keyboard.
    await page.getByTestId('series-link').nth(1).waitFor();
    await expect(page.getByTestId('series-link').count()).resolves.toBe(2);
    const viewer = page.getByTestId('image-viewer');
    const loaded = () =>
      page.waitForFunction(
        () => document.querySelector('[data-testid=image-viewer]')?.getAttribute('data-loaded') === 'true',
      );
    await page.getByTestId('series-link').filter({ hasText: 'CT' }).click();
    await loaded();
    await expect(viewer.getAttribute('data-slices')).resolves.toBe('4');
    await viewer.focus();
    await page.keyboard.press('ArrowDown');
    // The slice number changes once the next slice is drawn: waited for, not read at once (a press that is lost
    // still fails here).
    await page.waitForFunction(
      () => document.querySelector('[data-testid=image-viewer]')?.getAttribute('data-slice') === '2',
      undefined,
      { timeout: 15_000 },
    );
    await expect(viewer.getAttribute('data-slice')).resolves.toBe('2');
    await loaded();
    // Window/level by dragging.
    const ww = await viewer.getAttribute('data-ww');
    const box = (await viewer.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 100, box.y + box.height / 2 + 40, { steps: 5 });
    await page.mouse.up();
    expect(await viewer.getAttribute('data-ww')).not.toBe(ww);

    // Report in English, an ICD-10 code found by its English name, signed from the keyboard.
    await page.getByTestId('findings').fill('Lungs clear, no consolidation, effusion or mass.');
    await page.getByTestId('impression').fill('No acute cardiopulmonary abnormality.');
    await page.getByTestId('icd-search').fill('observation');
    const option = page.getByTestId('icd-option').filter({ hasText: 'Z03.9' });
    await option.waitFor();
    await option.click();
    await page.getByLabel('Manage at the community centre').check();
    await page.locator('[data-testid=save-status][data-status=saved]').waitFor();
    await w.shot(page, '35-reading-ct-report-en');
    await page.getByTestId('findings').press('Control+Enter');
    await page.getByTestId('sign-dialog').waitFor();
    await page.getByTestId('sign-confirm').click();
    await page.getByTestId('signed-note').waitFor();
    await expect(page.getByTestId('signed-note').textContent()).resolves.toContain('Signed by');

    // Back in the worklist: the ECG of the other pool was never shown.
    await page.getByRole('link', { name: 'Reading room' }).first().click();
    await page.getByRole('heading', { name: 'Reading room' }).waitFor();
    await expect(worklistNumbers(page)).resolves.not.toContain(ecg.number);
    const { rows } = await w.app.db.query('SELECT count(*)::int AS n FROM referral WHERE number = $1', [ecg.number]);
    expect(rows[0].n).toBe(1);
  });
});
