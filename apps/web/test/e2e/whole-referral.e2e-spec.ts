import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { SHARED_DATA, startWebTest, type WebTest } from '../support/browser.js';
import { recordVerbalConsent } from '../support/consent.js';

// One referral from beginning to end with every person in their own browser, nothing driven through
// the API: the community doctor opens it and uploads the ECG; the cardiologist, already at the
// worklist, gets it offered live, reads it and signs a report that refers the patient up; the
// coordinator books the hub appointment from the board; both doctors sign the plan; the patient
// reads the decision on a phone and acknowledges it; the doctor records the outcome and the
// referral closes. Each step is seen by the others without reloading.
const ECG_OF_SUN_JUAN = 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/ECG_4_001.dcm';

describe('one referral, end to end, every role in the browser', () => {
  let w: WebTest;
  afterAll(async () => {
    await w?.close();
  });

  const state = (page: Page, testId: string, s: string) => page.locator(`[data-testid=${testId}][data-state=${s}]`);

  it('community doctor → cardiologist → coordinator → both signatures → patient → outcome', async () => {
    w = await startWebTest();
    const [docCtx, cardioCtx, coordCtx] = await Promise.all([w.context(), w.context(), w.context()]);

    // The cardiologist is at the worklist, live, before anything is sent.
    const cardio = await w.signIn(cardioCtx, 'card.chen');
    await cardio.waitForURL('**/reading');
    await cardio.locator('[data-testid=live][data-live=true]').waitFor();
    // The coordinator watches the board.
    const coord = await w.signIn(coordCtx, 'coord.liu');
    await coord.waitForURL('**/board');

    // 1. The community doctor opens an urgent ECG referral for 孙娟 and uploads her ECG.
    const doc = await w.signIn(docCtx, 'doc.hyjq');
    await doc.getByRole('link', { name: '新建转诊' }).click();
    await doc.getByLabel('查找患者').fill('孙娟');
    await doc.getByRole('button', { name: /孙娟/ }).click();
    await doc.getByTestId('chosen-patient').waitFor();
    await doc.getByLabel('加急').check();
    await doc.getByLabel('临床问题').fill('活动后胸闷两周，请判读心电图。');
    await doc.getByLabel('病史').fill('高血压 10 年，吸烟 20 年。');
    await doc.getByRole('button', { name: '创建转诊' }).click();
    await state(doc, 'referral-page', 'draft').waitFor();
    const number = (await doc.getByTestId('referral-number').textContent())!.trim();
    const referralId = doc.url().split('/referrals/')[1]!;
    await doc.getByTestId('add-studies').click();
    await doc.getByTestId('file-input').setInputFiles(join(SHARED_DATA, ECG_OF_SUN_JUAN));
    await doc.getByTestId('preview').waitFor();
    await doc.getByTestId('send').click();
    await doc.locator('[data-testid=upload-item][data-attach=attached]').waitFor();
    await recordVerbalConsent(doc);
    await doc.getByTestId('action-submit').click();
    await doc
      .getByRole('alertdialog', { name: `提交转诊 · ${number}` })
      .getByTestId('confirm-ok')
      .click();
    // Submitted, and at once offered to the cardiologist on duty and online.
    await doc.locator('[data-testid=referral-page]:not([data-state=draft])').waitFor();
    await w.shot(doc, '80-whole-doctor-submitted');

    // 2. The cardiologist gets the offer live, accepts, reads the ECG and signs a report that refers up.
    const offer = cardio.getByTestId('offer');
    await offer.waitFor();
    await expect(offer.textContent()).resolves.toContain(number);
    await w.shot(cardio, '81-whole-cardiologist-offer');
    await cardio.getByTestId('offer-accept').click();
    await cardio.waitForURL(`**/reading/${referralId}`);
    // The doctor sees it accepted, live.
    await state(doc, 'referral-page', 'accepted').waitFor();
    await cardio.getByTestId('ecg-paper').waitFor();
    const rate = Number(await cardio.getByTestId('ecg-heartRate').getAttribute('data-value'));
    expect(rate).toBeGreaterThan(30);
    expect(rate).toBeLessThan(200);
    await cardio.getByTestId('ecg-confirm').click();
    await expect(cardio.getByTestId('report-m-heartRate').getAttribute('data-value')).resolves.toBe(
      String(Math.round(rate)),
    );
    await cardio.getByTestId('findings').fill('窦性心律。V4–V6 导联 ST 段水平型压低 0.1 mV。');
    await cardio.getByTestId('impression').fill('心肌缺血可能，建议上级医院心内科门诊进一步检查。');
    await cardio.getByTestId('icd-search').fill('心绞痛');
    await cardio.getByTestId('icd-option').filter({ hasText: 'I20.9' }).click();
    await cardio.locator('[data-testid=diagnoses] [data-code="I20.9"]').waitFor();
    await cardio.getByLabel('上转门诊').check();
    await cardio.locator('[data-testid=save-status][data-status=saved]').waitFor();
    await cardio.getByTestId('sign').click();
    await cardio.getByTestId('sign-confirm').click();
    await cardio.getByTestId('signed-note').waitFor();
    await state(doc, 'referral-page', 'reported').waitFor();
    await expect(doc.getByTestId('report-impression').textContent()).resolves.toContain('心肌缺血可能');

    // The cardiologist proposes the plan: referred up to the hub's clinic.
    const plan = cardio.getByTestId('plan-panel');
    await plan.getByTestId('plan-edit').click();
    await plan.getByLabel('诊断', { exact: true }).fill('冠心病（稳定型心绞痛可能）');
    await plan.getByTestId('plan-save').click();
    await plan.getByTestId('plan-diagnosis').waitFor();
    await w.shot(cardio, '82-whole-cardiologist-report-plan');

    // 3. The coordinator books the hub appointment the plan needs, from the board.
    const needed = coord.getByTestId('appointments-needed').getByTestId('appointment-row').filter({ hasText: number });
    await needed.waitFor();
    await needed.getByRole('button', { name: `为 ${number} 预约上级医院就诊` }).click();
    const form = coord.getByRole('form', { name: `为 ${number} 预约上级医院就诊` });
    const day = new Date(Date.now() + 4 * 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10);
    await form.getByLabel('日期和时间').fill(`${day}T10:00`);
    await form.getByLabel('科室').fill('心内科门诊');
    await form.getByLabel('地点（选填）').fill('门诊楼 2 层 210 室');
    await form.getByRole('button', { name: '确认预约' }).click();
    await coord.getByTestId('appointments-booked').getByTestId('appointment-row').filter({ hasText: number }).waitFor();
    await w.shot(coord, '83-whole-coordinator-booked');

    // 4. Both doctors sign the plan with the appointment; it binds only with both signatures.
    const docPlan = doc.getByTestId('plan-panel');
    await docPlan.getByText('心内科门诊').first().waitFor();
    await plan.getByText('心内科门诊').first().waitFor();
    await plan.getByTestId('plan-sign').click();
    await cardio
      .getByRole('alertdialog', { name: /^签署第 \d+ 版治疗方案？$/ })
      .getByTestId('confirm-ok')
      .click();
    await doc.locator('[data-testid=signature-specialist][data-signed=true]').waitFor();
    await expect(doc.getByTestId('plan-agreed').count()).resolves.toBe(0);
    await docPlan.getByTestId('plan-sign').click();
    await doc
      .getByRole('alertdialog', { name: /^签署第 \d+ 版治疗方案？$/ })
      .getByTestId('confirm-ok')
      .click();
    await docPlan.getByTestId('plan-agreed').waitFor();
    await state(doc, 'referral-page', 'plan_agreed').waitFor();
    await cardio.locator('[data-testid=signature-community_doctor][data-signed=true]').waitFor();
    await w.shot(doc, '84-whole-plan-agreed');

    // 5. The doctor gives the patient a code; the patient reads the decision on a phone and acknowledges.
    await doc.getByTestId('referral-facts').getByRole('link', { name: '孙娟' }).click();
    await doc.getByRole('button', { name: '生成查询码' }).click();
    const code = (await doc.getByTestId('access-code').textContent())!.trim();
    const phone = await w.browser.newContext({
      baseURL: w.url,
      locale: 'zh-CN',
      viewport: { width: 375, height: 812 },
      isMobile: true,
      hasTouch: true,
    });
    const patient = await phone.newPage();
    patient.setDefaultTimeout(20_000);
    await patient.goto('/patient/sign-in');
    await patient.getByLabel('查询码').fill(code);
    await patient.getByLabel('出生日期').fill('2001-01-05');
    await patient.getByRole('button', { name: '查看' }).click();
    await patient.getByText('请按预约时间到上级医院门诊就诊。').waitFor();
    await expect(patient.getByTestId('appointment').textContent()).resolves.toMatch(/10:00.*心内科门诊.*2 层 210 室/);
    await w.shot(patient, '85-whole-patient-decision');
    await patient.getByRole('button', { name: '我已阅读并知晓' }).click();
    await patient.getByText(/您已于 .* 确认知晓这个决定/).waitFor();
    await phone.close();

    // 6. The doctor sees the acknowledgement and records the outcome; the referral closes for everyone.
    await doc.goBack();
    await state(doc, 'referral-page', 'acknowledged').waitFor();
    await doc.getByTestId('action-close').click();
    await doc.getByLabel('结案结果').selectOption('seen_at_hub');
    await doc.getByTestId('action-confirm').click();
    await doc
      .getByRole('alertdialog', { name: `登记结果并结案 · ${number}` })
      .getByTestId('confirm-ok')
      .click();
    await state(doc, 'referral-page', 'closed').waitFor();
    await expect(doc.getByTestId('referral-outcome').textContent()).resolves.toBe('上级医院门诊就诊');
    await w.shot(doc, '86-whole-closed');
    await cardio.locator('[data-testid=state][data-state=closed]').waitFor();

    // Every person's step is in the referral's history, in order.
    const { rows } = await w.app.db.query<{ event: string }>(
      `SELECT event FROM referral_event WHERE referral_id = $1 ORDER BY id`,
      [referralId],
    );
    const steps = [
      'submit',
      'accept',
      'sign_report',
      'propose_plan',
      'set_appointment',
      'sign_plan',
      'countersign_plan',
      'acknowledge',
      'close',
    ];
    expect(rows.map((r) => r.event).filter((e) => steps.includes(e))).toEqual(steps);
  });
});
