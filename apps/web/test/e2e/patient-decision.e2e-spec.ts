import type { BrowserContext, Page } from 'playwright-core';
import { json } from '../support/api.js';
import { startWebTest, type WebTest } from '../support/browser.js';
import { recordConsent } from '../../../api/test/support/referrals.js';

// The patient's page on a phone. The referral is driven to an agreed plan over the REST API (the
// doctors and the coordinator are other people): read, referred up to the hub's clinic, appointment
// booked, both signatures. The patient signs in with the code their community doctor gave them,
// reads the decision and the appointment in Chinese, switches to English, and acknowledges; the
// page leads nowhere else.
describe('the patient reads and acknowledges the decision on a phone', () => {
  let w: WebTest;
  let phone: BrowserContext | undefined;
  let page: Page;
  let referralId = '';
  let number = '';
  let appointmentDay = '';

  beforeAll(async () => {
    w = await startWebTest();
    const [doc, coord, cardio] = await Promise.all([
      w.app.login('doc.hyjq'),
      w.app.login('coord.liu'),
      w.app.login('card.chen'),
    ]);
    const { rows } = await w.app.db.query(
      `SELECT p.id, (SELECT id FROM app_user WHERE username = 'card.chen') AS cardio FROM patient p WHERE mrn = 'BJCY100000'`,
    );
    const patientId = rows[0].id as string;
    const created = await json(w, 'POST', '/api/referrals', doc, {
      patientId,
      service: 'ECG',
      priority: 'URGENT',
      clinicalQuestion: '胸闷两周，请判读心电图。',
    });
    referralId = created.id;
    number = created.number;
    // The study count is set in SQL: uploads have their own tests.
    await w.app.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      referralId,
    ]);
    await recordConsent(w, doc, referralId);
    await json(w, 'POST', `/api/referrals/${referralId}/events`, doc, { type: 'submit' });
    await json(w, 'POST', `/api/referrals/${referralId}/events`, coord, {
      type: 'reassign',
      specialistId: rows[0].cardio,
    });
    await json(w, 'POST', `/api/referrals/${referralId}/events`, cardio, { type: 'accept' });
    await json(w, 'POST', `/api/referrals/${referralId}/events`, cardio, { type: 'start_review' });
    await json(w, 'PUT', `/api/referrals/${referralId}/report`, cardio, {
      findings: '窦性心律，V4–V6 导联 ST 段压低 0.1 mV。',
      impression: '心肌缺血可能。',
      disposition: 'refer_up_outpatient',
    });
    await json(w, 'POST', `/api/referrals/${referralId}/report/sign`, cardio);
    await json(w, 'POST', `/api/referrals/${referralId}/plan`, cardio, {
      content: {
        diagnosis: '冠心病（稳定型心绞痛可能）',
        medications: [
          { name: '阿司匹林肠溶片', dose: '100 mg', route: '口服', frequency: '每日一次', duration: '长期' },
        ],
        followUp: '门诊就诊后 2 周回社区复诊',
        instructions: '避免剧烈活动，戒烟。按时服药。',
        bring: '身份证、医保卡、本次心电图',
        warningSigns: '胸痛超过 15 分钟不缓解',
      },
      disposition: 'refer_up_outpatient',
    });
    appointmentDay = new Date(Date.now() + 5 * 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10);
    const plan = await json(w, 'POST', `/api/referrals/${referralId}/plan/appointment`, coord, {
      at: new Date(`${appointmentDay}T14:30:00+08:00`).toISOString(),
      department: '心内科门诊',
      place: '门诊楼 3 层 305 室',
    });
    await json(w, 'POST', `/api/referrals/${referralId}/plan/sign`, cardio, { version: plan.current.version });
    await json(w, 'POST', `/api/referrals/${referralId}/plan/sign`, doc, { version: plan.current.version });
    const code = await json(w, 'POST', `/api/patients/${patientId}/access-codes`, doc);

    // A small phone: 375 CSS pixels wide.
    phone = await w.browser.newContext({
      baseURL: w.url,
      locale: 'zh-CN',
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
    });
    page = await phone.newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/patient/sign-in');
    await page.getByLabel('查询码').fill(code.code as string);
    const birth = await w.app.db.query(`SELECT birth_date::text AS d FROM patient WHERE id = $1`, [patientId]);
    await page.getByLabel('出生日期').fill(birth.rows[0].d as string);
    await page.getByRole('button', { name: '查看' }).click();
    await page.waitForURL((u) => u.pathname === '/patient');
  });
  afterAll(async () => {
    await phone?.close();
    await w?.close();
  });

  it('reads the decision, where to go and the appointment in Chinese', async () => {
    await page.getByRole('heading', { name: /孙娟，您好/ }).waitFor();
    await page.getByRole('heading', { name: '诊疗决定' }).waitFor();
    const main = page.getByRole('main');
    await main.getByText('请按预约时间到上级医院门诊就诊。').waitFor();
    const appt = page.getByTestId('appointment');
    await expect(appt.textContent()).resolves.toMatch(/14:30.*心内科门诊.*门诊楼 3 层 305 室/);
    const [, m, d] = appointmentDay.split('-').map(Number);
    await expect(appt.textContent()).resolves.toContain(`${m}月${d}日`);
    await expect(main.textContent()).resolves.toContain('冠心病（稳定型心绞痛可能）');
    await expect(main.textContent()).resolves.toContain('阿司匹林肠溶片');
    await expect(main.textContent()).resolves.toContain('身份证、医保卡、本次心电图');
    await expect(main.textContent()).resolves.toContain('拨打 120');
    // Nothing is wider than the phone, and the text is large.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const size = await main
      .getByText('请按预约时间到上级医院门诊就诊。')
      .evaluate((el) => parseFloat(getComputedStyle(el).fontSize));
    expect(size).toBeGreaterThanOrEqual(18);
    await w.shot(page, '60-patient-decision-phone');
  });

  it('offers nothing else about the patient', async () => {
    // No link in the page; the only menu entry is this page.
    await expect(page.getByRole('main').getByRole('link').count()).resolves.toBe(0);
    const nav = page.getByRole('navigation');
    await expect(nav.getByRole('link').allTextContents()).resolves.toEqual(['我的诊疗决定']);
    // Staff pages send the patient back to their own page; the staff API refuses them.
    await page.goto('/desk/patients');
    await page.waitForURL((u) => u.pathname === '/patient');
    await page.goto(`/referrals/${referralId}`);
    await page.waitForURL((u) => u.pathname === '/patient');
    const status = await page.evaluate(async (id) => {
      // The patient's own access token, as the page gets it from the sign-in cookie.
      const renewed = await fetch('/api/auth/refresh', { method: 'POST', headers: { 'x-zhiyin-csrf': '1' } });
      const token = ((await renewed.json()) as { accessToken?: string }).accessToken;
      const res = await fetch(`/api/referrals/${id}`, { headers: token ? { authorization: `Bearer ${token}` } : {} });
      return res.status;
    }, referralId);
    expect([401, 403, 404]).toContain(status);
    await page.getByRole('heading', { name: '诊疗决定' }).waitFor();
  });

  it('switches to English and acknowledges the decision', async () => {
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Your appointment' }).waitFor();
    await page.getByText('Please go to the hospital outpatient clinic at your appointment time.').waitFor();
    await expect(page.getByTestId('appointment').textContent()).resolves.toMatch(/14:30.*\(Beijing time\)/);
    await w.shot(page, '61-patient-decision-phone-en');

    await page.getByRole('button', { name: 'I have read and understood' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /You confirmed you read this decision on/ })
      .waitFor();
    await expect(page.getByRole('button', { name: 'I have read and understood' }).count()).resolves.toBe(0);
    const { rows } = await w.app.db.query('SELECT state FROM referral WHERE id = $1', [referralId]);
    expect(rows[0].state).toBe('acknowledged');
    await w.shot(page, '62-patient-acknowledged-phone-en');

    // Read again later: still acknowledged, in Chinese too.
    await page.getByRole('button', { name: '中文' }).click();
    await page.reload();
    await page.getByText(/您已于 .* 确认知晓这个决定/).waitFor();
    await expect(page.getByText(number).count()).resolves.toBe(1);
    await w.shot(page, '63-patient-acknowledged-phone');
  });
});
