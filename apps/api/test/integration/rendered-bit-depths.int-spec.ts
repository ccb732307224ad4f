import { getFrame, parseFull, toDicomJson, type DicomDataset } from '@zhiyin/dicom';
import sharp from 'sharp';
import { sample, stow, stowOutcome } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Greyscale pixels of 1 bit (a binary segmentation, packed eight to a byte) and 32 bits (an RT dose grid) are
// rendered by /rendered and /thumbnail like any other image (PS3.18 8.3.5.1, 8.7.4): 406 is kept for what truly
// cannot be decoded.
const SEG = 'dicom/pydicom__liver_1frame.dcm';
const DOSE = 'dicom/pydicom__rtdose.dcm';

const value = (ds: DicomDataset, tag: string): unknown => toDicomJson(ds)[tag]?.Value?.[0];

async function grey(png: ArrayBuffer): Promise<{ width: number; height: number; data: Buffer }> {
  const { data, info } = await sharp(Buffer.from(png)).greyscale().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

describe('/rendered of 1-bit and 32-bit greyscale images', () => {
  let t: TestApp;
  let doc: string;
  const url = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
    for (const path of [SEG, DOSE]) {
      const file = sample(path);
      const ds = parseFull(file, { validate: false });
      const res = await stow(t.url, doc, [file]);
      expect(stowOutcome(res.body).referenced).toContain(String(value(ds, '00080018')));
      url.set(
        path,
        `${t.url}/dicomweb/studies/${String(value(ds, '0020000D'))}/series/${String(value(ds, '0020000E'))}/instances/${String(value(ds, '00080018'))}`,
      );
    }
  }, 60_000);
  afterAll(() => t?.close());

  const get = (u: string) => fetch(u, { headers: { authorization: `Bearer ${doc}`, accept: 'image/png' } });

  it('draws the binary segmentation white exactly where its bits are set, black elsewhere', async () => {
    const res = await get(`${url.get(SEG)}/rendered`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/png');
    const img = await grey(await res.arrayBuffer());
    expect([img.width, img.height]).toEqual([512, 512]);
    const bits = getFrame(parseFull(sample(SEG), { validate: false }), 1);
    let set = 0;
    let wrong = 0;
    for (let i = 0; i < 512 * 512; i++) {
      const on = (bits[i >> 3]! >> (i & 7)) & 1;
      set += on;
      if (img.data[i] !== (on ? 255 : 0)) wrong++;
    }
    expect(set).toBeGreaterThan(1000); // the liver is there
    expect(wrong).toBe(0);
  });

  it('gives the segmentation a thumbnail', async () => {
    const res = await get(`${url.get(SEG)}/thumbnail`);
    expect(res.status).toBe(200);
    const img = await grey(await res.arrayBuffer());
    expect(img.data.some((v) => v > 200)).toBe(true);
    expect(img.data.some((v) => v < 50)).toBe(true);
  });

  it('draws every frame of the RT dose with brightness following the dose (full range: least black, most white)', async () => {
    const ds = parseFull(sample(DOSE), { validate: false });
    for (let frame = 1; frame <= 15; frame++) {
      const res = await get(`${url.get(DOSE)}/frames/${frame}/rendered`);
      expect(res.status).toBe(200);
      const img = await grey(await res.arrayBuffer());
      expect([img.width, img.height]).toEqual([10, 10]);
      const raw = getFrame(ds, frame);
      const dose = Array.from({ length: 100 }, (_, i) =>
        Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).readUInt32LE(i * 4),
      );
      const lo = Math.min(...dose);
      const hi = Math.max(...dose);
      for (let i = 0; i < 100; i++) {
        const expected = hi === lo ? 0 : Math.round(((dose[i]! - lo) / (hi - lo)) * 255);
        expect(Math.abs(img.data[i]! - expected)).toBeLessThanOrEqual(1);
      }
    }
  });

  it('takes a window in Gy (stored value × Dose Grid Scaling) for the dose', async () => {
    const ds = parseFull(sample(DOSE), { validate: false });
    const raw = getFrame(ds, 8);
    const dose = Array.from(
      { length: 100 },
      (_, i) => Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).readUInt32LE(i * 4) * 1e-6,
    );
    const sorted = [...dose].sort((a, b) => a - b);
    const median = sorted[50]!;
    // A window a hundredth of a milligray wide at the median dose: every pixel is black or white by its dose.
    const res = await get(`${url.get(DOSE)}/frames/8/rendered?window=${median},0.00001,linear-exact`);
    expect(res.status).toBe(200);
    const img = await grey(await res.arrayBuffer());
    for (let i = 0; i < 100; i++) {
      if (dose[i]! > median + 0.00001) expect(img.data[i]).toBe(255);
      if (dose[i]! < median - 0.00001) expect(img.data[i]).toBe(0);
    }
  });

  it('refuses a window the function cannot take (PS3.3 C.11.2.1.2), with the reason', async () => {
    for (const w of ['0.04,0.5,linear', '0.04,0.5', '0,0,linear-exact', '1,-2,sigmoid', 'x,1']) {
      const res = await get(`${url.get(DOSE)}/frames/1/rendered?window=${w}`);
      expect(res.status).toBe(400);
      expect(await res.text()).toMatch(/width/);
    }
    expect((await get(`${url.get(DOSE)}/frames/1/rendered?window=4e-2,5e-3,sigmoid`)).status).toBe(200);
  });
});
