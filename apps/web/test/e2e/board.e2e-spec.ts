import { readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { json } from '../support/api.js';
import { startWebTest, type WebTest } from '../support/browser.js';
import { recordConsent } from '../../../api/test/support/referrals.js';

// The coordinator's board and the weekly figures. Referrals are made and moved over the REST API
// (the community doctor and the specialists are other people at other PCs); the coordinator
// watches them arrive live, sees a turnaround limit pass (the API runs with a one-minute STAT ECG
// policy), reassigns a referral, books the hub appointment of a patient referred up, and reads the
// week's figures with their charts and CSV.
describe('coordinator board and weekly figures', () => {
  let w: WebTest;
  let page: Page;
  let doc: string;
  let coord: string;
  let cardio: string;
  let stat: { id: string; number: string };
  let ct: { id: string; number: string };
  let up: { id: string; number: string };

  /** A community doctor's referral, submitted. The study count is set in SQL: uploads have their own tests. */
  const submitted = async (mrn: string, service: 'ECG' | 'IMAGING', priority: string) => {
    const { rows } = await w.app.db.query('SELECT id FROM patient WHERE mrn = $1', [mrn]);
    const created = await json(w, 'POST', '/api/referrals', doc, {
      patientId: rows[0].id,
      service,
      ...(service === 'IMAGING' ? { modality: 'CT' } : {}),
      priority,
      clinicalQuestion: '请协助诊断',
    });
    await w.app.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      created.id,
    ]);
    await recordConsent(w, doc, created.id);
    await json(w, 'POST', `/api/referrals/${created.id}/events`, doc, { type: 'submit' });
    return { id: created.id as string, number: created.number as string };
  };

  const userId = async (username: string) =>
    (await w.app.db.query('SELECT id FROM app_user WHERE username = $1', [username])).rows[0].id as string;

  beforeAll(async () => {
    w = await startWebTest({
      // STAT ECG: a one-minute limit to accept, so a limit passes while the test watches.
      TURNAROUND_POLICY: JSON.stringify({
        ECG: {
          STAT: { offerTimeoutMinutes: 1, acceptDeadlineMinutes: 1, reportWarningMinutes: 1, reportDeadlineMinutes: 2 },
        },
      }),
    });
    [doc, coord, cardio] = await Promise.all([
      w.app.login('doc.hyjq'),
      w.app.login('coord.liu'),
      w.app.login('card.chen'),
    ]);
    page = await w.signIn(await w.context(), 'coord.liu');
    page.on('pageerror', (err) => console.error('page error', err));
    // The narrowest workstation screen the board is made for.
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  const noSidewaysScroll = () =>
    expect(page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).resolves.toBeLessThanOrEqual(
      0,
    );

  afterAll(async () => {
    await w?.close();
  });

  it('shows referrals of both pools as they arrive, live', async () => {
    await page.getByRole('heading', { name: '调度看板' }).waitFor();
    await page.getByRole('status').filter({ hasText: '实时更新中' }).waitFor();
    await page.getByRole('heading', { name: /心电诊断中心/ }).waitFor();

    stat = await submitted('BJCY100000', 'ECG', 'STAT');
    ct = await submitted('BJCY100102', 'IMAGING', 'ROUTINE');
    const ecgPool = page.getByTestId('pool-ECG');
    const imgPool = page.getByTestId('pool-IMAGING');
    const statRow = ecgPool.getByTestId('queue-row').filter({ hasText: stat.number });
    const ctRow = imgPool.getByTestId('queue-row').filter({ hasText: ct.number });
    await statRow.waitFor();
    await ctRow.waitFor();
    await expect(statRow.textContent()).resolves.toMatch(/建桥.*急诊（立即）.*已提交，待分配/);
    await expect(statRow.textContent()).resolves.toContain('接收剩余');
    await expect(ctRow.textContent()).resolves.toContain('待分配');
    // Each row opens the referral page.
    await expect(statRow.getByRole('link', { name: stat.number }).getAttribute('href')).resolves.toBe(
      `/referrals/${stat.id}`,
    );
    // The specialists of each pool, with whether they are on duty and online.
    await expect(ecgPool.locator('.board-specialists').textContent()).resolves.toMatch(/在读 0 例/);
    await w.shot(page, '50-board');
  });

  it('a turnaround limit passing arrives live as an alert and an escalation', async () => {
    const alert = page.getByRole('alert').filter({ hasText: stat.number });
    // The one-minute accept limit of the STAT ECG (no cardiologist is online to take it).
    await alert.waitFor({ timeout: 120_000 });
    await expect(alert.textContent()).resolves.toMatch(/新的时限提醒.*(接收超时|报告即将超时)/);
    await page.getByTestId('board-escalations').getByText(stat.number).waitFor({ timeout: 30_000 });
    const row = page.getByTestId('pool-ECG').getByTestId('queue-row').filter({ hasText: stat.number });
    await row.getByText('已超时').waitFor();
    await expect(row.getAttribute('class')).resolves.toContain('board-miss');
    await expect(page.getByTestId('board-warnings').textContent()).resolves.toContain(stat.number);
    await w.shot(page, '51-board-turnaround-alert');
  });

  it('reassigns a referral to another specialist of its pool', async () => {
    const row = page.getByTestId('pool-IMAGING').getByTestId('queue-row').filter({ hasText: ct.number });
    await row.getByRole('button', { name: `改派 ${ct.number}` }).click();
    const form = page.getByRole('form', { name: `改派 ${ct.number}` });
    await form.waitFor();
    await form.getByLabel('改派给').selectOption({ label: (await optionLabel(form, '王芳')) ?? '' });
    await w.shot(page, '52-board-reassign-form');
    await form.getByRole('button', { name: /确认改派给/ }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${ct.number} 已改派给` })
      .waitFor();
    await row.getByText(/已派给 .*，待接收/).waitFor();
    const { rows } = await w.app.db.query('SELECT state, offered_to FROM referral WHERE id = $1', [ct.id]);
    expect(rows[0]).toEqual({ state: 'offered', offered_to: await userId('rad.wang') });
    await w.shot(page, '53-board-reassigned');

    // The radiologist accepts while the coordinator is deciding: the reassignment is refused, plainly.
    await row.getByRole('button', { name: `改派 ${ct.number}` }).click();
    await form.waitFor();
    await json(w, 'POST', `/api/referrals/${ct.id}/events`, await w.app.login('rad.wang'), { type: 'accept' });
    await row.getByText('已接收').waitFor();
    await form.getByLabel('改派给').selectOption({ label: (await optionLabel(form, '李明')) ?? '' });
    await form.getByRole('button', { name: /确认改派给/ }).click();
    await form.getByRole('alert').filter({ hasText: '这条记录刚被别人修改过' }).waitFor();
    const after = await w.app.db.query('SELECT state, assignee_id FROM referral WHERE id = $1', [ct.id]);
    expect(after.rows[0]).toEqual({ state: 'accepted', assignee_id: await userId('rad.wang') });
    await noSidewaysScroll();
    await w.shot(page, '53-board-reassign-refused');
    await form.getByRole('button', { name: '取消' }).click();
  });

  it('books the hub appointment of a patient referred up', async () => {
    // A cardiologist reads an urgent ECG and proposes a plan that sends the patient to the hub's clinic.
    up = await submitted('BJCY100103', 'ECG', 'URGENT');
    await json(w, 'POST', `/api/referrals/${up.id}/events`, coord, {
      type: 'reassign',
      specialistId: await userId('card.chen'),
    });
    await json(w, 'POST', `/api/referrals/${up.id}/events`, cardio, { type: 'accept' });
    await json(w, 'POST', `/api/referrals/${up.id}/events`, cardio, { type: 'start_review' });
    await json(w, 'PUT', `/api/referrals/${up.id}/report`, cardio, {
      findings: '窦性心律，V1–V4 导联 ST 段压低。',
      impression: '心肌缺血可能。',
      disposition: 'refer_up_outpatient',
    });
    await json(w, 'POST', `/api/referrals/${up.id}/report/sign`, cardio);
    await json(w, 'POST', `/api/referrals/${up.id}/plan`, cardio, {
      content: { diagnosis: '冠心病（待排）', medications: [], instructions: '避免剧烈活动。' },
      disposition: 'refer_up_outpatient',
    });

    const needed = page
      .getByTestId('appointments-needed')
      .getByTestId('appointment-row')
      .filter({ hasText: up.number });
    await needed.waitFor();
    await expect(needed.textContent()).resolves.toMatch(/上转.*未预约/);
    await needed.getByRole('button', { name: `为 ${up.number} 预约上级医院就诊` }).click();
    const form = page.getByRole('form', { name: `为 ${up.number} 预约上级医院就诊` });
    // A date in the past is refused before anything is sent.
    await form.getByLabel('日期和时间').fill('2020-01-01T09:00');
    await form.getByLabel('科室').fill('心内科门诊');
    await form.getByRole('button', { name: '确认预约' }).click();
    await form.getByText('请选择晚于现在的日期和时间。').waitFor();

    const day = new Date(Date.now() + 3 * 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10);
    await form.getByLabel('日期和时间').fill(`${day}T09:30`);
    await form.getByLabel('地点（选填）').fill('门诊楼 3 层 305 室');
    await w.shot(page, '54-board-book-appointment');
    await form.getByRole('button', { name: '确认预约' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${up.number} 已预约` })
      .waitFor();
    const booked = page
      .getByTestId('appointments-booked')
      .getByTestId('appointment-row')
      .filter({ hasText: up.number });
    await booked.waitFor();
    await expect(booked.textContent()).resolves.toMatch(/09:30.*心内科门诊.*门诊楼 3 层 305 室/);
    const plan = await json(w, 'GET', `/api/referrals/${up.id}/plan`, coord);
    expect(plan.current.hubAppointment).toEqual({
      at: new Date(`${day}T09:30:00+08:00`).toISOString(),
      department: '心内科门诊',
    });
    await w.shot(page, '55-board-appointment-booked');

    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Coordination board' }).waitFor();
    await page.getByRole('heading', { name: /ECG Diagnosis Centre/ }).waitFor();
    await w.shot(page, '56-board-en');
    await page.getByRole('button', { name: '中文' }).click();
  });

  it('shows the week’s figures with charts, and downloads them as CSV', async () => {
    await page.getByRole('navigation').getByRole('link', { name: '每周统计' }).click();
    await page.getByRole('heading', { name: '每周统计' }).waitFor();
    await page.getByTestId('figures-table').waitFor();
    // Three referrals were submitted from Jianqiao this week.
    await expect(page.getByTestId('figures-total').textContent()).resolves.toBe('3');
    const jianqiao = page.getByTestId('figures-table').locator('tbody tr').filter({ hasText: '建桥' });
    await expect(jianqiao.locator('td').first().textContent()).resolves.toBe('3');
    await expect(page.locator('figure svg[role=img]').count()).resolves.toBeGreaterThanOrEqual(3);
    await page.getByRole('img', { name: /各社区中心转诊数/ }).waitFor();
    await noSidewaysScroll();
    await w.shot(page, '57-board-figures');

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: '下载 CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^zhiyin-\d{4}-W\d{2}\.csv$/);
    const csv = readFileSync(await download.path(), 'utf8').replace(/^\uFEFF/, '');
    const lines = csv.trim().split('\r\n');
    expect(lines[0]).toMatch(/^week,centre_code,centre_name_zh/);
    expect(lines.find((l) => l.includes(',HYJQ,'))).toMatch(/,HYJQ,武汉市汉阳区建桥街社区卫生服务中心,".*",3,2,1,/);
    await page.getByRole('status').filter({ hasText: '已下载' }).waitFor();

    // The previous week is empty.
    await page.getByRole('button', { name: '上一周' }).click();
    await page.getByText('这一周没有提交的转诊。').waitFor();
  });

  it('shows a specialist coming online, live', async () => {
    await page.getByRole('navigation').getByRole('link', { name: '调度看板' }).click();
    const zhang = page.getByTestId(`specialist-${await userId('card.zhang')}`);
    await zhang.getByText('离线').waitFor();
    await w.signIn(await w.context(), 'card.zhang');
    await zhang.getByText('在线', { exact: true }).waitFor();
    await w.shot(page, '58-board-specialist-online');
  });
});

/** The label of the first option of a select in `scope` whose text contains `text`. */
async function optionLabel(scope: ReturnType<Page['getByRole']>, text: string): Promise<string | undefined> {
  const labels = await scope.locator('option').allTextContents();
  return labels.find((l) => l.includes(text));
}
