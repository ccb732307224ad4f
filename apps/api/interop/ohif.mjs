#!/usr/bin/env node
// `npm run interop:ohif`: OHIF (the prebuilt @ohif/app from npm, unchanged) against Zhiyin, in Debian's Chromium.
// Starts Zhiyin from its build, stores every shared DICOM sample by STOW-RS, serves OHIF on one origin with
// Zhiyin's DICOMweb behind it, and checks that OHIF's study list shows every stored study and that its viewer
// draws each one's image. Prints a table per sample; exits non-zero on any failure. See README.md.
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { zhiyinServer } from '../bench/lib/servers.mjs';
import { launchChromium } from './browser.mjs';
import { listedStudies, studyDrawn } from './ohif-check.mjs';
import { startOhifServer } from './ohif-server.mjs';
import { loadSamples, stowOne } from './samples.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const apiDir = resolve(here, '..');
const repoRoot = resolve(apiDir, '..', '..');
const sharedDir = resolve(process.env.ZHIYIN_SHARED ?? join(repoRoot, '..', 'shared'));

const HELP = `usage: npm run interop:ohif [-- --only a.dcm,b.dcm] [-- --embedded-pg] [-- --screenshots DIR] [-- --keep]

  --only LIST        sample file names in the shared dicom folder (default: every .dcm file there)
  --embedded-pg      Zhiyin on its embedded PostgreSQL instead of the local server (ZHIYIN_BENCH_PG)
  --screenshots DIR  a screenshot of OHIF's viewer per sample
  --keep             leave Zhiyin and OHIF running after the checks (Ctrl-C ends them)
environment: ZHIYIN_SHARED (the shared folder, default ../shared next to the repository), ZHIYIN_BENCH_PG
(admin URL of the PostgreSQL server, default postgres://postgres@127.0.0.1:5432/postgres), CHROMIUM_PATH
(default /usr/bin/chromium), OHIF_APP_DIR (another unpacked @ohif/app instead of the installed one)`;

/** Objects OHIF shows only over the images they refer to (a segmentation as a labelmap), never on their own. */
const OVERLAYS = new Set(['SEG', 'RTSTRUCT']);

const log = (/** @type {string} */ s) =>
  process.stderr.write(`[interop ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

async function main() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      'embedded-pg': { type: 'boolean' },
      screenshots: { type: 'string' },
      keep: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const samples = loadSamples(
    join(sharedDir, 'data', 'dicom'),
    values.only?.split(',').map((s) => s.trim()),
  );
  const user = 'doc.hyjq'; // the centre's own doctor stores the samples and reads what the centre sent
  const zhiyin = zhiyinServer({
    apiDir,
    dataRoot: resolve(process.env.ZHIYIN_BENCH_TMP ?? os.tmpdir()),
    pgUrl: values['embedded-pg']
      ? undefined
      : (process.env.ZHIYIN_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres'),
    log,
    users: { write: user, read: user },
    password: 'Zhiyin-2026',
    // behind OHIF's server as behind a reverse proxy: the URLs in its answers name OHIF's origin
    env: { TRUST_PROXY: 'true' },
  });
  /** @type {Awaited<ReturnType<typeof startOhifServer>> | undefined} */
  let ohif;
  /** @type {import('playwright-core').Browser | undefined} */
  let browser;
  const stop = async () => {
    await browser?.close().catch(() => undefined);
    await ohif?.close();
    await zhiyin.stop();
    zhiyin.cleanup();
  };
  process.once('SIGINT', () => void stop().finally(() => process.exit(130)));
  try {
    log('starting Zhiyin');
    await zhiyin.reset();
    const token = await zhiyin.token(user);
    /** @type {Map<string, string | undefined>} */
    const refused = new Map();
    for (const s of samples) refused.set(s.name, await stowOne(zhiyin.origin, token, s.file));
    log(`stored ${[...refused.values()].filter((r) => !r).length} of ${samples.length} samples`);
    ohif = await startOhifServer({ zhiyin: zhiyin.origin, token: () => zhiyin.token(user) });
    log(`OHIF ${ohif.version} at ${ohif.url}, its DICOMweb data source Zhiyin at ${zhiyin.origin}/dicomweb`);
    browser = await launchChromium();
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, serviceWorkers: 'block' });
    const stored = samples.filter((s) => !refused.get(s.name));
    const listed = await listedStudies(context, ohif.url, new Set(stored.map((s) => s.study)).size);
    log(`OHIF's study list shows ${listed.rows} studies`);
    if (values.screenshots) mkdirSync(values.screenshots, { recursive: true });
    const rows = [];
    let failures = 0;
    for (const s of samples) {
      const why = refused.get(s.name);
      /** @type {string} */
      let drawn = '-';
      let ok = true;
      if (!why && s.frames > 0 && OVERLAYS.has(s.modality)) {
        drawn = `n/a (${s.modality}: OHIF draws it over the images it refers to, not alone)`;
      } else if (!why && s.frames > 0) {
        const r = await studyDrawn(context, ohif.url, s.study, {
          timeoutMs: 120_000,
          screenshot: values.screenshots ? join(values.screenshots, `${s.name}.png`) : undefined,
        });
        drawn = r.drawn
          ? 'yes'
          : `NO (${r.probe ? `${(r.probe.lit * 100).toFixed(1)}% lit, ${r.probe.levels} levels` : 'no canvas'}${r.refused.length ? `; ${r.refused.slice(0, 2).join(', ')}` : ''})`;
        ok = r.drawn;
      } else if (!why) drawn = 'n/a (no image)';
      const isListed = !why && listed.uids.has(s.study);
      if (!why && !isListed) ok = false;
      if (!ok) failures += 1;
      rows.push([s.name, s.syntax, why ? `not stored: ${why}` : isListed ? 'yes' : 'NO', drawn]);
      log(`${s.name}: listed ${rows.at(-1)?.[2]}, drawn ${drawn}`);
    }
    process.stdout.write(`\n${table(['sample', 'transfer syntax', 'listed', 'drawn'], rows)}\n`);
    process.stdout.write(
      `\nOHIF ${ohif.version}: ${stored.length} samples stored, ${failures ? `${failures} FAILED` : 'all listed and drawn'}\n`,
    );
    if (values.keep) {
      log(`OHIF stays at ${ohif.url} (Ctrl-C ends it)`);
      await new Promise(() => undefined);
    }
    if (failures) process.exitCode = 1;
  } finally {
    await stop();
  }
}

/** @param {string[]} head @param {string[][]} rows */
function table(head, rows) {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (/** @type {string[]} */ r) => `| ${r.map((c, i) => (c ?? '').padEnd(widths[i] ?? 0)).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.map(line)].join('\n');
}

main().catch((e) => {
  process.stderr.write(`interop:ohif failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
