import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { json } from '../support/api.js';
import { startWebTest, type WebTest } from '../support/browser.js';

// The administrator's screens, one session through them: a new community centre and a doctor
// there who can sign in, until the account is deactivated; a duty shift (and a refused overlap);
// a turnaround limit (and a refused value); then the audit trail, filtered to those changes.
describe('administration screens', () => {
  let w: WebTest;
  let admin: Page;
  beforeAll(async () => {
    w = await startWebTest();
    admin = await w.signIn(await w.context(), 'admin');
  });
  afterAll(async () => {
    await w?.close();
  });

  const status = (page: Page, text: string | RegExp) => page.getByRole('status').filter({ hasText: text }).waitFor();

  it('creates a facility; a taken code is refused at the field', async () => {
    await admin.getByRole('heading', { name: '医疗机构', level: 1 }).waitFor();
    expect(new URL(admin.url()).pathname).toBe('/admin/facilities');
    await admin.getByRole('button', { name: '新增机构' }).click();
    const form = admin.locator('section.admin-editor');
    await form.getByRole('heading', { name: '新增机构' }).waitFor();
    // Empty: each missing field says so.
    await form.getByRole('button', { name: '保存' }).click();
    await expect(form.locator('.field-error').count()).resolves.toBeGreaterThanOrEqual(3);
    await form.getByLabel('代码').fill('HYJQ');
    await form.getByLabel('中文名称').fill('武汉市蔡甸区奓山街社区卫生服务中心');
    await form.getByLabel('英文名称').fill('Dayu Community Health Service Centre, Mentougou');
    await form.getByLabel('地址', { exact: true }).fill('武汉市蔡甸区奓山街新天大道1号');
    await expect(form.getByLabel('负责阅片的中心医院').inputValue()).resolves.not.toBe('');
    await form.getByRole('button', { name: '保存' }).click();
    await form.locator('.field-error').filter({ hasText: '已有机构使用这个代码。' }).waitFor();
    await expect(form.getByLabel('代码').getAttribute('aria-invalid')).resolves.toBe('true');
    await w.shot(admin, '70-admin-facility-duplicate-code');

    await form.getByLabel('代码').fill('CDZS');
    await form.getByRole('button', { name: '保存' }).click();
    await status(admin, '已新增机构“武汉市蔡甸区奓山街社区卫生服务中心”。');
    // The list reloads after the message: wait for the new row rather than read it at once.
    const row = admin.locator('table.list tbody tr').filter({ hasText: 'CDZS' });
    await row.waitFor();
    await expect(row.textContent()).resolves.toMatch(/社区卫生服务中心.*心电图.*医学影像.*在用/);
    await w.shot(admin, '71-admin-facilities');
  });

  it('renames the ECG reading centre: the worklist and the board show the new name at once', async () => {
    // A cardiologist at the worklist and the coordinator at the board, both live, before the rename.
    const reader = await w.signIn(await w.context(), 'card.chen');
    await reader.waitForURL('**/reading');
    await reader.locator('[data-testid=live][data-live=true]').waitFor();
    await expect(reader.getByTestId('reading-centre-name').textContent()).resolves.toBe('心电诊断中心');
    const coordinator = await w.signIn(await w.context(), 'coord.liu');
    await coordinator.goto('/board');
    await coordinator.getByRole('status').filter({ hasText: '实时更新中' }).waitFor();
    const ecgPoolName = coordinator.getByTestId('pool-ECG').getByTestId('pool-name');
    await expect(ecgPoolName.textContent()).resolves.toBe('心电诊断中心');
    // And a community doctor on the page of an ECG referral the centre will read.
    const doctorToken = await w.app.login('doc.hyjq');
    // (The patient is looked up in the database: a search through the API would add to the audit trail counted below.)
    const [patient] = (await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`)).rows;
    const referral = await json(w, 'POST', '/api/referrals', doctorToken, {
      patientId: patient.id,
      service: 'ECG',
      priority: 'ROUTINE',
      clinicalQuestion: '心悸一周',
    });
    const doctor = await w.signIn(await w.context(), 'doc.hyjq');
    await doctor.goto(`/referrals/${referral.id}`);
    await expect(doctor.getByTestId('reading-centre').textContent()).resolves.toBe('心电诊断中心');

    const centres = admin.getByTestId('reading-centres');
    await centres.getByRole('heading', { name: '诊断中心', level: 2 }).waitFor();
    await centres.getByRole('button', { name: '重命名 心电诊断中心' }).click();
    const form = centres.locator('section.admin-editor');
    await form.getByRole('heading', { name: '重命名诊断中心：心电诊断中心' }).waitFor();
    // Empty, then the name of the hub's other centre: each refused at its field, nothing saved.
    await form.getByLabel('中文名称').fill('  ');
    await form.getByRole('button', { name: '保存' }).click();
    await form.locator('.field-error').filter({ hasText: '必填' }).waitFor();
    await form.getByLabel('中文名称').fill('影像诊断中心');
    await form.getByRole('button', { name: '保存' }).click();
    await form.locator('.field-error').filter({ hasText: '这家中心医院的另一个诊断中心已经使用这个名称。' }).waitFor();
    await expect(form.getByLabel('中文名称').getAttribute('aria-invalid')).resolves.toBe('true');
    await w.shot(admin, '71b-admin-reading-centre-duplicate');

    await form.getByLabel('中文名称').fill('胸痛心电会诊中心');
    await form.getByLabel('英文名称').fill('Chest Pain ECG Centre');
    await form.getByRole('button', { name: '保存' }).click();
    await status(admin, '诊断中心已改名为“胸痛心电会诊中心”。');
    await centres
      .getByTestId('reading-centre-row')
      .filter({ hasText: /胸痛心电会诊中心.*Chest Pain ECG Centre.*心电图/ })
      .waitFor();
    await w.shot(admin, '71c-admin-reading-centres');

    // Live on both pages, without a reload.
    await reader
      .getByTestId('reading-centre-name')
      .filter({ hasText: /^胸痛心电会诊中心$/ })
      .waitFor();
    await ecgPoolName.filter({ hasText: /^胸痛心电会诊中心$/ }).waitFor();
    await doctor
      .getByTestId('reading-centre')
      .filter({ hasText: /^胸痛心电会诊中心$/ })
      .waitFor();
    await coordinator.getByRole('button', { name: 'English' }).click();
    await ecgPoolName.filter({ hasText: /^Chest Pain ECG Centre$/ }).waitFor();
    await w.shot(coordinator, '71d-board-renamed-centre-en');

    const audit = await w.app.db.query(
      `SELECT a.details, u.username FROM audit_event a JOIN app_user u ON u.id::text = a.actor_id::text
        WHERE a.action = 'reading_centre.rename'`,
    );
    expect(audit.rows).toEqual([
      { username: 'admin', details: expect.objectContaining({ fields: ['nameZh', 'nameEn'], service: 'ECG' }) },
    ]);
    for (const page of [reader, coordinator, doctor]) await page.context().close();
  });

  let newUserSession: Page;

  it('creates a user at the new centre, who can then sign in', async () => {
    await admin.getByRole('navigation').getByRole('link', { name: '用户' }).click();
    await admin.getByRole('heading', { name: '用户', level: 1 }).waitFor();
    await admin.getByRole('button', { name: '新增用户' }).click();
    const form = admin.locator('section.admin-editor');
    await form.getByLabel('用户名').fill('doc.cdzs');
    await form.getByLabel('中文姓名').fill('韩雪梅');
    await form.getByLabel('英文姓名（拼音）').fill('Han Xuemei');
    await form.getByLabel('角色').selectOption('community_doctor');
    await form.getByLabel('所属机构').selectOption({ label: 'CDZS · 武汉市蔡甸区奓山街社区卫生服务中心' });
    await form.getByLabel('初始密码').fill('short1');
    await form.getByRole('button', { name: '保存' }).click();
    await form.locator('.field-error').filter({ hasText: '密码至少需要 10 个字符。' }).waitFor();
    await form.getByLabel('初始密码').fill('Zhashan-2030');
    await w.shot(admin, '72-admin-user-form');
    await form.getByRole('button', { name: '保存' }).click();
    await status(admin, '已新增用户 韩雪梅（doc.cdzs）。');

    // Filters: the new centre's community doctors.
    await admin
      .getByLabel('所属机构', { exact: true })
      .selectOption({ label: 'CDZS · 武汉市蔡甸区奓山街社区卫生服务中心' });
    await admin.getByText('共 1 个账号').waitFor();
    await expect(admin.locator('table.list tbody').textContent()).resolves.toContain('doc.cdzs');
    await w.shot(admin, '73-admin-users');

    newUserSession = await w.signIn(await w.context(), 'doc.cdzs', 'Zhashan-2030');
    await expect(newUserSession.getByTestId('current-user').textContent()).resolves.toContain('韩雪梅');
    expect(new URL(newUserSession.url()).pathname).toBe('/desk/referrals');
  });

  it('deactivates the user: their sign-in is refused and their session can no longer be renewed', async () => {
    // The refresh token is in the browser's HttpOnly cookie (the page itself cannot read it).
    const cookies = await newUserSession.context().cookies();
    const refreshToken = cookies.find((c) => c.name === 'zhiyin_refresh')!.value;
    await admin.getByRole('button', { name: '修改 韩雪梅' }).click();
    const form = admin.locator('section.admin-editor');
    await form.getByRole('heading', { name: '修改用户：韩雪梅' }).waitFor();
    await form.getByRole('button', { name: '停用账号' }).click();
    await form.getByRole('alert').filter({ hasText: '停用 韩雪梅 的账号？' }).waitFor();
    await w.shot(admin, '74-admin-user-deactivate-confirm');
    await form.getByRole('alert').getByRole('button', { name: '停用账号' }).click();
    await status(admin, '已停用 韩雪梅 的账号。');
    await admin.locator('table.list tbody tr').filter({ hasText: 'doc.cdzs' }).filter({ hasText: '已停用' }).waitFor();

    // The open session ends at once: its page goes to the sign-in page, saying why.
    await newUserSession.waitForURL((u) => u.pathname === '/sign-in');
    const renewed = await fetch(`${w.url}/api/auth/refresh`, {
      method: 'POST',
      headers: { cookie: `zhiyin_refresh=${refreshToken}`, 'x-zhiyin-csrf': '1' },
    });
    expect(renewed.status).toBe(401);

    const page = await (await w.context()).newPage();
    await page.goto('/sign-in');
    await page.locator('input[name=username]').fill('doc.cdzs');
    await page.locator('input[name=password]').fill('Zhashan-2030');
    await page.locator('form button[type=submit]').click();
    await page.getByRole('alert').filter({ hasText: '用户名或密码不正确。' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/sign-in');
  });

  it('adds a duty shift to the ECG roster; an overlapping one is refused and says why', async () => {
    await admin.getByRole('navigation').getByRole('link', { name: '值班表' }).click();
    await admin.getByRole('heading', { name: '值班表', level: 1 }).waitFor();
    await admin.getByLabel(/^心电图 · /).check();
    const form = admin.locator('section.admin-shift-form');
    await form.getByLabel('医生').selectOption({ label: '陈强' });
    await form.getByLabel('开始时间').fill('08:00');
    await form.getByLabel('结束时间').fill('16:00');
    await form.getByRole('button', { name: '添加值班' }).click();
    await status(admin, /已为 陈强 添加值班/);
    const roster = admin.locator('table.admin-roster');
    await roster.filter({ hasText: /陈强\s*08:00–16:00/ }).waitFor();

    await form.getByLabel('开始时间').fill('12:00');
    await form.getByLabel('结束时间').fill('20:00');
    await form.getByRole('button', { name: '添加值班' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: /陈强 在 .*08:00–16:00 已有值班，同一位医生的值班不能重叠。/ })
      .waitFor();
    await expect(roster.locator('li').count()).resolves.toBe(1);
    await w.shot(admin, '75-admin-roster-overlap');
  });

  it('changes a turnaround limit; a bad value shows the error at its field', async () => {
    await admin.getByRole('navigation').getByRole('link', { name: '时限规则' }).click();
    await admin.getByRole('heading', { name: '时限规则', level: 1 }).waitFor();
    await admin.getByText('当前使用系统配置的时限（尚未在这里修改过）。').waitFor();
    const stat = admin.getByLabel('心电图 急诊（立即） 报告时限（分钟）');
    await expect(stat.inputValue()).resolves.toBe('10');
    // Where each limit comes from, in the language of the page.
    const sources = admin.locator('.admin-policy-source');
    await sources
      .filter({ hasText: '依据：中国胸痛中心认证标准（STEMI 患者首份心电图至心电图诊断 < 10 分钟）' })
      .waitFor();
    await sources.filter({ hasText: '依据：英国 NICE 颅脑损伤指南' }).waitFor();
    await expect(sources.allTextContents()).resolves.not.toContainEqual(expect.stringMatching(/Chest Pain|default/));
    await stat.fill('0');
    await admin.getByRole('button', { name: '保存', exact: true }).click();
    await expect(stat.getAttribute('aria-invalid')).resolves.toBe('true');
    const describedBy = (await stat.getAttribute('aria-describedby'))!.split(' ');
    await expect(admin.locator(`[id="${describedBy[describedBy.length - 1]}"]`).textContent()).resolves.toBe(
      '请填写大于 0 的整数（分钟）。',
    );
    await w.shot(admin, '76-admin-policy-invalid');

    await stat.fill('10');
    const urgent = admin.getByLabel('心电图 加急 报告时限（分钟）');
    await expect(urgent.inputValue()).resolves.toBe('30');
    await urgent.fill('40');
    await admin.getByRole('button', { name: '保存', exact: true }).click();
    await status(admin, '已保存为第 1 版。之后提交的转诊按新时限计时。');
    await admin.getByText(/第 1 版，由 系统管理员 于 .* 修改。/).waitFor();
    await expect(stat.getAttribute('aria-invalid')).resolves.toBeNull();
    await w.shot(admin, '77-admin-policy-saved');
    const stored = await w.app.db.query('SELECT version, policy FROM turnaround_policy');
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0].policy.ECG.URGENT.reportDeadlineMinutes).toBe(40);

    await admin.getByRole('button', { name: 'English' }).click();
    await admin.getByRole('heading', { name: 'Turnaround limits', level: 1 }).waitFor();
    await sources.filter({ hasText: 'Source: China Chest Pain Center accreditation standard' }).waitFor();
    await sources.filter({ hasText: 'Source: NICE CG176/NG232 Head injury' }).waitFor();
    await expect(sources.allTextContents()).resolves.not.toContainEqual(expect.stringMatching(/[\u4e00-\u9fff]/));
    await w.shot(admin, '77b-admin-policy-en');
    await admin.getByRole('button', { name: '中文' }).click();
    await admin.getByRole('heading', { name: '时限规则', level: 1 }).waitFor();
  });

  it('filters the audit trail to those changes and pages to older rows', async () => {
    // Plenty of rows for paging: a community doctor's searches.
    const login = await fetch(`${w.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'doc.hyjq', password: 'Zhiyin-2026' }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    for (let i = 0; i < 55; i++)
      await fetch(`${w.url}/api/patients?q=zw`, { headers: { authorization: `Bearer ${accessToken}` } });

    await admin.getByRole('navigation').getByRole('link', { name: '审计日志' }).click();
    await admin.getByRole('heading', { name: '审计日志', level: 1 }).waitFor();
    const table = admin.locator('table.admin-audit tbody');

    await admin.getByLabel('操作人（用户名）').fill('admin');
    await admin.getByLabel('操作', { exact: true }).selectOption({ label: '所有“用户”操作' });
    await admin.getByRole('search').getByRole('button', { name: '查询' }).click();
    await admin.getByRole('status').filter({ hasText: '已显示 2 条' }).waitFor();
    const rows = table.locator('tr');
    await expect(rows.nth(0).textContent()).resolves.toMatch(
      /系统管理员.*停用用户.*韩雪梅.*doc\.cdzs.*成功.*127\.0\.0\.1/,
    );
    await expect(rows.nth(1).textContent()).resolves.toMatch(/新增用户.*韩雪梅/);
    await w.shot(admin, '78-admin-audit-users');

    // Consecutive filters that each show one row: the status line reads the same before and after a
    // query, so each waits for its own row to replace the previous one before counting.
    const filterTo = async (label: string, rowText: string) => {
      await admin.getByLabel('操作', { exact: true }).selectOption({ label });
      await admin.getByRole('search').getByRole('button', { name: '查询' }).click();
      await table.locator('tr', { hasText: rowText }).first().waitFor();
      await admin.getByRole('status').filter({ hasText: '已显示 1 条' }).waitFor();
      await expect(rows.count()).resolves.toBe(1);
    };

    await filterTo('修改时限规则', '修改时限规则');
    await expect(table.textContent()).resolves.toContain('修改：ECG.URGENT.reportDeadlineMinutes');

    await filterTo('所有“机构”操作', '新增机构');
    await expect(table.textContent()).resolves.toMatch(/新增机构.*武汉市蔡甸区奓山街社区卫生服务中心.*CDZS/);

    await filterTo('所有“值班”操作', '添加值班');
    await expect(table.textContent()).resolves.toContain('添加值班');

    // Paging: 55 searches by the community doctor, 50 to a page.
    await admin.getByRole('button', { name: '清除筛选' }).click();
    await admin.getByLabel('操作人（用户名）').fill('doc.hyjq');
    await admin.getByLabel('操作', { exact: true }).selectOption({ label: '查找患者' });
    await admin.getByRole('search').getByRole('button', { name: '查询' }).click();
    await admin.getByRole('status').filter({ hasText: '已显示 50 条' }).waitFor();
    await admin.getByRole('button', { name: '更早的记录' }).click();
    await admin.getByRole('status').filter({ hasText: '已显示 55 条' }).waitFor();
    await admin.getByText('已显示到最早的一条。').waitFor();
    // A patient search names no patient: the row holds no patient data, and neither does the screen.
    await expect(table.textContent()).resolves.not.toMatch(/张伟|孙娟/);

    await admin.getByRole('button', { name: 'English' }).click();
    await admin.getByRole('heading', { name: 'Audit trail', level: 1 }).waitFor();
    await admin.getByRole('button', { name: 'Clear filters' }).click();
    await admin
      .getByRole('status')
      .filter({ hasText: /rows shown/ })
      .waitFor();
    await w.shot(admin, '79-admin-audit-en');
  });

  it("finds a referral's rows by its number and by the MRN, with names, and exports them as CSV", async () => {
    const doctorToken = await w.app.login('doc.hyjq');
    const patient = await json(w, 'POST', '/api/patients', doctorToken, {
      mrn: 'HYJQ-AUD-77',
      familyNameZh: '诸葛',
      givenNameZh: '明远',
      sex: 'M',
      birthDate: '1950-05-06',
    });
    const referral = await json(w, 'POST', '/api/referrals', doctorToken, {
      patientId: patient.id,
      service: 'ECG',
      priority: 'ROUTINE',
      clinicalQuestion: '胸闷',
    });
    await json(w, 'GET', `/api/referrals/${referral.id}`, doctorToken);

    await admin.getByRole('button', { name: '中文' }).click();
    await admin.getByRole('navigation').getByRole('link', { name: '审计日志' }).click();
    await admin.getByRole('heading', { name: '审计日志', level: 1 }).waitFor();
    const table = admin.locator('table.admin-audit tbody');
    await admin.getByRole('button', { name: '清除筛选' }).click();

    await admin.getByLabel('转诊编号').fill(referral.number);
    await admin.getByRole('search').getByRole('button', { name: '查询' }).click();
    const [{ n }] = (
      await w.app.db.query(
        `SELECT count(*)::int AS n FROM audit_event WHERE resource_type = 'referral' AND resource_id = $1`,
        [referral.id],
      )
    ).rows;
    await admin
      .getByRole('status')
      .filter({ hasText: `已显示 ${n} 条` })
      .waitFor();
    const shown = await table.locator('tr').allTextContents();
    expect(shown.length).toBeGreaterThanOrEqual(2);
    for (const row of shown) {
      expect(row).toContain(referral.number);
      expect(row).toContain('患者 诸葛明远（病历号 HYJQ-AUD-77）');
    }
    await expect(table.textContent()).resolves.toMatch(/doc\.hyjq/);
    await w.shot(admin, '79b-admin-audit-referral');

    // The same rows by MRN, then exported: the file comes from a fetch with the bearer token, never a
    // token in a URL.
    await admin.getByLabel('转诊编号').fill('');
    await admin.getByLabel('病历号').fill('HYJQ-AUD-77');
    await admin.getByRole('search').getByRole('button', { name: '查询' }).click();
    await table.locator('tr', { hasText: '登记患者' }).first().waitFor();
    const requests: { url: string; auth: string | undefined }[] = [];
    admin.on('request', (r) => requests.push({ url: r.url(), auth: r.headers().authorization }));
    const [download] = await Promise.all([
      admin.waitForEvent('download'),
      admin.getByRole('button', { name: '导出 CSV' }).click(),
    ]);
    expect(download.suggestedFilename()).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const path = await download.path();
    const bytes = await readFile(path);
    expect([...bytes.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const lines = bytes.toString('utf8').slice(1).trim().split('\r\n');
    expect(lines[0]).toMatch(/^"id","at","actor_username"/);
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const line of lines.slice(1)) expect(line).toContain('"HYJQ-AUD-77","诸葛明远"');
    const exported = requests.find((r) => r.url.includes('/api/audit/export.csv'));
    expect(exported?.url).toContain('mrn=HYJQ-AUD-77');
    expect(exported?.url).not.toMatch(/token|bearer/i);
    expect(exported?.auth).toMatch(/^Bearer /);
  });
});
