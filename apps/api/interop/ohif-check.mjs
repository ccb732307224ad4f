// What a radiologist does first in OHIF against Zhiyin: the study list shows every stored study, and each study
// opened in OHIF's basic viewer draws its image (not a black canvas: what OHIF showed for compressed transfer
// syntaxes while Zhiyin refused its frames request).
import { waitForImage } from './browser.mjs';

/** OHIF's image canvas (Cornerstone3D copies each rendered viewport onto it). */
export const OHIF_CANVAS = 'canvas.cornerstone-canvas';

/**
 * The StudyInstanceUIDs OHIF's study list shows (one page of up to 100 studies). OHIF's list rows carry no UID, so
 * a study counts as listed when it is in the QIDO-RS answer OHIF itself received for the list and the list shows
 * one row per study of that answer.
 * @param {import('playwright-core').BrowserContext} context @param {string} ohifUrl @param {number} expected
 * @returns {Promise<{ uids: Set<string>, rows: number }>}
 */
export async function listedStudies(context, ohifUrl, expected) {
  const page = await context.newPage();
  try {
    /** @type {Promise<any[]>} */
    const answer = page
      .waitForResponse((r) => new URL(r.url()).pathname === '/dicomweb/studies' && r.request().method() === 'GET', {
        timeout: 180_000, // OHIF's first load is slow on a busy machine
      })
      .then((r) => r.json());
    await page.goto(`${ohifUrl}/?resultsPerPage=100`, { waitUntil: 'commit', timeout: 60_000 });
    const studies = await answer;
    const rows = page.locator('tbody tr:not([data-filter-row])');
    // the rows appear once OHIF has the answer; wait for them, or for the list to settle short of them
    await rows
      .nth(Math.max(0, Math.min(expected, studies.length) - 1))
      .waitFor({ timeout: 60_000 })
      .catch(() => page.waitForTimeout(2_000));
    const shown = await rows.count();
    const uids = new Set(studies.map((s) => String(s['0020000D']?.Value?.[0])));
    return { uids: shown === studies.length ? uids : new Set(), rows: shown };
  } finally {
    await page.close();
  }
}

/**
 * Opens one study in OHIF's basic viewer in a fresh page and waits for its image.
 * @param {import('playwright-core').BrowserContext} context @param {string} ohifUrl @param {string} studyUid
 * @param {{ timeoutMs?: number, screenshot?: string }} [o]
 */
export async function studyDrawn(context, ohifUrl, studyUid, o = {}) {
  const page = await context.newPage();
  /** @type {string[]} */
  const refused = [];
  page.on('response', (r) => {
    if (r.url().includes('/dicomweb/') && r.status() >= 400)
      refused.push(`${r.status()} ${r.url().split('/dicomweb')[1]}`);
  });
  try {
    const timeoutMs = o.timeoutMs ?? 60_000;
    // the image is waited for, not the page's load event (slow on a busy machine, and not what is checked)
    await page.goto(`${ohifUrl}/viewer?StudyInstanceUIDs=${encodeURIComponent(studyUid)}`, {
      waitUntil: 'commit',
      timeout: timeoutMs,
    });
    const r = await waitForImage(page, { selector: OHIF_CANVAS, timeoutMs });
    if (o.screenshot) await page.screenshot({ path: o.screenshot }).catch(() => undefined);
    return { ...r, refused };
  } catch (e) {
    return {
      drawn: false,
      probe: null,
      refused: [...refused, String(/** @type {Error} */ (e).message).split('\n')[0]],
    };
  } finally {
    await page.close();
  }
}
