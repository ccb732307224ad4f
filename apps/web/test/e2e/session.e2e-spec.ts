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

  it('keeps no token where a script can read it; a reload and a second tab of the browser stay signed in', async () => {
    const ctx = await w.context();
    const violations: string[] = [];
    ctx.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const page = await w.signIn(ctx, 'rad.li');
    await page.getByRole('link', { name: '检查影像' }).click();
    await page.getByRole('heading', { name: '检查影像' }).waitFor();

    // The refresh token is an HttpOnly, SameSite=Strict cookie for the sign-in endpoints only.
    const cookie = (await ctx.cookies()).find((c) => c.name === 'zhiyin_refresh')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/auth' });
    // Nothing of the session in the page's storage, and the cookie is out of the page's reach.
    const stored = await page.evaluate(() => ({
      session: JSON.stringify({ ...sessionStorage }),
      local: JSON.stringify({ ...localStorage }),
      cookie: document.cookie,
    }));
    for (const text of [stored.session, stored.local, stored.cookie]) {
      expect(text).not.toMatch(/eyJ[\w-]+\.[\w-]+/); // no JWT
      expect(text).not.toContain(cookie.value);
      expect(text).not.toMatch(/token/i);
    }

    // A reload keeps the user signed in, on the same page.
    await page.reload();
    await page.getByRole('heading', { name: '检查影像' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/studies');
    // A second tab of the same browser is signed in too (a new browser is not: see below).
    const second = await ctx.newPage();
    await second.goto('/reading');
    await second.getByTestId('current-user').waitFor();
    expect(new URL(second.url()).pathname).toBe('/reading');
    // Both tabs renew at once (one shared, rotating cookie): both stay signed in.
    await Promise.all([page.reload(), second.reload()]);
    await page.getByRole('heading', { name: '检查影像' }).waitFor();
    await second.getByTestId('current-user').waitFor();
    await page.getByRole('link', { name: '检查影像' }).click();
    await page.getByRole('heading', { name: '检查影像' }).waitFor();
    const other = await (await w.context()).newPage();
    await other.goto('/reading');
    await other.waitForURL((u) => u.pathname === '/sign-in');

    // Signing out in one tab signs out every tab, and the cookie is gone.
    const loggedOut = page.waitForResponse((r) => r.url().endsWith('/api/auth/logout'));
    await page.getByRole('button', { name: '退出', exact: true }).click();
    expect((await loggedOut).status()).toBe(204);
    await second.waitForURL((u) => u.pathname === '/sign-in');
    await expect(ctx.cookies()).resolves.not.toContainEqual(expect.objectContaining({ name: 'zhiyin_refresh' }));
    await second.reload();
    await second.getByRole('heading', { name: '登录' }).waitFor();
    expect(violations).toEqual([]);
  });

  it('shows the OpenAPI page under its own CSP', async () => {
    const ctx = await w.context();
    const violations: string[] = [];
    ctx.on('console', (m) => {
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    const page = await ctx.newPage();
    await page.goto('/api/docs');
    await page.getByRole('heading', { name: /Zhiyin API/ }).waitFor();
    await page.getByText('/api/auth/login').first().waitFor();
    expect(violations).toEqual([]);
  });

  it('cannot be framed by another page', async () => {
    const page = await (await w.context()).newPage();
    // Another site's page (about:blank here) frames the sign-in page; the load event waits for the frame.
    await page.setContent(`<iframe id="f" src="${w.url}/sign-in" width="800" height="600"></iframe>`, {
      waitUntil: 'load',
    });
    const frame = page.frames().find((f) => f !== page.mainFrame())!;
    expect(frame.url()).not.toBe(`${w.url}/sign-in`);
    await expect(frame.locator('#root').count()).resolves.toBe(0);
  });

  it('goes to the sign-in page, saying why, when the server ends the session', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'coord.liu');
    const refreshToken = (await ctx.cookies()).find((c) => c.name === 'zhiyin_refresh')!.value;
    // Signed out elsewhere (e.g. by an administrator): the refresh token no longer works.
    await fetch(`${w.url}/api/auth/logout`, {
      method: 'POST',
      headers: { cookie: `zhiyin_refresh=${refreshToken}`, 'x-zhiyin-csrf': '1' },
    });
    await page.waitForURL((u) => u.pathname === '/sign-in', { timeout: 20_000 });
    await page.getByText('登录已过期，请重新登录。').waitFor();
    await w.shot(page, '40-session-ended');
  });

  it('shows a clear page while the server cannot be reached, and returns when it is back', async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'doc.hyqc');
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
    await other.getByLabel('User name').fill('doc.hyjq');
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
