import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ARTIFACTS, startWebTest, WEB_DIST, type WebTest } from '../support/browser.js';

// Sessions that renew themselves (access tokens live 6 s here), end cleanly when the server says
// so, a clear page while the server cannot be reached, role guards, and the first page's load
// time (measured and recorded, never asserted).
describe('session, reachability and first load', () => {
  let w: WebTest;
  beforeAll(async () => {
    w = await startWebTest({ ACCESS_TOKEN_TTL: '6' });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('renews the access token before it expires, and a reload keeps the session', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'rad.wang');
    const refresh = await page.waitForResponse((r) => r.url().endsWith('/api/auth/refresh'), { timeout: 15_000 });
    expect(refresh.status()).toBe(200);
    // The first token has expired by now; the app still works without signing in again.
    await page.waitForTimeout(2_500);
    await page.getByRole('link', { name: '检查影像' }).click();
    await page.getByRole('heading', { name: '检查影像' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { name: '检查影像' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/studies');
  });

  it('goes to the sign-in page, saying why, when the server ends the session', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'coord.liu');
    const refreshToken = await page.evaluate(
      () => (JSON.parse(sessionStorage.getItem('zhiyin.session')!) as { refreshToken: string }).refreshToken,
    );
    // Signed out elsewhere (e.g. by an administrator): the refresh token no longer works.
    await fetch(`${w.url}/api/auth/logout`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ refreshToken }),
    });
    await page.waitForURL((u) => u.pathname === '/sign-in', { timeout: 20_000 });
    await page.getByText('登录已过期，请重新登录。').waitFor();
    await w.shot(page, '40-session-ended');
  });

  it('shows a clear page while the server cannot be reached, and returns when it is back', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'doc.bjhd');
    await page.goto('/desk/patients');
    await page.getByRole('heading', { name: '患者' }).waitFor();
    const down = (u: URL) => u.pathname.startsWith('/api/') || u.pathname.startsWith('/dicomweb/');
    await ctx.route(down, (route) => route.abort('connectionrefused'));
    // (The next token renewal may find the server gone first; either way the page appears.)
    await page.getByRole('link', { name: '检查影像' }).dispatchEvent('click');
    const dialog = page.getByRole('alertdialog', { name: '暂时连接不上服务器' });
    await dialog.waitFor();
    await w.shot(page, '41-server-unreachable');
    // "Try again" while the server is still away keeps the page up.
    await dialog.getByRole('button', { name: '立即重试' }).click();
    await dialog.getByText('每隔几秒自动重试…').waitFor();
    // Once the server answers again the app checks by itself and returns to the page.
    await ctx.unroute(down);
    await dialog.waitFor({ state: 'detached' });
    await page.getByRole('heading', { name: '检查影像' }).waitFor();
  });

  it('keeps each role to its own screens and answers unknown addresses with a clear page', async () => {
    const ctx = await w.context({ locale: 'en' });
    const page = await w.signIn(ctx, 'card.chen');
    // A specialist asking for the community desk's upload page lands on the reading worklist.
    await page.goto('/desk/upload');
    await page.waitForURL((u) => u.pathname === '/reading');
    expect(new URL(page.url()).pathname).toBe('/reading');
    await page.goto('/no/such/page');
    await page.getByRole('heading', { name: '找不到这个页面' }).waitFor();
    // Signed out, a deep link goes through sign-in and back.
    const fresh = await (await w.context()).newPage();
    await fresh.goto('/studies?modality=ECG');
    await fresh.getByRole('heading', { name: '登录' }).waitFor();
    expect(new URL(fresh.url()).pathname).toBe('/sign-in');
    await fresh.locator('input[name=username]').fill('card.chen');
    await fresh.locator('input[name=password]').fill('Zhiyin-2026');
    await fresh.getByRole('button', { name: '登录' }).click();
    await fresh.getByRole('heading', { name: '检查影像' }).waitFor();
    expect(new URL(fresh.url()).search).toBe('?modality=ECG');
    // A wrong password says so, in the language chosen.
    const other = await (await w.context()).newPage();
    await other.goto('/sign-in');
    await other.getByRole('button', { name: 'English' }).click();
    await other.getByLabel('User name').fill('doc.bjcy');
    await other.getByLabel('Password').fill('wrong');
    await other.getByRole('button', { name: 'Sign in' }).click();
    await other.getByRole('alert').filter({ hasText: 'The user name or password is wrong.' }).waitFor();
    await w.shot(other, '42-sign-in-wrong-password-en');
  });

  it('records the production bundle and the first page’s load time', async () => {
    const files = readdirSync(join(WEB_DIST, 'assets')).filter((f) => /\.(js|css)$/.test(f));
    const html = readFileSync(join(WEB_DIST, 'index.html'), 'utf8');
    const initial = files.filter((f) => html.includes(f));
    const size = (list: string[]) =>
      list.reduce(
        (acc, f) => {
          const data = readFileSync(join(WEB_DIST, 'assets', f));
          return { raw: acc.raw + statSync(join(WEB_DIST, 'assets', f)).size, gzip: acc.gzip + gzipSync(data).length };
        },
        { raw: 0, gzip: 0 },
      );

    const runs: {
      domContentLoadedMs: number;
      loadMs: number;
      firstContentfulPaintMs: number;
      signInReadyMs: number;
    }[] = [];
    for (let i = 0; i < 3; i++) {
      const ctx = await w.context();
      const page = await ctx.newPage();
      await page.goto('/sign-in');
      await page.getByRole('heading', { name: '登录' }).waitFor();
      runs.push(
        await page.evaluate(() => {
          const nav = performance.getEntriesByType('navigation')[0] as PerformanceNavigationTiming;
          const fcp = performance.getEntriesByName('first-contentful-paint')[0];
          return {
            domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
            loadMs: Math.round(nav.loadEventEnd),
            firstContentfulPaintMs: Math.round(fcp?.startTime ?? NaN),
            signInReadyMs: Math.round(performance.now()),
          };
        }),
      );
      if (i === 0) await w.shot(page, '00-sign-in');
      await ctx.close();
    }
    const record = {
      measuredAt: new Date().toISOString(),
      bundle: { files: files.length, all: size(files), firstPage: size(initial) },
      firstLoad: runs,
    };
    writeFileSync(join(ARTIFACTS, 'first-page-load.json'), JSON.stringify(record, null, 2));
    expect(runs).toHaveLength(3);
  });
});
