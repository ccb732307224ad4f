import { generate } from 'otplib';
import type { Page } from 'playwright-core';
import { startWebTest, type WebTest } from '../support/browser.js';

// Two-step verification in the browser: a user turns it on (QR code, a code to confirm, recovery
// codes shown once), and from then on the sign-in page asks for the code; a role that requires it
// makes its users set it up while signing in.
describe('two-step verification', () => {
  let w: WebTest;
  /** the administrator, signed in with the code by the first test */
  let adminPage: Page | undefined;
  beforeAll(async () => {
    w = await startWebTest();
  });
  afterAll(async () => {
    await w?.close();
  });

  /** the code of the time step `steps` away (each code is accepted once, so each use takes the next) */
  const codeAt = (secret: string, steps: number) =>
    generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });

  it('turns it on from the two-step page, then asks for the code at sign-in', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'admin');
    await page.getByRole('link', { name: '两步验证' }).click();
    await page.getByRole('heading', { name: '两步验证' }).waitFor();
    await page.getByRole('button', { name: '设置两步验证' }).click();
    await page.getByRole('img', { name: '用于添加到身份验证器应用的二维码' }).waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByLabel('2. 输入应用显示的 6 位验证码，确认设置：').fill(await codeAt(secret, 0));
    await page.getByRole('button', { name: '确认并启用' }).click();
    const codes = page.getByTestId('recovery-codes').getByRole('listitem');
    await codes.first().waitFor();
    expect(await codes.count()).toBe(10);
    await w.shot(page, '60-two-step-recovery-codes');
    await page.getByRole('button', { name: '我已保存恢复码，继续' }).click();
    await page.getByTestId('mfa-status').waitFor();

    // A new sign-in: the password alone is not enough.
    const other = await (await w.context()).newPage();
    other.setDefaultTimeout(20_000);
    await other.goto('/sign-in');
    await other.locator('input[name=username]').fill('admin');
    await other.locator('input[name=password]').fill('Zhiyin-2026');
    await other.locator('form button[type=submit]').click();
    await other.getByRole('heading', { name: '输入验证码' }).waitFor();
    const right = await codeAt(secret, 1);
    await other.getByRole('textbox', { name: '验证码' }).fill(right === '000000' ? '111111' : '000000');
    await other.getByRole('button', { name: '验证', exact: true }).click();
    await other.getByText('验证码不正确、已过期或已经用过。请输入应用中显示的新验证码。').waitFor();
    await w.shot(other, '61-two-step-code');
    await other.getByRole('textbox', { name: '验证码' }).fill(right);
    await other.getByRole('button', { name: '验证', exact: true }).click();
    await other.waitForURL((u) => u.pathname === '/admin/facilities');
    adminPage = other;
  });

  it('makes a user of a role that requires it set it up while signing in', async () => {
    // The administrator requires it of specialists on the policy page.
    expect(adminPage).toBeDefined();
    await adminPage!.goto('/admin/policy');
    const section = adminPage!.getByRole('region', { name: '两步验证要求' });
    await section.getByRole('checkbox', { name: '中心医院专家' }).check();
    await section.getByRole('button', { name: '保存' }).click();
    await section.getByText('已保存。').waitFor();
    await w.shot(adminPage!, '63-two-step-policy');
    const page = await (await w.context()).newPage();
    page.setDefaultTimeout(20_000);
    await page.goto('/sign-in');
    await page.locator('input[name=username]').fill('rad.li');
    await page.locator('input[name=password]').fill('Zhiyin-2026');
    await page.locator('form button[type=submit]').click();
    await page.getByText('您的角色要求使用两步验证。请先设置，然后继续登录。').waitFor();
    await page.getByRole('img', { name: '用于添加到身份验证器应用的二维码' }).waitFor();
    const secret = (await page.getByTestId('totp-secret').textContent())!.trim();
    await page.getByLabel('2. 输入应用显示的 6 位验证码，确认设置：').fill(await codeAt(secret, 0));
    await page.getByRole('button', { name: '确认并启用' }).click();
    await page.getByTestId('recovery-codes').waitFor();
    await w.shot(page, '62-two-step-enrol-at-sign-in');
    await page.getByRole('button', { name: '我已保存恢复码，继续' }).click();
    await page.waitForURL((u) => u.pathname === '/reading');
  });
});
