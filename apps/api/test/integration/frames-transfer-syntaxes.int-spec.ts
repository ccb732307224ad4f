import { getFrame, parseFull, toDicomJson, type DicomDataset } from '@zhiyin/dicom';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { dcmtk } from '../support/dcmtk.js';
import { uidVariant, withUidsReplaced } from '../support/dicom-edit.js';
import { SHARED_DATA, sample, stow, stowOutcome } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Every shared sample whose pixel data is not stored as little-endian native pixels: each is stored
// by a community doctor, then its frames are read as stored (transfer-syntax=*), as native little
// endian (compared with dcmtk's decode of the same file) and rendered (PS3.18 8.7.3, 8.7.4).
const require = createRequire(import.meta.url);
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = require('xhr2');
const { api: dwc } = require('dicomweb-client') as { api: { DICOMwebClient: new (o: object) => any } };

interface Sample {
  path: string;
  ts: string;
  frames: number | null;
}
const manifest = JSON.parse(readFileSync(join(SHARED_DATA, 'manifest.json'), 'utf8')) as { files: Sample[] };
const NATIVE_LE = ['1.2.840.10008.1.2', '1.2.840.10008.1.2.1'];
const SAMPLES = manifest.files.filter((f) => f.path.startsWith('dicom/') && f.frames && !NATIVE_LE.includes(f.ts));

// dcmtk's reference decoder for each transfer syntax (Debian's dcmtk has no JPEG 2000 codec).
const REFERENCE: Record<string, { tool: string; args: string[]; lossy?: boolean }> = {
  '1.2.840.10008.1.2.4.50': { tool: 'dcmdjpeg', args: [], lossy: true },
  '1.2.840.10008.1.2.4.51': { tool: 'dcmdjpeg', args: [], lossy: true },
  '1.2.840.10008.1.2.4.70': { tool: 'dcmdjpeg', args: [] },
  '1.2.840.10008.1.2.4.80': { tool: 'dcmdjpls', args: [] },
  '1.2.840.10008.1.2.5': { tool: 'dcmdrle', args: [] },
  '1.2.840.10008.1.2.2': { tool: 'dcmconv', args: ['+te'] },
  '1.2.840.10008.1.2.1.99': { tool: 'dcmconv', args: ['+te'] },
};
// The lossless JPEG 2000 sample is MR_small.dcm compressed: its native original is the reference.
const ORIGINAL_OF: Record<string, string> = {
  'dicom/pydicom__MR_small_jp2klossless.dcm': 'dicom/pydicom__MR_small.dcm',
};

const MEDIA_TYPE: Record<string, string> = {
  '1.2.840.10008.1.2.4.50': 'image/jpeg',
  '1.2.840.10008.1.2.4.51': 'image/jpeg',
  '1.2.840.10008.1.2.4.70': 'image/jpeg',
  '1.2.840.10008.1.2.4.80': 'image/jls',
  '1.2.840.10008.1.2.4.90': 'image/jp2',
  '1.2.840.10008.1.2.4.91': 'image/jp2',
  '1.2.840.10008.1.2.5': 'image/dicom-rle',
};

/** The parts of a multipart/related body with their Content-Type. */
function parts(body: Buffer, contentType: string): { type: string; data: Buffer }[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)?.[1];
  if (!boundary) throw new Error(`no boundary in ${contentType}`);
  const delim = Buffer.from(`--${boundary}`);
  const out: { type: string; data: Buffer }[] = [];
  let at = body.indexOf(delim);
  while (at >= 0) {
    const next = body.indexOf(delim, at + delim.length);
    if (next < 0) break;
    const part = body.subarray(at + delim.length + 2, next - 2);
    const split = part.indexOf('\r\n\r\n');
    const head = part.subarray(0, split).toString('latin1');
    out.push({ type: /content-type:\s*([^\r\n]+)/i.exec(head)?.[1] ?? '', data: part.subarray(split + 4) });
    at = next;
  }
  return out;
}

const attr = (ds: DicomDataset, tag: string): unknown => toDicomJson(ds)[tag]?.Value?.[0];
const num = (ds: DicomDataset, tag: string): number => Number(attr(ds, tag) ?? 0);

/** Pixels as one sample after another (colour-by-pixel), whatever the planar configuration. */
function interleaved(p: Buffer, samples: number, planar: number, bytes: number): Buffer {
  if (samples === 1 || planar !== 1) return p;
  const n = p.length / (samples * bytes);
  const out = Buffer.alloc(p.length);
  for (let i = 0; i < n; i++)
    for (let s = 0; s < samples; s++)
      p.copy(out, (i * samples + s) * bytes, (s * n + i) * bytes, (s * n + i + 1) * bytes);
  return out;
}

describe('frames and rendered images of every stored transfer syntax (PS3.18 8.7.3)', () => {
  let t: TestApp;
  let doc: string;
  let work: string;
  const stored = new Map<string, { study: string; series: string; sop: string; file: Buffer }>();

  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
    work = mkdtempSync(join(tmpdir(), 'frames-ref-'));
    for (const [k, s] of SAMPLES.entries()) {
      const original = sample(s.path);
      const ds = parseFull(original, { validate: false });
      const uid = (tag: string) => String(attr(ds, tag));
      const [study, series, sop] = ['0020000D', '0020000E', '00080018'].map(uid) as [string, string, string];
      // The same pydicom image appears in several encodings with the same UIDs: each gets its own.
      const ids = {
        study: uidVariant(study, 10 + k),
        series: uidVariant(series, 10 + k),
        sop: uidVariant(sop, 10 + k),
      };
      const file = s.ts.endsWith('.99')
        ? original
        : withUidsReplaced(original, { [study]: ids.study, [series]: ids.series, [sop]: ids.sop });
      const res = await stow(t.url, doc, [file]);
      const outcome = stowOutcome(res.body);
      // The UIDs as stored (a study UID may be the prefix of its series UID, so read them back).
      const copy = parseFull(file, { validate: false });
      const key = {
        study: String(attr(copy, '0020000D')),
        series: String(attr(copy, '0020000E')),
        sop: String(attr(copy, '00080018')),
      };
      if (!outcome.referenced.includes(key.sop))
        throw new Error(`${s.path} was not stored: ${JSON.stringify(outcome.failed)}`);
      stored.set(s.path, { ...key, file: original });
    }
  }, 120_000);
  afterAll(async () => {
    await t.close();
    rmSync(work, { recursive: true, force: true });
  });

  const framesUrl = (s: Sample, n: number) => {
    const i = stored.get(s.path)!;
    return `${t.url}/dicomweb/studies/${i.study}/series/${i.series}/instances/${i.sop}/frames/${n}`;
  };
  const get = async (url: string, accept: string) => {
    const res = await fetch(url, { headers: { authorization: `Bearer ${doc}`, accept } });
    const body = Buffer.from(await res.arrayBuffer());
    // An error answer's message is kept, so that a failure says why.
    return {
      status: res.status,
      type: res.headers.get('content-type') ?? '',
      body,
      error: res.ok ? '' : body.toString(),
    };
  };
  const lastFrame = (s: Sample) => s.frames ?? 1;

  it.each(SAMPLES.filter((s) => MEDIA_TYPE[s.ts]).map((s) => [s.path, s] as const))(
    'frames of %s with transfer-syntax=* are the stored bytes in their media type',
    async (_p, s) => {
      const ds = parseFull(sample(s.path), { validate: false });
      for (const n of new Set([1, lastFrame(s)])) {
        const res = await get(framesUrl(s, n), 'multipart/related; type=application/octet-stream; transfer-syntax=*');
        expect([res.status, res.error]).toEqual([200, '']);
        const [part] = parts(res.body, res.type);
        expect(part!.type).toBe(`${MEDIA_TYPE[s.ts]}; transfer-syntax=${s.ts}`);
        expect(part!.data.equals(Buffer.from(getFrame(ds, n)))).toBe(true);
      }
    },
  );

  it.each(SAMPLES.map((s) => [s.path, s] as const))(
    'frames of %s as application/octet-stream are native little endian equal to a reference decode',
    async (_p, s) => {
      const ds = parseFull(sample(s.path), { validate: false });
      const rows = num(ds, '00280010');
      const cols = num(ds, '00280011');
      const samples = num(ds, '00280002') || 1;
      const bits = num(ds, '00280100');
      const planar = num(ds, '00280006') || 0;
      let reference: DicomDataset | undefined;
      const tool = REFERENCE[s.ts];
      if (ORIGINAL_OF[s.path]) reference = parseFull(sample(ORIGINAL_OF[s.path]!), { validate: false });
      else if (tool) {
        const out = join(work, `${s.path.replace(/\W/g, '_')}.dcm`);
        const run = await dcmtk(tool.tool, [...tool.args, join(SHARED_DATA, s.path), out]);
        expect(run.code).toBe(0);
        reference = parseFull(readFileSync(out), { validate: false });
      }
      for (const [k, accept] of [
        'multipart/related; type="application/octet-stream"',
        'multipart/related; type="application/octet-stream"; transfer-syntax=1.2.840.10008.1.2.1',
      ].entries()) {
        const n = k === 0 ? 1 : lastFrame(s);
        const res = await get(framesUrl(s, n), accept);
        expect([res.status, res.error]).toEqual([200, '']);
        const [part] = parts(res.body, res.type);
        expect(part!.type).toBe('application/octet-stream; transfer-syntax=1.2.840.10008.1.2.1');
        expect(part!.data.length).toBe(rows * cols * samples * (bits / 8));
        if (!reference) {
          // No reference decoder here (lossy JPEG 2000): the image must at least not be blank.
          expect(new Set(part!.data).size).toBeGreaterThan(1);
          continue;
        }
        const ours = interleaved(part!.data, samples, planar, bits / 8);
        const ref = interleaved(
          Buffer.from(getFrame(reference, n)),
          samples,
          num(reference, '00280006') || 0,
          bits / 8,
        );
        expect(ours.length).toBe(ref.length);
        if (!tool?.lossy) {
          expect(ours.equals(ref)).toBe(true);
        } else {
          // Lossy JPEG: two conforming IDCTs (libjpeg-turbo here, IJG in dcmtk) may differ by a unit.
          let sum = 0;
          for (let i = 0; i < ours.length; i++) sum += Math.abs(ours[i]! - ref[i]!);
          expect(sum / ours.length).toBeLessThan(1);
        }
      }
    },
  );

  it.each(SAMPLES.map((s) => [s.path, s] as const))('%s is rendered as a PNG that is not blank', async (_p, s) => {
    for (const n of new Set([1, lastFrame(s)])) {
      const res = await get(`${framesUrl(s, n)}/rendered`, 'image/png');
      expect([res.status, res.error]).toEqual([200, '']);
      expect(res.type).toBe('image/png');
      const stats = await sharp(res.body).stats();
      expect(Math.max(...stats.channels.map((c) => c.stdev))).toBeGreaterThan(0);
    }
    const whole = stored.get(s.path)!;
    const res = await get(
      `${t.url}/dicomweb/studies/${whole.study}/series/${whole.series}/instances/${whole.sop}/rendered`,
      'image/jpeg',
    );
    expect([res.status, res.error]).toEqual([200, '']);
    expect(res.type).toBe('image/jpeg');
  });

  it('dicomweb-client reads frames of every compressed sample with its standard Accept', async () => {
    const client = new dwc.DICOMwebClient({ url: `${t.url}/dicomweb`, headers: { Authorization: `Bearer ${doc}` } });
    // Every sample not stored as little-endian native pixels: compressed, deflated and big endian.
    for (const s of SAMPLES) {
      const i = stored.get(s.path)!;
      const ask = (mediaTypes?: object[]) =>
        client.retrieveInstanceFrames({
          studyInstanceUID: i.study,
          seriesInstanceUID: i.series,
          sopInstanceUID: i.sop,
          frameNumbers: [1],
          ...(mediaTypes ? { mediaTypes } : {}),
        }) as Promise<ArrayBuffer[]>;
      const ds = parseFull(sample(s.path), { validate: false });
      const size = num(ds, '00280010') * num(ds, '00280011') * (num(ds, '00280002') || 1) * (num(ds, '00280100') / 8);
      // Its default Accept (application/octet-stream): native pixels, decoded by the server.
      const [native] = await ask();
      expect(native!.byteLength).toBe(size);
      // With transfer-syntax=* (as OHIF asks): a compressed frame as stored; a native one (big endian, deflated) as
      // native little endian pixels.
      const [asStored] = await ask([{ mediaType: 'application/octet-stream', transferSyntaxUID: '*' }]);
      if (MEDIA_TYPE[s.ts]) expect(Buffer.from(asStored!).equals(Buffer.from(getFrame(ds, 1)))).toBe(true);
      else expect(asStored!.byteLength).toBe(size);
    }
  });

  it('a transfer syntax that cannot be produced is refused with 406 and the reason', async () => {
    const s = SAMPLES.find((x) => x.ts === '1.2.840.10008.1.2.4.70')!;
    const res = await get(
      framesUrl(s, 1),
      'multipart/related; type="image/jp2"; transfer-syntax=1.2.840.10008.1.2.4.90',
    );
    expect(res.status).toBe(406);
    expect(JSON.parse(res.error).error.message).toMatch(/image\/jp2 cannot be produced.*image\/jpeg/);
  });
});
