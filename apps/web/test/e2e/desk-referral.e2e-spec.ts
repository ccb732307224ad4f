import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { withAccessionNumber } from '../../../api/test/support/dicom-edit.js';
import { api } from '../../../api/test/support/test-app.js';
import { SHARED_DATA, startWebTest, type WebTest } from '../support/browser.js';
import { sample, stowInstances } from '../support/data.js';
import { asFileOf, recordConsent } from '../../../api/test/support/referrals.js';
import { recordVerbalConsent } from '../support/consent.js';

// The community desk follows one referral to its end. The community doctor works in the browser; the
// cardiologist on the other side is driven through the REST API, so every change the doctor sees
// arrives live (socket.io), without a reload.
const ECG_OF_SUN_JUAN = 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/ECG_4_001.dcm';

describe('community desk: a referral from opening to outcome', () => {
  let w: WebTest;
  let patientId: string;
  /** a draft referral opened through the API, for the checks that need one but not the whole flow */
  let draftId: string;

  beforeAll(async () => {
    w = await startWebTest();
    patientId = (await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`)).rows[0].id;
    const created = await api(w.app, 'POST', '/api/referrals', {
      token: await w.app.login('doc.hyjq'),
      body: {
        patientId,
        service: 'IMAGING',
        modality: 'CT',
        priority: 'ROUTINE',
        clinicalQuestion: '咳嗽两周，肺部病变？',
      },
    });
    expect(created.status).toBe(201);
    draftId = created.body.id;
  });
  afterAll(async () => {
    await w?.close();
  });

  const referralState = (page: Page, state: string) =>
    page.locator(`[data-testid=referral-page][data-state=${state}]`).waitFor();
  /** The app's confirmation (not the browser's): named by its question, confirmed by its button. */
  const confirmIn = async (page: Page, name: string | RegExp) => {
    const dialog = page.getByRole('alertdialog', { name });
    await dialog.getByTestId('confirm-ok').click();
    await dialog.waitFor({ state: 'detached' });
  };

  it('opens a referral, uploads an ECG for it, submits, answers a question, signs the plan and records the outcome', async () => {
    const page = await w.signIn(await w.context(), 'doc.hyjq');
    await page.getByRole('heading', { name: /转诊/ }).first().waitFor();
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    await w.shot(page, '20-desk-referrals');

    // Open a referral for 孙娟.
    await page.getByRole('link', { name: '新建转诊' }).click();
    await page.getByRole('heading', { name: '新建转诊' }).waitFor();
    await page.getByLabel('查找患者').fill('孙娟');
    await page.getByRole('button', { name: /孙娟/ }).click();
    await page.getByTestId('chosen-patient').waitFor();
    await page.getByLabel('加急').check();
    await page.getByLabel('临床问题').fill('阵发性心悸一周，是否房颤？');
    await page.getByLabel('病史').fill('高血压 10 年，规律服用氨氯地平。');
    await w.shot(page, '21-desk-new-referral');
    await page.getByRole('button', { name: '创建转诊' }).click();
    await referralState(page, 'draft');
    const number = (await page.getByTestId('referral-number').textContent())!.trim();
    expect(number).toMatch(/^ZY\d{11}$/);
    const referralId = page.url().split('/referrals/')[1]!;
    await expect(page.getByTestId('referral-facts').textContent()).resolves.toContain('BJCY100000');

    // Upload the patient's ECG for this referral: it is attached, and the referral can be submitted.
    await page.getByTestId('add-studies').click();
    await page.getByTestId('file-input').setInputFiles(join(SHARED_DATA, ECG_OF_SUN_JUAN));
    await page.getByTestId('preview').waitFor();
    await expect(page.getByTestId('preview-modality').allTextContents()).resolves.toEqual(['ECG']);
    await page.getByTestId('send').click();
    await page.locator('[data-testid=upload-item][data-attach=attached]').waitFor();
    await page.getByTestId('referral-study').waitFor();
    await expect(page.getByTestId('referral-study').count()).resolves.toBe(1);
    await w.shot(page, '22-desk-referral-upload');

    // Before it can be sent, the patient's consent to remote diagnosis: given aloud before a nurse.
    await recordVerbalConsent(page);
    await page.getByTestId('action-submit').click();
    await confirmIn(page, `提交转诊 · ${number}`);
    await referralState(page, 'submitted');
    await w.shot(page, '23-desk-referral-submitted');

    // The cardiologist takes it and asks a question: the referral waits, and the doctor sees both live.
    const cardio = await w.app.login('card.chen');
    const path = (p: string) => `/api/referrals/${referralId}${p}`;
    const claimed = await api(w.app, 'POST', '/api/referrals/claim-next', { token: cardio });
    expect({ status: claimed.status, id: claimed.body.id }).toEqual({ status: 200, id: referralId });
    await referralState(page, 'accepted');
    await api(w.app, 'POST', path('/events'), { token: cardio, body: { type: 'start_review' } });
    const asked = await api(w.app, 'POST', path('/events'), {
      token: cardio,
      body: { type: 'request_info', message: '心悸发作时是否伴有胸痛或晕厥？' },
    });
    expect(asked.status).toBe(200);
    await referralState(page, 'info_requested');
    const question = page.locator('[data-testid=message][data-kind=question]');
    await question.waitFor();
    await expect(question.textContent()).resolves.toContain('是否伴有胸痛或晕厥');
    await page.getByTestId('question-waiting').waitFor();
    await expect(page.getByTestId('referral-state').textContent()).resolves.toBe('待补充资料');
    await w.shot(page, '24-desk-question');

    await page.getByLabel('您的回答').fill('无胸痛，无晕厥，发作持续约 10 分钟。');
    await page.getByRole('button', { name: '发送回答' }).click();
    await referralState(page, 'in_review');
    await page.locator('[data-testid=message][data-kind=answer]').waitFor();

    // The cardiologist signs the report and proposes a plan, and signs it first.
    for (const body of [
      { findings: '窦性心律，心率 76 次/分，偶发房性早搏。', impression: '偶发房性早搏，未见房颤。' },
      { diagnoses: [{ code: 'I49.1', label: '房性早搏' }], disposition: 'manage_in_community' },
    ]) {
      expect((await api(w.app, 'PUT', path('/report'), { token: cardio, body })).status).toBe(200);
    }
    expect((await api(w.app, 'POST', path('/report/sign'), { token: cardio })).status).toBe(200);
    await referralState(page, 'reported');
    await page.getByTestId('report-signed').waitFor();
    await expect(page.getByTestId('report-impression').textContent()).resolves.toBe('偶发房性早搏，未见房颤。');
    const proposed = await api(w.app, 'POST', path('/plan'), {
      token: cardio,
      body: {
        disposition: 'manage_in_community',
        content: {
          diagnosis: '偶发房性早搏',
          medications: [
            { name: '美托洛尔缓释片', dose: '23.75 mg', route: '口服', frequency: '每日一次', duration: '4 周' },
          ],
          followUp: '4 周后社区复诊',
          whereTreated: '社区卫生服务中心',
          instructions: '避免浓茶、咖啡，规律作息。',
        },
      },
    });
    expect(proposed.status).toBe(200);
    expect((await api(w.app, 'POST', path('/plan/sign'), { token: cardio, body: { version: 1 } })).status).toBe(200);
    await page.locator('[data-testid=signature-specialist][data-signed=true]').waitFor();
    await expect(page.getByTestId('plan-diagnosis').textContent()).resolves.toBe('偶发房性早搏');
    await expect(page.getByTestId('signature-community_doctor').getAttribute('data-signed')).resolves.toBe('false');
    await w.shot(page, '25-desk-report-and-plan');

    // The doctor signs the same version: the plan binds, both signatures shown.
    await page.getByTestId('plan-sign').click();
    await confirmIn(page, '签署第 1 版治疗方案？');
    await page.getByTestId('plan-agreed').waitFor();
    await page.locator('[data-testid=signature-community_doctor][data-signed=true]').waitFor();
    await expect(page.getByTestId('signature-specialist').getAttribute('data-signed')).resolves.toBe('true');
    await referralState(page, 'plan_agreed');
    await w.shot(page, '26-desk-plan-agreed');

    // The outcome closes the referral.
    await page.getByTestId('action-close').click();
    await page.getByLabel('结案结果').selectOption('treated_in_community');
    await page.getByTestId('action-confirm').click();
    await confirmIn(page, `登记结果并结案 · ${number}`);
    await referralState(page, 'closed');
    await expect(page.getByTestId('referral-outcome').textContent()).resolves.toBe('社区治疗');
    await w.shot(page, '27-desk-closed');

    await page.getByRole('navigation', { name: '主菜单' }).getByRole('link', { name: '转诊' }).click();
    await page.getByRole('button', { name: '已结束' }).click();
    await page.locator(`[data-testid=referral-row][data-number=${number}][data-state=closed]`).waitFor();
  });

  it("updates a referral's state in the list as it changes, and makes what needs the doctor stand out", async () => {
    const doc = await w.app.login('doc.hyjq');
    const created = await api(w.app, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'IMAGING', modality: 'CT', priority: 'STAT', clinicalQuestion: '外伤后头痛' },
    });
    const id = created.body.id as string;
    // A CT from another hospital's CD, stored without a referral, then attached by hand: it names this patient
    // (a file of another patient would be held for a reason).
    await stowInstances(w.url, doc, [await asFileOf(w.app, sample('dicom/pydicom__CT_small.dcm'), patientId)]);
    const { rows } = await w.app.db.query(`SELECT study_instance_uid FROM study WHERE referral_id IS NULL`);
    expect(rows).toHaveLength(1);
    const path = (p: string) => `/api/referrals/${id}${p}`;
    const attached = await api(w.app, 'POST', path('/studies'), {
      token: doc,
      body: { studyInstanceUid: rows[0].study_instance_uid },
    });
    expect(attached.status).toBe(200);
    await recordConsent(w.app, doc, id);
    expect((await api(w.app, 'POST', path('/events'), { token: doc, body: { type: 'submit' } })).status).toBe(200);

    const page = await w.signIn(await w.context(), 'doc.hyjq');
    const row = page.locator(`[data-testid=referral-row][data-number=${created.body.number}]`);
    await row.and(page.locator('[data-state=submitted]')).waitFor();
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    const radiologist = await w.app.login('rad.li');
    const claimed = await api(w.app, 'POST', '/api/referrals/claim-next', { token: radiologist });
    expect(claimed.body.id).toBe(id);
    await api(w.app, 'POST', path('/events'), { token: radiologist, body: { type: 'start_review' } });
    await api(w.app, 'POST', path('/events'), {
      token: radiologist,
      body: { type: 'request_info', message: '受伤时间？' },
    });
    await row.and(page.locator('[data-state=info_requested]')).waitFor();
    await expect(row.textContent()).resolves.toContain('待回答问题');
    await page.getByRole('button', { name: /待我处理/ }).click();
    await row.waitFor();
    await w.shot(page, '20-desk-referrals-live');
  });

  it('refuses to sign a plan version that changed meanwhile, says so and shows the new version', async () => {
    const doc = await w.app.login('doc.hyjq');
    const cardio = await w.app.login('card.zhang');
    const created = await api(w.app, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '心悸' },
    });
    const id = created.body.id as string;
    const path = (p: string) => `/api/referrals/${id}${p}`;
    // An ECG whose Accession Number is the referral number joins the referral on arrival.
    await stowInstances(w.url, doc, [
      withAccessionNumber(await asFileOf(w.app, sample('ecg/syn_ecg_afib_utf8.dcm'), patientId), created.body.number),
    ]);
    await recordConsent(w.app, doc, id);
    expect((await api(w.app, 'POST', path('/events'), { token: doc, body: { type: 'submit' } })).status).toBe(200);
    expect((await api(w.app, 'POST', '/api/referrals/claim-next', { token: cardio })).body.id).toBe(id);
    const review = await api(w.app, 'POST', path('/events'), { token: cardio, body: { type: 'start_review' } });
    expect(review.status).toBe(200);
    const report = { findings: '心房颤动', impression: '心房颤动', disposition: 'manage_in_community' };
    expect((await api(w.app, 'PUT', path('/report'), { token: cardio, body: report })).status).toBe(200);
    expect((await api(w.app, 'POST', path('/report/sign'), { token: cardio })).status).toBe(200);
    const plan = (diagnosis: string) => ({
      disposition: 'manage_in_community',
      content: { diagnosis, medications: [] },
    });
    expect((await api(w.app, 'POST', path('/plan'), { token: cardio, body: plan('心房颤动') })).status).toBe(200);

    // The doctor's page gets no live updates (the socket is cut), so it still shows version 1.
    const ctx = await w.context();
    await ctx.routeWebSocket(/socket\.io/, () => undefined);
    const page = await w.signIn(ctx, 'doc.hyjq');
    await page.goto(`/referrals/${id}`);
    await page.getByRole('button', { name: '签署第 1 版' }).waitFor();
    const revised = await api(w.app, 'POST', path('/plan'), {
      token: cardio,
      body: plan('阵发性心房颤动'),
    });
    expect(revised.body.current.version).toBe(2);
    await page.getByRole('button', { name: '签署第 1 版' }).click();
    await confirmIn(page, '签署第 1 版治疗方案？');
    await page.getByRole('alert').filter({ hasText: '方案已更新，请查看最新版本后再签署' }).waitFor();
    await page.getByRole('button', { name: '签署第 2 版' }).waitFor();
    await expect(page.getByTestId('plan-diagnosis').textContent()).resolves.toBe('阵发性心房颤动');
    await w.shot(page, '25-desk-plan-stale');
    const { rows } = await w.app.db.query('SELECT count(*)::int AS n FROM plan_signature WHERE referral_id = $1', [id]);
    expect(rows[0].n).toBe(0);
  });

  /**
   * An ECG referral of the patient (with `ecgFile`, which no other referral of this file may use), submitted,
   * taken by card.zhang, who has asked the doctor a question (the referral waits for the answer).
   */
  const referralWithQuestion = async (doc: string, cardio: string, ecgFile: string) => {
    const created = await api(w.app, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '胸闷' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const path = (p: string) => `/api/referrals/${id}${p}`;
    await stowInstances(w.url, doc, [
      withAccessionNumber(await asFileOf(w.app, sample(ecgFile), patientId), created.body.number),
    ]);
    await recordConsent(w.app, doc, id);
    expect((await api(w.app, 'POST', path('/events'), { token: doc, body: { type: 'submit' } })).status).toBe(200);
    expect((await api(w.app, 'POST', '/api/referrals/claim-next', { token: cardio })).body.id).toBe(id);
    for (const body of [{ type: 'start_review' }, { type: 'request_info', message: '胸闷与活动有关吗？' }]) {
      expect((await api(w.app, 'POST', path('/events'), { token: cardio, body })).status).toBe(200);
    }
    return { id, path };
  };

  /** Every GET of the referral itself (not its messages, plan or report) this page sends. */
  const countReferralReads = (page: Page, id: string) => {
    const reads: string[] = [];
    page.on('request', (req) => {
      if (req.method() === 'GET' && new URL(req.url()).pathname === `/api/referrals/${id}`) reads.push(req.url());
    });
    return reads;
  };

  /** The audit trail's reads of the referral by doc.hyjq, as the administrator sees it. */
  const auditedReads = async (id: string) => {
    const res = await api(w.app, 'GET', `/api/audit?action=referral.read&resourceId=${id}&actor=doc.hyjq`, {
      token: await w.app.login('admin'),
    });
    expect(res.status).toBe(200);
    return (res.body.items as unknown[]).length;
  };

  const timelineEvents = (page: Page) =>
    page.getByTestId('timeline-entry').evaluateAll((els) => els.map((e) => e.getAttribute('data-event')));

  it('reads the referral once when the page opens and once per change, and the timeline follows every change', async () => {
    const doc = await w.app.login('doc.hyjq');
    const cardio = await w.app.login('card.zhang');
    const { id, path } = await referralWithQuestion(doc, cardio, 'ecg/syn_ecg_sinus_gb18030_mdc.dcm');

    const page = await w.signIn(await w.context(), 'doc.hyjq');
    const reads = countReferralReads(page, id);
    await page.goto(`/referrals/${id}`);
    await referralState(page, 'info_requested');
    await page.locator('[data-testid=message][data-kind=question]').waitFor();
    await page.getByTestId('question-waiting').waitFor();
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    // The page, its thread and its plan panel share one read: one request, one audit row.
    await page.waitForTimeout(1000);
    expect(reads).toHaveLength(1);
    await expect(auditedReads(id)).resolves.toBe(1);

    // The doctor's answer is on the timeline at once: the API's answer to the step is the referral as it now is.
    await page.getByLabel('您的回答').fill('活动后加重，休息可缓解。');
    await page.getByRole('button', { name: '发送回答' }).click();
    await referralState(page, 'in_review');
    await page.locator('[data-testid=timeline-entry][data-event=answer_info]').waitFor();
    await page.locator('[data-testid=message][data-kind=answer]').waitFor();

    // The cardiologist signs the report elsewhere: it arrives live, with its timeline entry.
    const report = { findings: '心房颤动', impression: '心房颤动', disposition: 'manage_in_community' };
    expect((await api(w.app, 'PUT', path('/report'), { token: cardio, body: report })).status).toBe(200);
    expect((await api(w.app, 'POST', path('/report/sign'), { token: cardio })).status).toBe(200);
    await referralState(page, 'reported');
    await page.getByTestId('report-signed').waitFor();
    await expect(timelineEvents(page)).resolves.toEqual(
      expect.arrayContaining(['sign_report', 'answer_info', 'request_info']),
    );
    expect((await timelineEvents(page))[0]).toBe('sign_report');

    // The doctor proposes the plan: the entry shows without a reload.
    await page.getByTestId('plan-edit').click();
    await page.getByTestId('plan-panel').getByLabel('诊断', { exact: true }).fill('阵发性心房颤动');
    await page.getByTestId('plan-save').click();
    await page.locator('[data-testid=timeline-entry][data-event=propose_plan]').waitFor();
    await expect(page.getByTestId('plan-diagnosis').textContent()).resolves.toBe('阵发性心房颤动');

    // The cardiologist signs that version: the signature and its entry arrive live.
    expect((await api(w.app, 'POST', path('/plan/sign'), { token: cardio, body: { version: 1 } })).status).toBe(200);
    await page.locator('[data-testid=signature-specialist][data-signed=true]').waitFor();
    await page.locator('[data-testid=timeline-entry][data-event=sign_plan]').waitFor();
    await expect(timelineEvents(page).then((e) => e.slice(0, 5))).resolves.toEqual([
      'sign_plan',
      'propose_plan',
      'sign_report',
      'answer_info',
      'request_info',
    ]);
    await w.shot(page, '26-desk-timeline-live');

    // One read per change the doctor did not make here (the report, the signature) and one after the
    // proposal; the answer came back with the referral. Every read is in the audit trail.
    await page.waitForTimeout(1000);
    expect(reads).toHaveLength(4);
    await expect(auditedReads(id)).resolves.toBe(4);
  });

  it("shows the doctor's own step on the timeline even when no live event arrives", async () => {
    const doc = await w.app.login('doc.hyjq');
    const cardio = await w.app.login('card.zhang');
    const { id } = await referralWithQuestion(doc, cardio, 'ecg/syn_ecg_sinus_utf8_scpecg.dcm');
    // No live updates at all: whatever the page shows after the step, it took from the step itself.
    const ctx = await w.context();
    await ctx.routeWebSocket(/socket\.io/, () => undefined);
    const page = await w.signIn(ctx, 'doc.hyjq');
    await page.goto(`/referrals/${id}`);
    await referralState(page, 'info_requested');
    await page.getByLabel('您的回答').fill('与活动无关。');
    await page.getByRole('button', { name: '发送回答' }).click();
    await referralState(page, 'in_review');
    await page.locator('[data-testid=timeline-entry][data-event=answer_info]').waitFor();
    expect((await timelineEvents(page))[0]).toBe('answer_info');
    await page.locator('[data-testid=message][data-kind=answer]').waitFor();
  });

  it('shows the desk in English', async () => {
    const page = await w.signIn(await w.context({ locale: 'en' }), 'doc.hyjq');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Referrals' }).waitFor();
    const row = page.locator(`[data-testid=referral-row][data-state=draft]`).first();
    await row.waitFor();
    await expect(row.textContent()).resolves.toContain('To submit');
    await row.getByRole('link').click();
    await referralState(page, 'draft');
    await expect(page.getByTestId('referral-state').textContent()).resolves.toBe('Draft');
    await page.getByRole('heading', { name: 'Studies' }).waitFor();
    await w.shot(page, '28-desk-referral-en');
  });

  it('tells a doctor of another centre that the referral does not exist', async () => {
    const page = await w.signIn(await w.context(), 'doc.hyqc');
    await page.goto(`/referrals/${draftId}`);
    await page.getByRole('heading', { name: '找不到这个页面' }).waitFor();
    await expect(page.locator('body').textContent()).resolves.not.toContain('BJCY100000');
    await w.shot(page, '29-desk-referral-other-centre');
  });
});
