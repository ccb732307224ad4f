import type { Page } from 'playwright-core';
import { PNG } from 'pngjs';
import { withAccessionNumber } from '../../../api/test/support/dicom-edit.js';
import { stow } from '../../../api/test/support/dicom-files.js';
import { asFileOf } from '../../../api/test/support/referrals.js';
import { json } from '../support/api.js';
import { startWebTest, type WebTest } from '../support/browser.js';
import { sample } from '../support/data.js';

// Informed consent at the desk and in the reading room: the referring doctor cannot send a case before the
// patient's consent to remote diagnosis is recorded (here verbal, before a nurse as witness, or a photographed
// signed form); the cardiologist who reads the case sees that consent exists, and opens the form.
describe('informed consent before a referral is sent', () => {
  let w: WebTest;
  let doc: string;

  beforeAll(async () => {
    w = await startWebTest();
    doc = await w.app.login('doc.hyjq');
  });
  afterAll(async () => {
    await w?.close();
  });

  /** A draft ECG referral with its ECG (each test its own file) already stored: everything but consent. */
  const draftWithEcg = async (mrn: string, ecg: string) => {
    const { rows } = await w.app.db.query('SELECT id FROM patient WHERE mrn = $1', [mrn]);
    const created = await json(w, 'POST', '/api/referrals', doc, {
      patientId: rows[0].id,
      service: 'ECG',
      priority: 'URGENT',
      clinicalQuestion: '活动后胸闷一周，请判读心电图。',
    });
    // the sample is another patient's: recorded for this one, as the ECG cart would
    const file = await asFileOf(w.app, sample(ecg), rows[0].id as string);
    const stored = await stow(w.url, doc, [withAccessionNumber(file, created.number)]);
    expect(stored.status).toBe(200);
    return { id: created.id as string, number: created.number as string };
  };
  const referralState = (page: Page, state: string) =>
    page.locator(`[data-testid=referral-page][data-state=${state}]`).waitFor();
  const submit = async (page: Page, number: string) => {
    await page.getByTestId('action-submit').click();
    const dialog = page.getByRole('alertdialog', { name: new RegExp(number) });
    await dialog.getByTestId('confirm-ok').click();
    await referralState(page, 'submitted');
  };

  it('the doctor records verbal consent with its witness, then submits; the cardiologist sees that consent exists', async () => {
    const { id, number } = await draftWithEcg('BJCY100000', 'ecg/syn_ecg_sinus_utf8_scpecg.dcm');
    const page = await w.signIn(await w.context(), 'doc.hyjq');
    await page.goto(`/referrals/${id}`);
    await referralState(page, 'draft');
    // The consent step stands before the submit button, which is not offered yet.
    const panel = page.getByTestId('consent-panel');
    await expect(panel.textContent()).resolves.toContain('尚未记录知情同意，转诊不能提交。');
    await page.locator('[data-testid=referral-studies] [data-testid=referral-study]').waitFor();
    await expect(page.getByTestId('action-submit').count()).resolves.toBe(0);

    await page.getByTestId('consent-choose-verbal').click();
    // Saving without a witness is refused on the page, and nothing is recorded.
    await page.getByTestId('consent-save-verbal').click();
    await expect(panel.textContent()).resolves.toContain('请填写见证人姓名。');
    await page.getByLabel('见证人姓名').fill('李娜（护士）');
    await page.getByTestId('consent-save-verbal').click();
    const summary = page.locator('[data-testid=consent-summary][data-consent=verbal]');
    await summary.waitFor();
    await expect(summary.textContent()).resolves.toContain('见证人：李娜（护士）');
    await w.shot(page, '29-desk-consent-verbal');
    await submit(page, number);

    // The cardiologist opens the case: consent is on record, and how it was given.
    const cardio = await w.signIn(await w.context(), 'card.chen');
    await cardio.waitForURL('**/reading');
    await cardio.goto(`/reading/${id}`);
    const seen = cardio.locator('[data-testid=consent-summary][data-consent=verbal]');
    await seen.waitFor();
    await expect(seen.textContent()).resolves.toContain('李娜（护士）');
    await w.shot(cardio, '29-reading-consent');
    const { rows } = await w.app.db.query(
      `SELECT outcome FROM audit_event WHERE action = 'referral.consent.record' AND resource_id = $1`,
      [id],
    );
    expect(rows).toEqual([{ outcome: 'success' }]);
  });

  it('the doctor uploads a photo of the signed form in English; the reader opens it', async () => {
    const { id, number } = await draftWithEcg('BJCY100102', 'ecg/syn_ecg_sinus_gb18030_mdc.dcm');
    const page = await w.signIn(await w.context({ locale: 'en' }), 'doc.hyjq');
    await page.getByRole('button', { name: 'English' }).click();
    await page.goto(`/referrals/${id}`);
    await referralState(page, 'draft');
    await expect(page.getByTestId('consent-panel').textContent()).resolves.toContain(
      'No consent recorded yet: the referral cannot be submitted.',
    );
    const png = new PNG({ width: 60, height: 80 });
    png.data.fill(240);
    await page.getByTestId('consent-choose-form').click();
    await page
      .getByTestId('consent-file')
      .setInputFiles({ name: 'consent.png', mimeType: 'image/png', buffer: PNG.sync.write(png) });
    const summary = page.locator('[data-testid=consent-summary][data-consent=form]');
    await summary.waitFor();
    await expect(summary.textContent()).resolves.toContain('Signed consent form uploaded (PNG');
    await submit(page, number);

    const cardio = await w.signIn(await w.context(), 'card.chen');
    await cardio.waitForURL('**/reading');
    await cardio.goto(`/reading/${id}`);
    await cardio.locator('[data-testid=consent-summary][data-consent=form]').waitFor();
    const [tab] = await Promise.all([
      cardio.context().waitForEvent('page'),
      cardio.getByTestId('consent-open-form').click(),
    ]);
    await tab.waitForURL(/^blob:/);
    const { rows } = await w.app.db.query(
      `SELECT outcome FROM audit_event WHERE action = 'referral.consent.form.read' AND resource_id = $1`,
      [id],
    );
    expect(rows).toEqual([{ outcome: 'success' }]);
  });
});
