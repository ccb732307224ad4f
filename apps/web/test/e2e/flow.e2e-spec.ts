import type { Page } from 'playwright-core';
import { referStudy } from '../../../api/test/support/referrals.js';
import { startWebTest, type WebTest } from '../support/browser.js';
import { CT_SERIES, makeExportFolder, REAL_ECG, REAL_ECG_BPM } from '../support/data.js';

// The whole flow that exists today, each person in their own browser context: a community doctor
// finds and registers patients, drops a CD-like folder (a real CT series, the real 12-lead ECG and
// a stray non-DICOM file), sees what it holds, sends it; a radiologist reads the CT, a
// cardiologist the ECG; the patient opens their page on a phone.
describe('community desk → reading room → patient page', () => {
  let w: WebTest;
  let accessCode = '';
  beforeAll(async () => {
    w = await startWebTest();
  });
  afterAll(async () => {
    await w?.close();
  });

  const canvasChecksum = (page: Page) =>
    page.locator('[data-testid=image-viewer] canvas').evaluate((c: HTMLCanvasElement) => {
      const ctx = c.getContext('2d')!;
      const d = ctx.getImageData(0, 0, c.width, c.height).data;
      let sum = 0;
      let lit = 0;
      for (let i = 0; i < d.length; i += 4) {
        sum = (sum * 31 + d[i]!) % 1_000_000_007;
        if (d[i]! > 16) lit++;
      }
      return { sum, lit };
    });

  it('a community doctor finds a patient, registers another and issues a patient code', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'doc.hyjq');
    await page.getByRole('navigation').getByRole('link', { name: '患者', exact: true }).click();
    await page.getByRole('heading', { name: '患者' }).waitFor();
    await expect(page.getByTestId('current-user').textContent()).resolves.toContain('周建华');
    await w.shot(page, '01-desk-patients');

    await page.getByLabel('查找患者').fill('sj');
    await page.getByText('找到 1 位患者').waitFor();
    await expect(page.locator('table.list tbody tr').count()).resolves.toBe(1);
    await expect(page.locator('table.list tbody').textContent()).resolves.toContain('孙娟');
    await w.shot(page, '02-desk-patient-search');

    await page.getByRole('link', { name: '登记新患者' }).first().click();
    await page.getByRole('heading', { name: '登记新患者' }).waitFor();
    // Submitting empty shows what is missing, next to each field.
    await page.getByRole('button', { name: '登记', exact: true }).click();
    await expect(page.locator('.field-error').count()).resolves.toBeGreaterThanOrEqual(4);
    await page.getByLabel('病历号').fill('BJCY200001');
    await page.getByLabel('姓', { exact: true }).fill('欧阳');
    await page.getByLabel('名', { exact: true }).fill('明华');
    await page.getByLabel('女').check();
    await page.getByLabel('出生日期').fill('1962-05-17');
    await page.getByLabel('身份证号').fill('11010519491231002X');
    await w.shot(page, '03-desk-register');
    await page.getByRole('button', { name: '登记', exact: true }).click();
    await page.getByRole('heading', { name: /欧阳明华/ }).waitFor();
    await expect(page.locator('dl.facts').textContent()).resolves.toContain('1101**********002X');

    await page.getByRole('button', { name: '生成查询码' }).click();
    const code = page.getByTestId('access-code');
    await code.waitFor();
    accessCode = (await code.textContent())!.trim();
    expect(accessCode).toMatch(/^[2-9A-Z]{5}-[2-9A-Z]{5}$/);
    await w.shot(page, '04-desk-patient-code');
  });

  it('drops a CD-like folder: previews a real CT series and the real ECG, then uploads them', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'doc.hyjq');
    await page.getByRole('navigation').getByRole('link', { name: '患者', exact: true }).click();
    await page.getByLabel('查找患者').fill('孙娟');
    await page.getByRole('link', { name: '孙娟' }).click();
    await page.getByRole('heading', { name: /孙娟/ }).waitFor();
    await page.getByRole('main').getByRole('link', { name: '上传检查' }).click();
    await page.getByText('为患者 孙娟（病历号 BJCY100000）上传。').waitFor();
    await page.getByRole('heading', { name: '上传检查' }).waitFor();

    const folder = makeExportFolder([...CT_SERIES, REAL_ECG], ['ecg/real_mortara_12lead.hea']);
    await page.getByTestId('folder-input').setInputFiles(folder);
    const preview = page.getByTestId('preview');
    await preview.waitFor();
    // Two studies: the CT (4 slices, one series) of 孙娟 and the ECG; the header file is left out.
    await expect(page.getByTestId('preview-study').count()).resolves.toBe(2);
    await expect(preview.textContent()).resolves.toContain('孙娟');
    await expect(preview.textContent()).resolves.toContain('BJCY100000');
    await expect(page.getByTestId('preview-modality').allTextContents()).resolves.toEqual(['CT', 'ECG']);
    await expect(page.getByTestId('preview-count').first().textContent()).resolves.toContain('4 个文件，1 个序列');
    await w.shot(page, '05-desk-upload-preview');
    await page.getByText('1 个文件不会发送').waitFor();
    // The ECG's patient ID is not this patient's record number: the doctor is warned.
    await page.getByRole('alert').filter({ hasText: '不一致' }).waitFor();

    await page.getByTestId('send').click();
    const status = page.getByTestId('upload-status');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=upload-status]')?.getAttribute('data-active') === '0',
    );
    await expect(status.getAttribute('data-stored')).resolves.toBe('5');
    await expect(status.getAttribute('data-failed')).resolves.toBe('0');
    await w.shot(page, '06-desk-upload-done');
    const { rows } = await w.app.db.query('SELECT count(*)::int AS n FROM instance');
    expect(rows[0].n).toBe(5);
  });

  it('a radiologist opens the CT: series list, slices, window/level, zoom, pan and reset', async () => {
    // Referred (as the desk does; its screens have their own tests), the studies reach the reading centres: a
    // specialist sees only the studies of referrals to their own centre.
    const doc = await w.app.login('doc.hyjq');
    const patient = (await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`)).rows[0].id;
    const { rows: sent } = await w.app.db.query('SELECT study_instance_uid AS uid, modalities FROM study');
    for (const s of sent) {
      const ecg = s.modalities.includes('ECG');
      await referStudy(w.app, doc, s.uid, ecg ? 'ECG' : 'IMAGING', {
        patientId: patient,
        // the real ECG is anonymised (the desk warned of it): the doctor confirms it is this patient's
        ...(ecg ? { patientOverrideReason: '心电图为匿名导出，已核对为本人' } : {}),
      });
    }
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'rad.li');
    await page.getByRole('navigation').getByRole('link', { name: '检查影像' }).click();
    await page.getByRole('heading', { name: '检查影像' }).waitFor();
    await page.getByTestId('study-link').filter({ hasText: '孙娟' }).waitFor();
    // The CT only: the ECG went to the ECG reading centre, and the page says what the list holds.
    await expect(page.getByTestId('study-link').count()).resolves.toBe(1);
    await expect(page.getByTestId('studies-scope').textContent()).resolves.toBe('只显示已转诊到您所在诊断中心的检查。');
    await w.shot(page, '07-reading-studies');
    await page.getByTestId('study-link').filter({ hasText: '孙娟' }).click();

    const viewer = page.getByTestId('image-viewer');
    await viewer.waitFor();
    await page.waitForFunction(
      () => document.querySelector('[data-testid=image-viewer]')?.getAttribute('data-loaded') === 'true',
    );
    await expect(viewer.getAttribute('data-slices')).resolves.toBe('4');
    // The series list shows each image series by its thumbnail (the server's middle slice), decoded by the browser.
    const thumb = page.getByTestId('series-thumbnail').first();
    await thumb.waitFor();
    await page.waitForFunction(() => {
      const img = document.querySelector<HTMLImageElement>('[data-testid=series-thumbnail]');
      return !!img && img.complete && img.naturalWidth > 0;
    });
    await expect(thumb.getAttribute('alt')).resolves.toBe('CT 序列缩略图');
    const first = await canvasChecksum(page);
    expect(first.lit).toBeGreaterThan(1000);
    await w.shot(page, '08-reading-ct');

    // Keyboard: next slice, and back.
    // The viewer shows a slice once it is decoded: wait for it to say so.
    const slice = (n: string) =>
      page.waitForFunction(
        (n) => document.querySelector('[data-testid=image-viewer]')?.getAttribute('data-slice') === n,
        n,
      );
    await viewer.focus();
    await page.keyboard.press('ArrowDown');
    await slice('2');
    await page.waitForFunction(
      () => document.querySelector('[data-testid=image-viewer]')?.getAttribute('data-loaded') === 'true',
    );
    await page.keyboard.press('End');
    await slice('4');
    await page.keyboard.press('Home');
    await slice('1');

    // Window/level with the mouse changes the picture; reset brings the file's window back.
    const wc = await viewer.getAttribute('data-wc');
    const ww = await viewer.getAttribute('data-ww');
    const box = (await viewer.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 - 120, box.y + box.height / 2 + 60, { steps: 5 });
    await page.mouse.up();
    expect(await viewer.getAttribute('data-ww')).not.toBe(ww);
    expect((await canvasChecksum(page)).sum).not.toBe(first.sum);
    await page.keyboard.press('+');
    await expect(viewer.getAttribute('data-zoom')).resolves.toBe('1.25');
    await page.getByRole('button', { name: '平移' }).click();
    await page.mouse.move(box.x + 200, box.y + 200);
    await page.mouse.down();
    await page.mouse.move(box.x + 260, box.y + 230, { steps: 3 });
    await page.mouse.up();
    await expect(viewer.getAttribute('data-pan')).resolves.toBe('60,30');
    await w.shot(page, '09-reading-ct-windowed');
    await page.getByTestId('viewer-reset').click();
    await expect(viewer.getAttribute('data-wc')).resolves.toBe(wc);
    await expect(viewer.getAttribute('data-ww')).resolves.toBe(ww);
    await expect(viewer.getAttribute('data-zoom')).resolves.toBe('1.00');
    await expect(viewer.getAttribute('data-pan')).resolves.toBe('0,0');
  });

  it('a cardiologist opens the real 12-lead ECG with its rate measured', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'card.chen');
    await page.getByRole('navigation').getByRole('link', { name: '检查影像' }).click();
    await page.getByLabel('检查类型').selectOption('ECG');
    await page.getByRole('button', { name: '查询' }).click();
    await page.getByTestId('study-link').first().click();
    const hr = page.getByTestId('ecg-heartRate');
    await hr.waitFor();
    const bpm = Number(await hr.getAttribute('data-value'));
    expect(Math.abs(bpm - REAL_ECG_BPM)).toBeLessThan(2);
    await page.getByTestId('ecg-paper').waitFor();
    await w.shot(page, '10-reading-ecg');
  });

  it('the patient opens their page on a phone with the code and their birth date', async () => {
    const ctx = await w.context({ mobile: true });
    const page = await ctx.newPage();
    await page.goto('/patient/sign-in');
    await page.getByRole('heading', { name: '查看我的诊疗决定' }).waitFor();
    await page.getByLabel('查询码').fill(accessCode.toLowerCase());
    await page.getByLabel('出生日期').fill('1962-05-17');
    await w.shot(page, '11-patient-sign-in-phone');
    await page.getByRole('button', { name: '查看' }).click();
    await page.getByRole('heading', { name: /欧阳明华/ }).waitFor();
    // Nothing on the phone page is wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await w.shot(page, '12-patient-home-phone');
  });

  it('switches to English and back, and remembers the choice', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'doc.hyjq');
    await page.goto('/desk/patients');
    await page.getByRole('button', { name: 'English' }).click();
    await page.getByRole('heading', { name: 'Patients' }).waitFor();
    await expect(page.evaluate(() => document.documentElement.lang)).resolves.toBe('en');
    await page.reload();
    await page.getByRole('heading', { name: 'Patients' }).waitFor();
    await w.shot(page, '13-desk-patients-en');
    await page.getByRole('button', { name: '中文' }).click();
    await page.getByRole('heading', { name: '患者' }).waitFor();
  });
});
