// First-page load of a running Zhiyin (default: `npm start` on 127.0.0.1:3000), in Debian's Chromium:
// each run is a fresh browser context (empty cache). Prints JSON; used for BENCHMARKS.md.
//   node apps/web/scripts/measure-first-load.mjs [url] [runs]
import { readdirSync, readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const url = process.argv[2] ?? 'http://127.0.0.1:3000/sign-in';
const runs = Number(process.argv[3] ?? 5);
const dist = new URL('../dist/', import.meta.url);

const html = readFileSync(new URL('index.html', dist), 'utf8');
const assets = readdirSync(new URL('assets/', dist)).filter((f) => /\.(js|css)$/.test(f));
const size = (files) =>
  files.reduce(
    (acc, f) => {
      const data = readFileSync(new URL(`assets/${f}`, dist));
      return { raw: acc.raw + data.length, gzip: acc.gzip + gzipSync(data).length };
    },
    { raw: 0, gzip: 0 },
  );

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking'],
});
const results = [];
try {
  for (let i = 0; i < runs; i++) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 1000 } });
    const page = await context.newPage();
    await page.goto(url);
    await page.locator('form button[type=submit]').waitFor();
    results.push(
      await page.evaluate(() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const fcp = performance.getEntriesByName('first-contentful-paint')[0];
        const bytes = performance
          .getEntriesByType('resource')
          .reduce((a, r) => a + (r.transferSize || 0), nav.transferSize || 0);
        return {
          domContentLoadedMs: Math.round(nav.domContentLoadedEventEnd),
          loadMs: Math.round(nav.loadEventEnd),
          firstContentfulPaintMs: Math.round(fcp?.startTime ?? NaN),
          signInReadyMs: Math.round(performance.now()),
          transferredBytes: bytes,
        };
      }),
    );
    await context.close();
  }
} finally {
  await browser.close();
}
const median = (k) => [...results].sort((a, b) => a[k] - b[k])[Math.floor(results.length / 2)][k];
process.stdout.write(
  `${JSON.stringify(
    {
      url,
      bundle: { all: size(assets), firstPage: size(assets.filter((f) => html.includes(f))), files: assets.length },
      runs: results,
      median: {
        firstContentfulPaintMs: median('firstContentfulPaintMs'),
        loadMs: median('loadMs'),
        signInReadyMs: median('signInReadyMs'),
      },
    },
    null,
    2,
  )}\n`,
);
