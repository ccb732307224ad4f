// Debian's Chromium driven by playwright-core (no browser download), and the check that an image is drawn: the
// pixels of the viewer's canvas, read in the page, are not blank (not all black, more than a few grey levels).
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** A headless Chromium; WebGL through SwiftShader, as a reading-room PC without a GPU driver would have it. */
export function launchChromium() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--no-first-run',
      '--disable-quic',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--use-angle=swiftshader',
      '--enable-unsafe-swiftshader',
    ],
  });
}

/**
 * In the page: whether an image is shown under `selector`. A viewer that says when it drew its first image
 * (`data-first-image` on `[data-testid=image-viewport]`, in performance.now() ms) is taken at its word. Otherwise
 * the canvases under `selector` (or matching it) are read back through a 2D canvas (so that WebGL canvases can be
 * read too): a picture is drawn when at least 0.2 % of the largest canvas's pixels are brighter than near-black and
 * it has at least 4 distinct grey levels — a black or single-colour canvas (what a viewer shows when it could not
 * decode a frame) is not. Self-contained (no closure, no eval: it runs under the page's Content-Security-Policy), so
 * that it can be handed to page.waitForFunction / page.evaluate. Not drawn: false, or with `final`, what was seen.
 * @param {{ selector: string, final?: boolean }} o
 * @returns {false | { drawn: boolean, at?: number, probe: { drawn: boolean, width: number, height: number,
 *   lit: number, levels: number, at: number } | null }}
 */
export function imageState({ selector, final = false }) {
  // the viewer's mark, or the page-wide first image a cold opening shows before the app (Zhiyin's bootImage.ts)
  const marked = document.querySelector(
    '[data-testid=image-viewport][data-first-image], [data-testid=boot-image][data-first-image]',
  );
  if (marked) return { drawn: true, at: Number(marked.getAttribute('data-first-image')), probe: null };
  const canvases = [];
  for (const root of document.querySelectorAll(selector)) {
    if (root instanceof HTMLCanvasElement) canvases.push(root);
    else canvases.push(...root.querySelectorAll('canvas'));
  }
  let best = null;
  for (const c of canvases) {
    if (!c.width || !c.height || c.offsetParent === null) continue;
    const w = Math.min(c.width, 1024);
    const h = Math.min(c.height, 1024);
    const copy = document.createElement('canvas');
    copy.width = w;
    copy.height = h;
    const ctx = copy.getContext('2d', { willReadFrequently: true });
    if (!ctx) continue;
    try {
      ctx.drawImage(c, 0, 0, w, h);
    } catch {
      continue;
    }
    const px = ctx.getImageData(0, 0, w, h).data;
    let lit = 0;
    const levels = new Set();
    for (let i = 0; i < px.length; i += 4) {
      const v = Math.max(px[i], px[i + 1], px[i + 2]);
      if (v > 24) lit += 1;
      if (levels.size < 64) levels.add(v >> 2);
    }
    const r = {
      drawn: lit / (w * h) > 0.002 && levels.size >= 4,
      width: c.width,
      height: c.height,
      lit: lit / (w * h),
      levels: levels.size,
      at: performance.now(),
    };
    if (!best || (r.drawn && !best.drawn) || (r.drawn === best.drawn && c.width * c.height > best.width * best.height))
      best = r;
  }
  if (best?.drawn) return { drawn: true, at: best.at, probe: best };
  return final ? { drawn: false, probe: best } : false;
}

/**
 * Waits until the page shows an image under `selector` (see imageState), polled on every animation frame; the
 * time (performance.now(), i.e. ms since the navigation started) when it was first seen.
 * @param {import('playwright-core').Page} page
 * @param {{ selector: string, timeoutMs: number }} o
 * @returns {Promise<{ drawn: boolean, at?: number, probe?: any }>}
 */
export async function waitForImage(page, { selector, timeoutMs }) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const handle = await page.waitForFunction(
        imageState,
        { selector },
        {
          polling: 'raf',
          timeout: Math.max(1, deadline - Date.now()),
        },
      );
      return /** @type {any} */ (await handle.jsonValue());
    } catch (e) {
      // the app navigated (a redirect of its own router, a reload): look again in the new page until the deadline
      if (Date.now() < deadline && /context was destroyed|navigat/i.test(String(/** @type {Error} */ (e).message)))
        continue;
      const seen = await page.evaluate(imageState, { selector, final: true }).catch(() => false);
      return { drawn: false, probe: seen ? seen.probe : null };
    }
  }
}
