import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { AxeResults } from 'axe-core';
import type { BrowserContext, Page } from 'playwright-core';
import { withAccessionNumber } from '../../../api/test/support/dicom-edit.js';
import { asFileOf } from '../../../api/test/support/referrals.js';
import { stow } from '../../../api/test/support/dicom-files.js';
import { json } from '../support/api.js';
import { SHARED_DATA, startWebTest, type WebTest } from '../support/browser.js';
import { CT_SERIES, REAL_ECG, sample } from '../support/data.js';
import { recordConsent } from '../../../api/test/support/referrals.js';

// Every main screen, as its users see it, checked by axe-core against WCAG 2.1 A and AA: no
// violation of impact "serious" or "critical" anywhere (missing labels and names, low contrast,
// broken ARIA, tables without headers…), in Chinese and, for a few screens, in English. Referrals
// are set up over the REST API (the other people at other PCs) so each screen shows what it shows
// in use: a referral with its report, plan and questions; an ECG and a CT being read; a queue on
// the board; a decision for the patient's phone.
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
const WCAG_A_AA = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'];

/** The serious and critical violations on the page, each with its rule, help and offending nodes. */
async function violations(page: Page): Promise<string[]> {
  // The app's Content-Security-Policy refuses inline scripts, so axe is evaluated through the
  // DevTools protocol (as a test tool, outside the page's policy) rather than added as a <script>.
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(AXE_SOURCE);
  const found = await page.evaluate(async (tags) => {
    const axe = (window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<AxeResults> } }).axe;
    const result = await axe.run(document, { runOnly: { type: 'tag', values: tags }, resultTypes: ['violations'] });
    return result.violations
      .filter((v) => v.impact === 'serious' || v.impact === 'critical')
      .map((v) => ({
        id: v.id,
        impact: v.impact,
        help: v.help,
        nodes: v.nodes.map((n) => `${n.target.join(' ')}${n.failureSummary ? ` — ${n.failureSummary}` : ''}`),
      }));
  }, WCAG_A_AA);
  return found.map(
    (v) => `${v.id} (${v.impact}): ${v.help}\n    ${v.nodes.join('\n    ').replace(/\n(?! {4})/g, ' ')}`,
  );
}

interface Stop {
  /** the element's test id, else its accessible name (aria-label, label or text) */
  name: string;
  /** a focus indicator is drawn: :focus-visible with an outline of 2 px or more, or a box shadow */
  ring: boolean;
}

/** The element that has the keyboard focus, or null when nothing on the page has it. */
function focused(page: Page): Promise<Stop | null> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLElement | null;
    if (!el || el === document.body) return null;
    const cs = getComputedStyle(el);
    const ring =
      el.matches(':focus-visible') &&
      ((cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2) || cs.boxShadow !== 'none');
    const label = (el as HTMLInputElement).labels?.[0]?.textContent ?? '';
    const name = el.dataset.testid ?? (el.getAttribute('aria-label') || label || el.textContent || '');
    return { name: name.replace(/\s+/g, ' ').trim(), ring };
  });
}

/** Presses Tab until `last` has the focus (at most `max` times); every stop on the way. */
async function tabTo(page: Page, last: string | RegExp, max = 80): Promise<Stop[]> {
  const stops: Stop[] = [];
  for (let i = 0; i < max; i++) {
    await page.keyboard.press('Tab');
    const stop = await focused(page);
    if (!stop) continue;
    stops.push(stop);
    if (typeof last === 'string' ? stop.name === last : last.test(stop.name)) return stops;
  }
  throw new Error(`Tab never reached ${String(last)}; it went through: ${stops.map((s) => s.name).join(' → ')}`);
}

/** Where the focus is relative to a container: inside it, outside it on the page, or nowhere on the page. */
function focusIn(page: Page, selector: string): Promise<'inside' | 'outside' | 'nowhere'> {
  return page.evaluate((sel) => {
    const el = document.activeElement;
    if (!el || el === document.body) return 'nowhere';
    return el.closest(sel) ? 'inside' : 'outside';
  }, selector);
}

describe('accessibility of every main screen (axe-core, WCAG 2.1 A/AA)', () => {
  let w: WebTest;
  let doc: string;
  let coord: string;
  let cardio: string;
  let rad: string;
  const contexts: BrowserContext[] = [];
  /** an ECG referral with its thread, signed report and plan (refer up, appointment booked) */
  let reported: { id: string; number: string; patientId: string };
  /** an ECG accepted by the cardiologist, being read */
  let ecg: { id: string; number: string };
  /** a CT accepted by the radiologist, being read */
  let ct: { id: string; number: string };
  /** an ECG waiting in the cardiologists' queue */
  let waiting: { id: string; number: string };

  const userId = async (username: string) =>
    (await w.app.db.query('SELECT id FROM app_user WHERE username = $1', [username])).rows[0].id as string;
  const patientOf = async (mrn: string) =>
    (await w.app.db.query('SELECT id FROM patient WHERE mrn = $1', [mrn])).rows[0].id as string;

  /** A community doctor's referral with its study (Accession Number = referral number), submitted. */
  const submitted = async (mrn: string, service: 'ECG' | 'IMAGING', files: string[], question: string) => {
    const patientId = await patientOf(mrn);
    const created = await json(w, 'POST', '/api/referrals', doc, {
      patientId,
      service,
      ...(service === 'IMAGING' ? { modality: 'CT' } : {}),
      priority: 'URGENT',
      clinicalQuestion: question,
      history: '高血压 10 年，规律服药。',
    });
    const stored = await stow(
      w.url,
      doc,
      // each file as recorded for this patient (some samples name others)
      await Promise.all(
        files.map(async (f) => withAccessionNumber(await asFileOf(w.app, sample(f), patientId), created.number)),
      ),
    );
    expect(stored.status).toBe(200);
    await recordConsent(w, doc, created.id);
    await json(w, 'POST', `/api/referrals/${created.id}/events`, doc, { type: 'submit' });
    return { id: created.id as string, number: created.number as string };
  };
  /** Given by the coordinator to one reader, who accepts it. */
  const acceptedBy = async (referral: { id: string }, token: string, username: string) => {
    const event = (body: object, as = token) => json(w, 'POST', `/api/referrals/${referral.id}/events`, as, body);
    await event({ type: 'reassign', specialistId: await userId(username) }, coord);
    await event({ type: 'accept' });
  };

  const screen = async (page: Page, name: string) => {
    await w.shot(page, `a11y-${name}`);
    expect(await violations(page)).toEqual([]);
  };
  const staff = async (username: string, locale = 'zh-CN') => {
    const page = await w.signIn(await w.context({ locale }), username);
    if (locale === 'en') await page.getByRole('button', { name: 'English' }).click();
    return page;
  };
  /**
   * Enter on the focused button opens the app's confirmation (not the browser's): checked by axe while
   * open, the focus on its confirm button and kept inside by Tab and Shift+Tab; Escape closes it and
   * gives the focus back to the button. Returns the dialog, closed.
   */
  const confirmation = async (page: Page, opener: string, name: string | RegExp, shot: string) => {
    await expect(focused(page)).resolves.toMatchObject({ name: opener });
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('alertdialog', { name });
    await dialog.waitFor();
    await expect(focused(page)).resolves.toEqual({ name: 'confirm-ok', ring: true });
    await screen(page, shot);
    const where: string[] = [];
    for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab']) {
      await page.keyboard.press(key);
      where.push(await focusIn(page, '[role=alertdialog]'));
    }
    expect(where).toEqual(where.map(() => 'inside'));
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    await expect(focused(page)).resolves.toEqual({ name: opener, ring: true });
    return dialog;
  };
  /** Enter opens the confirmation again and Enter confirms it. */
  const confirmByKeyboard = async (page: Page, dialog: ReturnType<Page['getByRole']>) => {
    await page.keyboard.press('Enter');
    await dialog.waitFor();
    await page.keyboard.press('Enter');
    await dialog.waitFor({ state: 'detached' });
  };

  /** A small phone, 375 CSS pixels wide. */
  const phone = async (locale = 'zh-CN') => {
    const ctx = await w.browser.newContext({
      baseURL: w.url,
      locale,
      viewport: { width: 375, height: 812 },
      deviceScaleFactor: 1,
      isMobile: true,
      hasTouch: true,
    });
    contexts.push(ctx);
    const page = await ctx.newPage();
    page.setDefaultTimeout(20_000);
    return page;
  };

  beforeAll(async () => {
    w = await startWebTest();
    [doc, coord, cardio, rad] = await Promise.all([
      w.app.login('doc.hyjq'),
      w.app.login('coord.liu'),
      w.app.login('card.chen'),
      w.app.login('rad.li'),
    ]);

    // 孙娟's ECG: a question and its answer, a signed report referring her up, a plan with the hub
    // appointment, signed by the cardiologist and awaiting the community doctor's signature.
    reported = {
      ...(await submitted('BJCY100000', 'ECG', ['ecg/syn_ecg_afib_utf8.dcm'], '活动后胸闷两周，请判读心电图。')),
      patientId: await patientOf('BJCY100000'),
    };
    await acceptedBy(reported, cardio, 'card.chen');
    const event = (body: object, as: string) => json(w, 'POST', `/api/referrals/${reported.id}/events`, as, body);
    await event({ type: 'start_review' }, cardio);
    await event({ type: 'request_info', message: '胸闷发作时是否伴有出汗或放射痛？' }, cardio);
    await event({ type: 'answer_info', message: '伴有出汗，无放射痛，休息 5 分钟可缓解。' }, doc);
    await json(w, 'POST', `/api/referrals/${reported.id}/messages`, doc, { body: '患者今日血压 150/95 mmHg。' });
    await json(w, 'PUT', `/api/referrals/${reported.id}/report`, cardio, {
      findings: '窦性心律，V4–V6 导联 ST 段水平型压低 0.1 mV。',
      impression: '心肌缺血可能。',
      diagnoses: [{ code: 'I20.9', label: '心绞痛' }],
      disposition: 'refer_up_outpatient',
    });
    await json(w, 'POST', `/api/referrals/${reported.id}/report/sign`, cardio);
    await json(w, 'POST', `/api/referrals/${reported.id}/plan`, cardio, {
      content: {
        diagnosis: '冠心病（稳定型心绞痛可能）',
        medications: [
          { name: '阿司匹林肠溶片', dose: '100 mg', route: '口服', frequency: '每日一次', duration: '长期' },
        ],
        followUp: '门诊就诊后 2 周回社区复诊',
        instructions: '避免剧烈活动，戒烟。',
        bring: '身份证、医保卡、本次心电图',
        warningSigns: '胸痛超过 15 分钟不缓解',
      },
      disposition: 'refer_up_outpatient',
    });
    const day = new Date(Date.now() + 5 * 86_400_000 + 8 * 3600_000).toISOString().slice(0, 10);
    const plan = await json(w, 'POST', `/api/referrals/${reported.id}/plan/appointment`, coord, {
      at: new Date(`${day}T14:30:00+08:00`).toISOString(),
      department: '心内科门诊',
      place: '门诊楼 3 层 305 室',
    });
    await json(w, 'POST', `/api/referrals/${reported.id}/plan/sign`, cardio, { version: plan.current.version });

    // Being read: 李秀英's ECG by the cardiologist, 孙娟's chest CT by the radiologist.
    ecg = await submitted('BJCY100102', 'ECG', [REAL_ECG], '阵发性心悸一周，是否房颤？');
    await acceptedBy(ecg, cardio, 'card.chen');
    ct = await submitted('BJCY100000', 'IMAGING', CT_SERIES, '咳嗽两周，请读胸部 CT。');
    await acceptedBy(ct, rad, 'rad.li');
    // Waiting in the cardiologists' queue (offered to the cardiologist once he is online).
    waiting = await submitted('BJCY100102', 'ECG', ['ecg/syn_ecg_sinus_utf8_scpecg.dcm'], '复查心电图。');
  });
  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => undefined);
    await w?.close();
  });

  describe('signing in', () => {
    it('staff sign-in, in Chinese and in English', async () => {
      const page = await (await w.context()).newPage();
      await page.goto('/sign-in');
      await page.locator('input[name=username]').waitFor();
      await screen(page, 'sign-in');
      await page.getByRole('button', { name: 'English' }).click();
      await page
        .locator('form button[type=submit]')
        .filter({ hasText: /sign in/i })
        .waitFor();
      await screen(page, 'sign-in-en');
    });

    it('patient sign-in on a phone', async () => {
      const page = await phone();
      await page.goto('/patient/sign-in');
      await page.getByLabel('查询码').waitFor();
      await screen(page, 'patient-sign-in-phone');
    });
  });

  describe('community desk', () => {
    let page: Page;
    beforeAll(async () => {
      page = await staff('doc.hyjq');
    });

    it('referral list', async () => {
      await page.locator('[data-testid=live][data-live=true]').waitFor();
      await page.locator(`[data-testid=referral-row][data-number=${reported.number}]`).waitFor();
      await screen(page, 'desk-referrals');
    });

    it('new referral, a patient chosen', async () => {
      await page.getByRole('link', { name: '新建转诊' }).click();
      await page.getByRole('heading', { name: '新建转诊' }).waitFor();
      await page.getByLabel('查找患者').fill('孙娟');
      await page.getByRole('button', { name: /孙娟/ }).click();
      await page.getByTestId('chosen-patient').waitFor();
      await screen(page, 'desk-new-referral');
    });

    it('referral with its report, plan and thread', async () => {
      await page.goto(`/referrals/${reported.id}`);
      await page.getByTestId('report-signed').waitFor();
      await page.getByTestId('plan-diagnosis').waitFor();
      await page.locator('[data-testid=message][data-kind=answer]').waitFor();
      await page.getByTestId('plan-sign').waitFor();
      await screen(page, 'desk-referral');
    });

    it('a draft referral with the upload panel open', async () => {
      const draft = await json(w, 'POST', '/api/referrals', doc, {
        patientId: reported.patientId,
        service: 'IMAGING',
        modality: 'CT',
        priority: 'ROUTINE',
        clinicalQuestion: '咳嗽两周，肺部病变？',
      });
      await page.goto(`/referrals/${draft.id}`);
      await page.getByTestId('add-studies').click();
      await page.getByTestId('dropzone').waitFor();
      await screen(page, 'desk-referral-draft');
    });

    it('patients list, a patient, and the form to register one', async () => {
      await page.goto('/desk/patients');
      await page.getByRole('heading', { name: '患者', level: 1 }).waitFor();
      await page.getByRole('link', { name: '孙娟' }).first().waitFor();
      await screen(page, 'desk-patients');
      await page.goto(`/desk/patients/${reported.patientId}`);
      await page.getByTestId('patient-referrals').waitFor();
      await screen(page, 'desk-patient');
      await page.goto('/desk/patients/new');
      await page.getByRole('heading', { name: '登记新患者' }).waitFor();
      await screen(page, 'desk-patient-form');
    });

    it('upload, with files chosen and previewed', async () => {
      await page.goto('/desk/upload');
      await page.getByTestId('dropzone').waitFor();
      await screen(page, 'desk-upload');
      await page.getByTestId('file-input').setInputFiles(CT_SERIES.map((f) => join(SHARED_DATA, f)));
      await page.getByTestId('preview').waitFor();
      await screen(page, 'desk-upload-preview');
    });

    it('studies list', async () => {
      await page.goto('/studies');
      await page.getByTestId('study-link').first().waitFor();
      await screen(page, 'studies');
    });

    it('referral in English', async () => {
      const en = await staff('doc.hyjq', 'en');
      await en.goto(`/referrals/${reported.id}`);
      await en.getByTestId('report-signed').waitFor();
      await en.getByTestId('plan-diagnosis').waitFor();
      await screen(en, 'desk-referral-en');
    });
  });

  describe('reading room', () => {
    it('worklist with an offer, and the ECG workspace', async () => {
      const page = await staff('card.chen');
      await page.getByRole('heading', { name: '阅片工作台' }).waitFor();
      await page.locator('[data-testid=live][data-live=true]').waitFor();
      await page.locator(`[data-testid=my-case][data-number="${ecg.number}"]`).waitFor();
      await page.getByTestId('offer').filter({ hasText: waiting.number }).waitFor();
      await screen(page, 'reading-worklist');
      await page.goto(`/reading/${ecg.id}`);
      await page.getByTestId('ecg-paper').waitFor();
      await page.getByTestId('ecg-heartRate').waitFor();
      await screen(page, 'reading-ecg');
    });

    it('the CT workspace, in English', async () => {
      const page = await staff('rad.li', 'en');
      await page.goto(`/reading/${ct.id}`);
      await page.getByTestId('series-link').first().click();
      await page.locator('[data-testid=image-viewer][data-loaded=true]').waitFor();
      await screen(page, 'reading-ct-en');
    });
  });

  describe('coordinator', () => {
    let page: Page;
    beforeAll(async () => {
      page = await staff('coord.liu');
    });

    it('board, with the reassign and booking forms open, in Chinese and in English', async () => {
      await page.getByRole('heading', { name: '调度看板' }).waitFor();
      await page.getByTestId('pool-ECG').getByTestId('queue-row').first().waitFor();
      await screen(page, 'board');
      await page.getByRole('button', { name: `改派 ${ct.number}` }).click();
      await page.getByRole('form', { name: `改派 ${ct.number}` }).waitFor();
      await screen(page, 'board-reassign');
      await page
        .getByRole('form', { name: `改派 ${ct.number}` })
        .getByRole('button', { name: '取消' })
        .click();
      await page.getByRole('button', { name: `为 ${reported.number} 改约` }).click();
      await page.getByRole('form', { name: `修改 ${reported.number} 的预约` }).waitFor();
      await screen(page, 'board-book');
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { name: 'Coordination board' }).waitFor();
      await screen(page, 'board-en');
      await page.getByRole('button', { name: '中文' }).click();
    });

    it('weekly figures', async () => {
      await page.getByRole('navigation').getByRole('link', { name: '每周统计' }).click();
      await page.getByTestId('figures-table').waitFor();
      await screen(page, 'figures');
    });
  });

  describe('administration', () => {
    let page: Page;
    beforeAll(async () => {
      page = await staff('admin');
    });

    it.each([
      ['facilities', '医疗机构'],
      ['users', '用户'],
      ['rosters', '值班表'],
      ['policy', '时限规则'],
      ['devices', '设备与网关'],
      ['audit', '审计日志'],
    ])('%s', async (path, heading) => {
      await page.goto(`/admin/${path}`);
      await page.getByRole('heading', { name: heading, level: 1 }).waitFor();
      // no device is registered in a new network: the registration form is what there is to check
      if (path === 'devices') await page.getByRole('button', { name: '登记设备' }).click();
      await page.locator('table, form').first().waitFor();
      await screen(page, `admin-${path}`);
    });

    it('the facility and user forms, with the errors of an empty form', async () => {
      await page.goto('/admin/facilities');
      await page.getByRole('button', { name: '新增机构' }).click();
      const form = page.locator('section.admin-editor');
      await form.getByRole('button', { name: '保存' }).click();
      await form.locator('.field-error').first().waitFor();
      await screen(page, 'admin-facility-form');
      await page.goto('/admin/users');
      await page.getByRole('button', { name: '新增用户' }).click();
      await form.getByRole('button', { name: '保存' }).click();
      await form.locator('.field-error').first().waitFor();
      await screen(page, 'admin-user-form');
    });

    it('audit trail in English', async () => {
      await page.goto('/admin/audit');
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
      await page.locator('table.admin-audit tbody tr').first().waitFor();
      await screen(page, 'admin-audit-en');
    });
  });

  describe('the patient on a phone', () => {
    it('reads the decision in Chinese and in English, and acknowledges it', async () => {
      // The community doctor signs the plan too: it binds, and the patient can read it.
      const plan = await json(w, 'GET', `/api/referrals/${reported.id}/plan`, doc);
      await json(w, 'POST', `/api/referrals/${reported.id}/plan/sign`, doc, { version: plan.current.version });
      const code = await json(w, 'POST', `/api/patients/${reported.patientId}/access-codes`, doc);
      const birth = await w.app.db.query(`SELECT birth_date::text AS d FROM patient WHERE id = $1`, [
        reported.patientId,
      ]);
      const page = await phone();
      await page.goto('/patient/sign-in');
      await page.getByLabel('查询码').fill(code.code as string);
      await page.getByLabel('出生日期').fill(birth.rows[0].d as string);
      await page.getByRole('button', { name: '查看' }).click();
      await page.getByRole('heading', { name: '诊疗决定' }).waitFor();
      await page.getByTestId('appointment').waitFor();
      await screen(page, 'patient-decision-phone');
      await page.getByRole('button', { name: 'English' }).click();
      await page.getByRole('heading', { name: 'Your appointment' }).waitFor();
      await screen(page, 'patient-decision-phone-en');
      await page.getByRole('button', { name: 'I have read and understood' }).click();
      await page
        .getByRole('status')
        .filter({ hasText: /You confirmed you read this decision on/ })
        .waitFor();
      await screen(page, 'patient-acknowledged-phone-en');
    });
  });

  describe('keyboard', () => {
    it('desk referral list: skip link, menu, new referral, views, filters, then the referrals, each with a visible focus ring', async () => {
      const page = await staff('doc.hyjq');
      await page.locator(`[data-testid=referral-row][data-number=${reported.number}]`).waitFor();
      const stops = await tabTo(page, /^ZY\d{11}$/);
      expect(stops.map((s) => s.name)).toEqual([
        '跳到正文',
        '转诊',
        '患者',
        '上传检查',
        '检查影像',
        '中文',
        'English',
        '两步验证',
        '退出',
        '新建转诊',
        '进行中',
        expect.stringMatching(/^待我处理/),
        '已结束',
        '全部',
        '按转诊号或患者查找',
        '状态',
        '优先级',
        expect.stringMatching(/^ZY\d{11}$/),
      ]);
      expect(stops.filter((s) => !s.ring)).toEqual([]);

      // The skip link shows when focused and takes the keyboard past the menu to the page itself.
      await page.reload();
      await page.locator(`[data-testid=referral-row][data-number=${reported.number}]`).waitFor();
      await page.keyboard.press('Tab');
      const skip = page.getByRole('link', { name: '跳到正文' });
      const box = await skip.boundingBox();
      expect(box && box.x >= 0 && box.y >= 0).toBe(true);
      await page.keyboard.press('Enter');
      await page.keyboard.press('Tab');
      await expect(focused(page)).resolves.toEqual({ name: '新建转诊', ring: true });
    });

    it('reading workspace: header, viewer, measurements, report, then sign; the sign confirmation keeps the focus and gives it back', async () => {
      // The waiting ECG is taken first, so no offer pops up in the middle of the page's order.
      const { rows: held } = await w.app.db.query('SELECT state FROM referral WHERE id = $1', [waiting.id]);
      if (held[0].state === 'offered')
        await json(w, 'POST', `/api/referrals/${waiting.id}/events`, cardio, { type: 'accept' });
      else await acceptedBy(waiting, cardio, 'card.chen');
      const page = await staff('card.chen');
      await page.goto(`/reading/${ecg.id}`);
      await page.getByTestId('ecg-heartRate').waitFor();
      await page.getByTestId('sign').waitFor();
      const stops = await tabTo(page, 'sign');
      const names = stops.map((s) => s.name);
      expect(names[0]).toBe('跳到正文');
      const main = [
        'shortcuts-button',
        'next-case',
        'action-start_review',
        'calipers-toggle',
        'ecg-confirm-heartRate',
        'ecg-confirm',
        'findings',
        'impression',
        'icd-search',
        'sign',
      ];
      // Each main action once, in the order of the screen.
      expect(main.map((n) => names.filter((x) => x === n).length)).toEqual(main.map(() => 1));
      expect(main.map((n) => names.indexOf(n))).toEqual(main.map((n) => names.indexOf(n)).sort((a, b) => a - b));
      expect(names.slice(names.indexOf('calipers-toggle'), names.indexOf('ecg-confirm-heartRate'))).toContainEqual(
        expect.stringMatching(/^12 导联心电图/),
      );
      expect(stops.filter((s) => !s.ring)).toEqual([]);

      // Enter on "sign" asks for confirmation in a modal dialog that holds the focus…
      await page.keyboard.press('Enter');
      const dialog = page.getByTestId('sign-dialog');
      await dialog.waitFor();
      await expect(focused(page)).resolves.toEqual({ name: 'sign-confirm', ring: true });
      await screen(page, 'reading-sign-dialog');
      const inDialog: string[] = [];
      for (const key of ['Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
        await page.keyboard.press(key);
        inDialog.push(await focusIn(page, 'dialog[open]'));
      }
      expect(inDialog).toEqual(inDialog.map(() => 'inside'));
      // …and gives it back to "sign" when closed, by Escape or by its cancel button; nothing is signed.
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'hidden' });
      await expect(focused(page)).resolves.toEqual({ name: 'sign', ring: true });
      await page.keyboard.press('Enter');
      await dialog.waitFor();
      await page.keyboard.press('Tab');
      await expect(focused(page)).resolves.toEqual({ name: '取消', ring: true });
      await page.keyboard.press('Enter');
      await dialog.waitFor({ state: 'hidden' });
      await expect(focused(page)).resolves.toEqual({ name: 'sign', ring: true });
      const { rows } = await w.app.db.query('SELECT signed_at FROM report WHERE referral_id = $1', [ecg.id]);
      expect(rows.map((r) => r.signed_at)).not.toContainEqual(expect.any(Date));

      // The shortcut list ("?") takes the focus, and Escape gives it back to its button.
      await page.keyboard.press('?');
      await page.getByTestId('shortcuts').waitFor();
      await expect(focusIn(page, '[data-testid=shortcuts]')).resolves.toBe('inside');
      await screen(page, 'reading-shortcuts');
      await page.keyboard.press('Escape');
      await expect(focused(page)).resolves.toEqual({ name: 'shortcuts-button', ring: true });
    });

    it('an action confirmation on the referral page: reached by Tab, its field next, and the focus back on its button when cancelled', async () => {
      const draft = await json(w, 'POST', '/api/referrals', doc, {
        patientId: reported.patientId,
        service: 'ECG',
        priority: 'ROUTINE',
        clinicalQuestion: '心悸',
      });
      const page = await staff('doc.hyjq');
      await page.goto(`/referrals/${draft.id}`);
      await page.getByTestId('action-cancel').waitFor();
      await tabTo(page, 'action-cancel');
      await page.keyboard.press('Enter');
      const form = page.locator('form.ref-action-form');
      await form.waitFor();
      await expect(page.getByTestId('action-cancel').getAttribute('aria-expanded')).resolves.toBe('true');
      await page.keyboard.press('Tab');
      await expect(focusIn(page, 'form.ref-action-form')).resolves.toBe('inside');
      await screen(page, 'desk-referral-action-form');
      await tabTo(page, '取消', 5);
      await page.keyboard.press('Enter');
      await form.waitFor({ state: 'detached' });
      await expect(focused(page)).resolves.toEqual({ name: 'action-cancel', ring: true });
      await expect(json(w, 'GET', `/api/referrals/${draft.id}`, doc)).resolves.toMatchObject({ state: 'draft' });
    });

    it('replacing a patient code asks in the app: Escape keeps the code, Enter replaces it', async () => {
      const patientId = await patientOf('BJCY100102');
      const page = await staff('doc.hyjq');
      await page.goto(`/desk/patients/${patientId}`);
      // The first code needs no confirmation: nothing is replaced.
      await page.getByRole('button', { name: '生成查询码' }).click();
      const shown = page.getByTestId('access-code');
      const first = (await shown.textContent())!.trim();
      const codes = async () =>
        (await w.app.db.query('SELECT count(*)::int AS n FROM patient_access_code WHERE patient_id = $1', [patientId]))
          .rows[0].n as number;
      const before = await codes();
      await page.getByTestId('issue-code').focus();
      const dialog = await confirmation(page, 'issue-code', '重新生成查询码？', 'desk-patient-code-confirm');
      await expect(dialog.count()).resolves.toBe(0);
      await expect(shown.textContent()).resolves.toBe(first);
      await expect(codes()).resolves.toBe(before);
      await confirmByKeyboard(page, dialog);
      await page.waitForFunction(
        (code) => document.querySelector('[data-testid=access-code]')?.textContent !== code,
        first,
      );
      await expect(codes()).resolves.toBe(before + 1);
    });

    it('a workflow action asks in the app: Escape leaves the referral as it was, Enter takes the step', async () => {
      const draft = await json(w, 'POST', '/api/referrals', doc, {
        patientId: reported.patientId,
        service: 'ECG',
        priority: 'ROUTINE',
        clinicalQuestion: '胸闷',
      });
      const page = await staff('doc.hyjq');
      await page.goto(`/referrals/${draft.id}`);
      await page.getByTestId('action-cancel').click();
      await page.getByLabel('取消原因').selectOption({ index: 1 });
      await tabTo(page, 'action-confirm', 5);
      const dialog = await confirmation(page, 'action-confirm', `取消转诊 · ${draft.number}`, 'desk-referral-confirm');
      await expect(json(w, 'GET', `/api/referrals/${draft.id}`, doc)).resolves.toMatchObject({ state: 'draft' });
      // The way out is not worded like the action ("取消" beside "取消转诊").
      await page.keyboard.press('Enter');
      await dialog.waitFor();
      await expect(dialog.getByRole('button').allTextContents()).resolves.toEqual(['取消转诊', '暂不取消']);
      await page.keyboard.press('Escape');
      await dialog.waitFor({ state: 'detached' });
      await confirmByKeyboard(page, dialog);
      await page.locator('[data-testid=referral-page][data-state=cancelled]').waitFor();
      await expect(json(w, 'GET', `/api/referrals/${draft.id}`, doc)).resolves.toMatchObject({ state: 'cancelled' });
    });

    it('signing the plan asks in the app, in Chinese and in English: Escape signs nothing, Enter signs', async () => {
      // An ECG reported and its plan signed by the cardiologist, waiting for the community doctor.
      const awaiting = await submitted('BJCY100102', 'ECG', ['ecg/syn_ecg_sinus_gb18030_mdc.dcm'], '心悸复查。');
      const path = (p: string) => `/api/referrals/${awaiting.id}${p}`;
      // Given to the cardiologist by the coordinator, unless the router has just offered it to him (he is online).
      await acceptedBy(awaiting, cardio, 'card.chen').catch(() =>
        json(w, 'POST', path('/events'), cardio, { type: 'accept' }),
      );
      await json(w, 'POST', path('/events'), cardio, { type: 'start_review' });
      await json(w, 'PUT', path('/report'), cardio, {
        findings: '窦性心律，偶发房性早搏。',
        impression: '偶发房性早搏。',
        diagnoses: [{ code: 'I49.1', label: '房性早搏' }],
        disposition: 'manage_in_community',
      });
      await json(w, 'POST', path('/report/sign'), cardio);
      await json(w, 'POST', path('/plan'), cardio, {
        content: { diagnosis: '偶发房性早搏', medications: [] },
        disposition: 'manage_in_community',
      });
      await json(w, 'POST', path('/plan/sign'), cardio, { version: 1 });
      const signatures = async () =>
        (await w.app.db.query('SELECT count(*)::int AS n FROM plan_signature WHERE referral_id = $1', [awaiting.id]))
          .rows[0].n as number;

      const en = await staff('doc.hyjq', 'en');
      await en.goto(`/referrals/${awaiting.id}`);
      await en.getByTestId('plan-sign').focus();
      await confirmation(en, 'plan-sign', 'Sign version 1 of the treatment plan?', 'desk-plan-sign-confirm-en');

      const page = await staff('doc.hyjq');
      await page.goto(`/referrals/${awaiting.id}`);
      await page.getByTestId('plan-sign').focus();
      const dialog = await confirmation(page, 'plan-sign', '签署第 1 版治疗方案？', 'desk-plan-sign-confirm');
      await expect(page.getByTestId('signature-community_doctor').getAttribute('data-signed')).resolves.toBe('false');
      await expect(signatures()).resolves.toBe(1);
      await confirmByKeyboard(page, dialog);
      await page.getByTestId('plan-agreed').waitFor();
      await expect(signatures()).resolves.toBe(2);
    });

    it('a form opened on the board gives the focus back to its button when cancelled', async () => {
      const page = await staff('coord.liu');
      const open = page.getByRole('button', { name: `改派 ${ct.number}` });
      await open.focus();
      await page.keyboard.press('Enter');
      const form = page.getByRole('form', { name: `改派 ${ct.number}` });
      await form.waitFor();
      await page.keyboard.press('Tab');
      await expect(focused(page)).resolves.toMatchObject({ name: '改派给' });
      await tabTo(page, '取消', 5);
      await page.keyboard.press('Enter');
      await form.waitFor({ state: 'detached' });
      await expect(focused(page)).resolves.toEqual({ name: `改派 ${ct.number}`, ring: true });
    });

    it('while the server cannot be reached, nothing behind its notice takes the focus; the page has it back afterwards', async () => {
      const ctx = await w.context();
      const page = await w.signIn(ctx, 'doc.hyjq');
      await page.getByRole('heading', { name: '转诊', level: 1 }).waitFor();
      const down = (u: URL) => u.pathname.startsWith('/api/') || u.pathname.startsWith('/dicomweb/');
      await ctx.route(down, (route) => route.abort('connectionrefused'));
      await tabTo(page, '患者');
      await page.keyboard.press('Enter');
      const notice = page.getByRole('alertdialog', { name: '暂时连接不上服务器' });
      await notice.waitFor();
      await screen(page, 'server-unreachable');
      const where: string[] = [];
      for (let i = 0; i < 6; i++) {
        await page.keyboard.press('Tab');
        where.push(await focusIn(page, '[role=alertdialog]'));
      }
      // Inside the notice, or (past its last button) out in the browser's own controls: never on the app.
      expect(where).not.toContain('outside');
      expect(where).toContain('inside');
      await ctx.unroute(down);
      await notice.waitFor({ state: 'detached' });
      await page.getByRole('heading', { name: '患者', level: 1 }).waitFor();
      await expect(focusIn(page, 'main')).resolves.toBe('inside');
    });
  });
});
