import { startWebTest, type WebTest } from '../support/browser.js';
import { REAL_ECG, sample } from '../support/data.js';
import { startDroppingProxy } from '../support/dropping-proxy.js';
import { copyFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SHARED_DATA } from '../support/browser.js';

// A weak link: the connection drops halfway through the upload of the real 12-lead ECG. The
// browser asks the server how much arrived and sends only the rest; the file is stored once.
describe('an upload interrupted halfway', () => {
  let w: WebTest;
  let proxy: Awaited<ReturnType<typeof startDroppingProxy>>;
  beforeAll(async () => {
    w = await startWebTest();
    proxy = await startDroppingProxy(w.url);
  });
  afterAll(async () => {
    await proxy?.close();
    await w?.close();
  });

  it('resumes after the connection drops and completes without resending what arrived', async () => {
    const size = sample(REAL_ECG).length;
    const half = Math.floor(size / 2);
    const ctx = await w.context({ baseURL: proxy.url });
    const page = await w.signIn(ctx, 'doc.hyjq');
    await page.goto('/desk/upload');
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-ecg-'));
    copyFileSync(join(SHARED_DATA, REAL_ECG), join(dir, 'ECG0001.dcm'));
    await page.getByTestId('file-input').setInputFiles(join(dir, 'ECG0001.dcm'));
    await page.getByTestId('preview').waitFor();

    proxy.dropNextPatchAfter(half);
    await page.getByTestId('send').click();
    const item = page.getByTestId('upload-item');
    await page.waitForFunction(() =>
      ['stored', 'failed'].includes(
        document.querySelector('[data-testid=upload-item]')?.getAttribute('data-state') ?? '',
      ),
    );
    await w.shot(page, '30-upload-resumed');
    await expect(item.getAttribute('data-state')).resolves.toBe('stored');
    expect(proxy.dropped()).toBe(true);

    // First PATCH: the whole file from 0, cut after half of it. Second: from what the server had.
    const [first, second, ...more] = proxy.patches;
    expect(more).toEqual([]);
    expect(first).toMatchObject({ offset: 0, contentLength: size });
    const resumedFrom = Number(await item.getAttribute('data-resumed-from'));
    expect(resumedFrom).toBeGreaterThan(0);
    expect(resumedFrom).toBeLessThanOrEqual(half);
    expect(second!.offset).toBe(resumedFrom);
    expect(second!.contentLength).toBe(size - resumedFrom);
    // Stored once, whole.
    const { rows } = await w.app.db.query('SELECT size_bytes FROM instance');
    expect(rows).toEqual([{ size_bytes: String(size) }]);
  });
});
