// The reading-room scenario: a radiologist opens a case, cold (a new browser context, empty cache), in Zhiyin's
// reading room and in OHIF (the prebuilt @ohif/app, served on one origin with the same Zhiyin behind it), in the
// same run, alternating which goes first. Measured from the navigation: the first image drawn (the viewer's own
// `data-first-image` mark when it has one, else the first non-blank canvas, read on every animation frame), and
// the whole stack loaded (the viewer's `data-stack-loaded` mark, else the last of the study's frames received).
import { performance } from 'node:perf_hooks';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launchChromium, OHIF_CANVAS, startOhifServer, waitForImage } from '../../../apps/api/interop/index.mjs';
import { quiet } from './machine.mjs';
import { percentile } from './stats.mjs';

/** Zhiyin's viewer: Cornerstone3D's viewport (marked) or the earlier canvas viewer. */
const ZHIYIN_IMAGE = '[data-testid=image-viewport], [data-testid=image-viewer]';
const READER_PASSWORD = 'Zhiyin-2026';

/**
 * @typedef {import('./reading-data.mjs').ReadingStudy} ReadingStudy
 * @typedef {{ firstMs: number | null, stackMs: number | null, frames: number, timeline?: Record<string, number> }} Opening
 */

/** @param {string} origin @param {string} token @param {string} method @param {string} path @param {unknown} [body] */
async function api(origin, token, method, path, body) {
  const res = await fetch(`${origin}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** STOW-RS of files, a few per request (one retry of a request the connection dropped). @param {string} origin
 * @param {string} token @param {string[]} paths */
async function stowFiles(origin, token, paths) {
  for (let i = 0; i < paths.length; i += 5) {
    const boundary = `reading-${i}-${Math.random().toString(36).slice(2)}`;
    const parts = [];
    for (const p of paths.slice(i, i + 5))
      parts.push(
        Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
        readFileSync(p),
        Buffer.from('\r\n'),
      );
    parts.push(Buffer.from(`--${boundary}--\r\n`));
    const body = Buffer.concat(parts);
    const send = () =>
      fetch(`${origin}/dicomweb/studies`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${token}`,
          'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
          accept: 'application/dicom+json',
        },
        body,
      });
    const res = await send().catch((e) => {
      if (!(e instanceof TypeError)) throw e;
      return send(); // the connection dropped (undici's "fetch failed"): once more; the same instances are idempotent
    });
    const json = await res.json();
    if (res.status !== 200 || json['00081198']?.Value?.length)
      throw new Error(`STOW-RS: ${res.status} ${JSON.stringify(json['00081198'] ?? json).slice(0, 300)}`);
  }
}

/**
 * Each study as a case in the reading room: a community doctor's imaging referral with the study attached, the
 * patient's consent, submitted, and taken by a radiologist.
 * @param {import('./servers.mjs').ZhiyinServer} zhiyin @param {ReadingStudy[]} studies
 * @returns {Promise<{ study: ReadingStudy, referralId: string, reader: string }[]>}
 */
export async function prepareCases(zhiyin, studies) {
  const doc = await zhiyin.token('doc.hyjq');
  const [patientId] = zhiyin
    .psql(
      `SELECT p.id FROM patient p JOIN app_user u ON u.facility_id = p.home_facility_id
        WHERE u.username = 'doc.hyjq' ORDER BY p.mrn LIMIT 1`,
    )
    .split('\n')
    .filter(Boolean);
  if (!patientId) throw new Error("no patient of doc.hyjq's centre");
  const cases = [];
  for (const study of studies) {
    const created = await api(zhiyin.origin, doc, 'POST', '/api/referrals', {
      patientId,
      service: 'IMAGING',
      modality: study.key.startsWith('ct') ? 'CT' : 'XA',
      priority: 'ROUTINE',
      clinicalQuestion: `阅片基准：${study.label}`,
    });
    await stowFiles(zhiyin.origin, doc, study.paths);
    await api(zhiyin.origin, doc, 'POST', `/api/referrals/${created.id}/studies`, {
      studyInstanceUid: study.study,
      // the files name their own (synthetic or anonymised) patients, confirmed as the doctor does on the desk
      patientOverrideReason: '基准测试数据',
    });
    await api(zhiyin.origin, doc, 'POST', `/api/referrals/${created.id}/consent/verbal`, {
      witnessName: '王芳（护士）',
      consentedAt: new Date().toISOString(),
    });
    await api(zhiyin.origin, doc, 'POST', `/api/referrals/${created.id}/events`, { type: 'submit' });
    // the radiologist takes the case from the pool, as with the reading room's N key (the router offers only to
    // readers who are online: none is)
    const reader = 'rad.li';
    const claimed = await api(zhiyin.origin, await zhiyin.token(reader), 'POST', '/api/referrals/claim-next');
    if (claimed?.id !== created.id) throw new Error(`${reader} took ${claimed?.number}, not ${created.number}`);
    cases.push({ study, referralId: /** @type {string} */ (created.id), reader });
  }
  return cases;
}

/** A fresh sign-in's refresh cookie, for a browser context (as the sign-in page leaves it). */
export async function refreshCookie(/** @type {string} */ origin, /** @type {string} */ username) {
  const res = await fetch(`${origin}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password: READER_PASSWORD }),
  });
  if (res.status !== 200) throw new Error(`sign-in as ${username}: ${res.status}`);
  const line = res.headers.getSetCookie().find((c) => c.startsWith('zhiyin_refresh='));
  if (!line) throw new Error('the sign-in set no refresh cookie');
  const [pair = '', ...attrs] = line.split(';').map((s) => s.trim());
  const attr = (/** @type {string} */ k) =>
    attrs.find((a) => a.toLowerCase().startsWith(`${k.toLowerCase()}=`))?.split('=')[1];
  const same = (attr('SameSite') ?? 'Lax').toLowerCase();
  return {
    name: 'zhiyin_refresh',
    value: pair.slice('zhiyin_refresh='.length),
    domain: new URL(origin).hostname,
    path: attr('Path') ?? '/',
    httpOnly: attrs.some((a) => a.toLowerCase() === 'httponly'),
    secure: attrs.some((a) => a.toLowerCase() === 'secure'),
    sameSite: /** @type {'Strict' | 'Lax' | 'None'} */ (
      same === 'strict' ? 'Strict' : same === 'none' ? 'None' : 'Lax'
    ),
  };
}

/**
 * Opens one case cold and measures it.
 * @param {import('playwright-core').Browser} browser
 * @param {{ url: string, selector: string, cookie?: Awaited<ReturnType<typeof refreshCookie>>, frames: number,
 *   timeoutMs: number, failureShot?: string }} o  `failureShot`: where a screenshot goes when no image is drawn
 * @returns {Promise<Opening>}
 */
async function openCold(browser, o) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, serviceWorkers: 'block' });
  try {
    if (o.cookie) await context.addCookies([o.cookie]);
    const page = await context.newPage();
    // every frame received (WADO-RS /frames/{list}, either viewer), and when the last new one came
    /** @type {Set<string>} */
    const seen = new Set();
    let lastNewAt = 0;
    let t0 = 0;
    page.on('requestfinished', async (req) => {
      const m = /\/instances\/([^/]+)\/frames\/([\d,]+)/.exec(req.url());
      if (!m) return;
      const res = await req.response().catch(() => null);
      if (!res || res.status() !== 200) return;
      for (const n of (m[2] ?? '').split(',')) {
        const key = `${m[1]}/${n}`;
        if (seen.has(key)) continue;
        seen.add(key);
        lastNewAt = performance.now() - t0;
      }
    });
    t0 = performance.now();
    await page.goto(o.url, { waitUntil: 'commit' });
    const first = await waitForImage(page, { selector: o.selector, timeoutMs: o.timeoutMs });
    if (!first.drawn && o.failureShot) await page.screenshot({ path: o.failureShot }).catch(() => undefined);
    // the whole stack: the viewer's mark, or every frame of the study received; a viewer that stops fetching
    // (loads on demand) is given up on after 10 s without a new frame
    const deadline = performance.now() + o.timeoutMs;
    let stackMs = null;
    while (performance.now() < deadline) {
      const marked = await page
        .evaluate(() =>
          document.querySelector('[data-testid=image-viewport][data-stack-loaded]')?.getAttribute('data-stack-loaded'),
        )
        .catch(() => null);
      if (marked) {
        stackMs = Number(marked);
        break;
      }
      if (seen.size >= o.frames) {
        stackMs = lastNewAt;
        break;
      }
      if (performance.now() - t0 - Math.max(lastNewAt, first.at ?? 0) > 10_000) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    return {
      firstMs: first.drawn ? (first.at ?? null) : null,
      stackMs,
      frames: seen.size,
      timeline: await timeline(page),
    };
  } finally {
    await context.close();
  }
}

/**
 * Where a cold opening's time went, from the page's own Resource Timing (ms from the navigation): the page, its
 * scripts, the API and DICOMweb requests on the way to the first image. For the notes; no target hangs on it.
 * @param {import('playwright-core').Page} page
 * @returns {Promise<Record<string, number>>}
 */
async function timeline(page) {
  return page
    .evaluate(() => {
      /** @type {Record<string, number>} */
      const out = {};
      const nav = /** @type {PerformanceNavigationTiming | undefined} */ (
        // In the page: the browser's Performance, not the Node.js one this module imports.
        /** @type {Performance} */ (/** @type {unknown} */ (performance)).getEntriesByType('navigation')[0]
      );
      if (nav) {
        out.html = nav.responseEnd;
        out.domInteractive = nav.domInteractive;
      }
      /** @param {string} name @param {number} at */
      const first = (name, at) => {
        if (out[name] === undefined || at < out[name]) out[name] = at;
      };
      /** @param {string} name @param {number} at */
      const last = (name, at) => {
        if (out[name] === undefined || at > out[name]) out[name] = at;
      };
      for (const e of /** @type {PerformanceResourceTiming[]} */ (performance.getEntriesByType('resource'))) {
        const u = new URL(e.name);
        const p = u.pathname;
        if (p.endsWith('.js')) last('scriptsLoaded', e.responseEnd);
        if (/^\/assets\/(index|web)-[^/]*\.js$/.test(p)) last('mainScript', e.responseEnd);
        if (/ClinicalViewer|cornerstone/i.test(p)) last('viewerChunk', e.responseEnd);
        if (p.endsWith('.wasm')) first('firstWasm', e.responseEnd);
        if (p.startsWith('/api/auth/refresh')) {
          first('sessionAsked', e.startTime);
          first('session', e.responseEnd);
        }
        if (/^\/api\/referrals\/[^/]+$/.test(p)) {
          first('referralAsked', e.startTime);
          // sent: a connection was free; first byte: the server's answer began (queueing vs server time)
          first('referralSent', e.requestStart);
          first('referralFirstByte', e.responseStart);
          first('referral', e.responseEnd);
        }
        if (/^\/dicomweb\/(studies|series|instances)$|\/series$|\/instances$/.test(p)) {
          first('qidoAsked', e.startTime);
          first('qido', e.responseEnd);
        }
        if (p.endsWith('/metadata')) {
          first('metadataAsked', e.startTime);
          first('metadata', e.responseEnd);
        }
        if (p.includes('/frames/')) {
          first('firstFrameAsked', e.startTime);
          first('firstFrameSent', e.requestStart);
          first('firstFrameFirstByte', e.responseStart);
          first('firstFrame', e.responseEnd);
        }
      }
      // the page's own marks on the way (zhiyin:first-image-received, …), by their names without the prefix
      for (const m of performance.getEntriesByType('mark'))
        if (m.name.startsWith('zhiyin:')) first(m.name.slice('zhiyin:'.length), m.startTime);
      const el = document.querySelector('[data-first-image]');
      if (el) out.drawn = Number(el.getAttribute('data-first-image'));
      for (const k of Object.keys(out)) out[k] = Math.round(out[k] ?? 0);
      return out;
    })
    .catch(() => ({}));
}

/**
 * @param {import('./servers.mjs').ZhiyinServer} zhiyin
 * @param {{ studies: ReadingStudy[], reps: number, log: (s: string) => void,
 *   failures: import('./scenarios.mjs').Failure[], timeoutMs?: number }} o
 */
export async function readingRun(zhiyin, o) {
  const timeoutMs = o.timeoutMs ?? 120_000;
  const cases = await prepareCases(zhiyin, o.studies);
  o.log(`  ${cases.length} cases in the reading room (${cases.map((c) => `${c.study.key} → ${c.reader}`).join(', ')})`);
  // OHIF reads each study with the token of the radiologist who holds the case (the same scope checks)
  const readerOf = new Map(cases.map((c) => [c.study.study, c.reader]));
  const ohif = await startOhifServer({
    zhiyin: zhiyin.origin,
    token: (url) => {
      const study = /\/studies\/([^/?]+)/.exec(url ?? '')?.[1];
      return zhiyin.token(readerOf.get(decodeURIComponent(study ?? '')) ?? cases[0]?.reader ?? 'rad.li');
    },
  });
  const browser = await launchChromium();
  /** @type {Record<string, { zhiyin: Opening[], ohif: Opening[] }>} */
  const runs = {};
  try {
    // Not measured: each viewer's start page once, so that the first measured opening does not also pay for the
    // browser's first page (its renderer and GPU processes starting) — a reading workstation's browser is running.
    for (const url of [`${zhiyin.origin}/`, `${ohif.url}/`]) {
      const context = await browser.newContext({ serviceWorkers: 'block' });
      await context
        .newPage()
        .then((p) => p.goto(url, { waitUntil: 'load', timeout: timeoutMs }))
        .catch(() => undefined);
      await context.close();
    }
    for (let rep = 1; rep <= o.reps; rep++) {
      for (const c of cases) {
        // ZHIYIN_BENCH_READING_VIEWERS=zhiyin: Zhiyin's openings alone (for working on it; no ratios then)
        const order = (rep % 2 === 1 ? ['zhiyin', 'ohif'] : ['ohif', 'zhiyin']).filter((v) =>
          (process.env.ZHIYIN_BENCH_READING_VIEWERS ?? 'zhiyin,ohif').split(',').includes(v),
        );
        for (const viewer of order) {
          // the previous opening's work (its browser's rendering, the server's answers) done before this one starts
          await quiet();
          const r =
            viewer === 'zhiyin'
              ? await openCold(browser, {
                  url: `${zhiyin.origin}/reading/${c.referralId}`,
                  selector: ZHIYIN_IMAGE,
                  cookie: await refreshCookie(zhiyin.origin, c.reader),
                  frames: c.study.frames,
                  timeoutMs,
                  failureShot: join(tmpdir(), `zhiyin-reading-${c.study.key}-zhiyin.png`),
                })
              : await openCold(browser, {
                  url: `${ohif.url}/viewer?StudyInstanceUIDs=${encodeURIComponent(c.study.study)}`,
                  selector: OHIF_CANVAS,
                  frames: c.study.frames,
                  timeoutMs,
                  failureShot: join(tmpdir(), `zhiyin-reading-${c.study.key}-ohif.png`),
                });
          const slot = (runs[c.study.key] ??= { zhiyin: [], ohif: [] });
          slot[/** @type {'zhiyin' | 'ohif'} */ (viewer)].push(r);
          if (r.firstMs === null)
            o.failures.push({
              server: viewer,
              scenario: 'reading',
              what: c.study.key,
              detail: `no image drawn (screenshot: ${join(tmpdir(), `zhiyin-reading-${c.study.key}-${viewer}.png`)})`,
            });
          o.log(
            `  rep ${rep}/${o.reps} ${c.study.key} ${viewer}: first image ${fmt(r.firstMs)}, ` +
              `stack ${fmt(r.stackMs)} (${r.frames}/${c.study.frames} frames)` +
              (viewer === 'zhiyin' && r.timeline
                ? `; ${Object.entries(r.timeline)
                    .sort((a, b) => a[1] - b[1])
                    .map(([k, v]) => `${k} ${v}`)
                    .join(', ')}`
                : ''),
          );
        }
      }
    }
  } finally {
    await browser.close();
    await ohif.close();
  }
  return {
    ohifVersion: ohif.version,
    studies: cases.map((c) => {
      const r = runs[c.study.key] ?? { zhiyin: [], ohif: [] };
      const of = (/** @type {Opening[]} */ list, /** @type {'firstMs' | 'stackMs'} */ k) => {
        const v = list.map((x) => x[k]).filter((x) => x !== null);
        return v.length === list.length && v.length ? percentile(/** @type {number[]} */ (v), 50) : null;
      };
      const z = { firstP50: of(r.zhiyin, 'firstMs'), stackP50: of(r.zhiyin, 'stackMs'), runs: r.zhiyin };
      const h = { firstP50: of(r.ohif, 'firstMs'), stackP50: of(r.ohif, 'stackMs'), runs: r.ohif };
      return {
        key: c.study.key,
        label: c.study.label,
        frames: c.study.frames,
        zhiyin: z,
        ohif: h,
        // Zhiyin's time over OHIF's: below 1 is faster than OHIF
        firstRatio: z.firstP50 !== null && h.firstP50 ? z.firstP50 / h.firstP50 : null,
        stackRatio: z.stackP50 !== null && h.stackP50 ? z.stackP50 / h.stackP50 : null,
      };
    }),
  };
}

const fmt = (/** @type {number | null} */ ms) => (ms === null ? '—' : `${ms.toFixed(0)} ms`);
