import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import type { AppOverrides } from '../../../api/src/app.module.js';
import { startTestApp, type TestApp } from '../../../api/test/support/test-app.js';

export const WEB_DIST = fileURLToPath(new URL('../../dist/', import.meta.url));
export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
/** Screenshots of every screen, kept as test artifacts (gitignored). */
export const ARTIFACTS = join(REPO_ROOT, 'test-artifacts', 'web');
/** The shared sample data beside the repository (override with ZHIYIN_SHARED_DATA). */
export const SHARED_DATA = process.env.ZHIYIN_SHARED_DATA ?? join(REPO_ROOT, '..', 'shared', 'data');
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export interface WebTest {
  app: TestApp;
  browser: Browser;
  /** the app's address (the API serves the production build on its own port) */
  url: string;
  /** a fresh browser context (separate cookies and storage: another person at another PC) */
  context(opts?: { locale?: string; mobile?: boolean; baseURL?: string }): Promise<BrowserContext>;
  signIn(context: BrowserContext, username: string, password?: string): Promise<Page>;
  shot(page: Page, name: string): Promise<void>;
  close(): Promise<void>;
}

export async function startWebTest(
  env: Record<string, string> = {},
  opts: { overrides?: AppOverrides } = {},
): Promise<WebTest> {
  if (!existsSync(join(WEB_DIST, 'index.html'))) {
    throw new Error('apps/web/dist is missing: build the web app first (npm run build).');
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  const app = await startTestApp({ WEB_DIR: WEB_DIST, ...env }, { overrides: opts.overrides });
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
  const contexts: BrowserContext[] = [];
  return {
    app,
    browser,
    url: app.url,
    async context(opts = {}) {
      const ctx = await browser.newContext({
        baseURL: opts.baseURL ?? app.url,
        locale: opts.locale ?? 'zh-CN',
        viewport: opts.mobile ? { width: 390, height: 844 } : { width: 1440, height: 1000 },
        deviceScaleFactor: 1,
        isMobile: opts.mobile ?? false,
        hasTouch: opts.mobile ?? false,
      });
      contexts.push(ctx);
      return ctx;
    },
    async signIn(context, username, password = 'Zhiyin-2026') {
      const page = await context.newPage();
      page.setDefaultTimeout(20_000);
      await page.goto('/sign-in');
      await page.locator('input[name=username]').fill(username);
      await page.locator('input[name=password]').fill(password);
      await page.locator('form button[type=submit]').click();
      await page.waitForURL((u) => !u.pathname.startsWith('/sign-in'));
      return page;
    },
    async shot(page, name) {
      await page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });
    },
    async close() {
      for (const c of contexts) await c.close().catch(() => undefined);
      await browser.close();
      await app.close();
    },
  };
}
