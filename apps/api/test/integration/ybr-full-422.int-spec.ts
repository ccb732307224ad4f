import { getFrame, parseFull, toDicomJson } from '@zhiyin/dicom';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { dcmtk } from '../support/dcmtk.js';
import { SHARED_DATA, stow, stowOutcome } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Uncompressed YBR_FULL_422 keeps one Cb and one Cr per two pixels (PS3.3 C.7.6.3.1.2): its pixel
// data is Rows × Columns × 2 bytes (8 bit), not × 3. Such an image must be stored and rendered.
describe('an uncompressed YBR_FULL_422 image', () => {
  let t: TestApp;
  let work: string;
  let rgb: Buffer;
  let file: Buffer;
  const rows = 100;
  const cols = 100;

  beforeAll(async () => {
    t = await startTestApp();
    work = mkdtempSync(join(tmpdir(), 'ybr422-'));
    // An RGB image (dcmtk's decode of a shared sample) rewritten as YBR_FULL_422 with dcmtk's dcmodify.
    const rgbFile = join(work, 'rgb.dcm');
    expect((await dcmtk('dcmdjpeg', [join(SHARED_DATA, 'dicom/pydicom__SC_rgb_jpeg_dcmtk.dcm'), rgbFile])).code).toBe(
      0,
    );
    rgb = Buffer.from(getFrame(parseFull(readFileSync(rgbFile), { validate: false }), 1));
    const ybr = Buffer.alloc(rows * cols * 2);
    for (let i = 0; i < rows * cols; i += 2) {
      const px = [0, 1].map((k) => [rgb[(i + k) * 3]!, rgb[(i + k) * 3 + 1]!, rgb[(i + k) * 3 + 2]!] as const);
      const y = px.map(([r, g, b]) => 0.299 * r + 0.587 * g + 0.114 * b);
      const cb = px.map(([r, g, b]) => -0.168736 * r - 0.331264 * g + 0.5 * b + 128);
      const cr = px.map(([r, g, b]) => 0.5 * r - 0.418688 * g - 0.081312 * b + 128);
      const clamp = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
      ybr[i * 2] = clamp(y[0]!);
      ybr[i * 2 + 1] = clamp(y[1]!);
      ybr[i * 2 + 2] = clamp((cb[0]! + cb[1]!) / 2);
      ybr[i * 2 + 3] = clamp((cr[0]! + cr[1]!) / 2);
    }
    writeFileSync(join(work, 'px.bin'), ybr);
    const out = join(work, 'ybr.dcm');
    writeFileSync(out, readFileSync(rgbFile));
    const edit = await dcmtk('dcmodify', ['-nb', '-m', '(0028,0004)=YBR_FULL_422', '-mf', '(7fe0,0010)=px.bin', out], {
      cwd: work,
    });
    expect(edit.code).toBe(0);
    file = readFileSync(out);
  });
  afterAll(async () => {
    await t.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('is stored (not refused as PIXEL_LENGTH_MISMATCH) and rendered in its colours', async () => {
    const doc = await t.login('doc.hyjq');
    const res = await stow(t.url, doc, [file]);
    const { referenced, failed } = stowOutcome(res.body);
    expect(failed).toEqual([]);
    expect(referenced).toHaveLength(1);
    const json = toDicomJson(parseFull(file, { validate: false }));
    const uid = (tag: string) => json[tag]?.Value?.[0] as string;
    const base = `${t.url}/dicomweb/studies/${uid('0020000D')}/series/${uid('0020000E')}/instances/${uid('00080018')}`;
    const frame = await fetch(`${base}/frames/1`, {
      headers: { authorization: `Bearer ${doc}`, accept: 'multipart/related; type="application/octet-stream"' },
    });
    expect(frame.status).toBe(200);
    expect(Buffer.from(await frame.arrayBuffer()).includes(readFileSync(join(work, 'px.bin')))).toBe(true);
    const png = await fetch(`${base}/rendered`, { headers: { authorization: `Bearer ${doc}`, accept: 'image/png' } });
    expect(png.status).toBe(200);
    const { data, info } = await sharp(Buffer.from(await png.arrayBuffer()))
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height, info.channels]).toEqual([cols, rows, 3]);
    // Colours come back within the loss of halving the chroma resolution.
    let sum = 0;
    for (let i = 0; i < rgb.length; i++) sum += Math.abs(data[i]! - rgb[i]!);
    expect(sum / rgb.length).toBeLessThan(6);
  });
});
