import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFull, toDicomJson, type DicomDataset } from '@zhiyin/dicom';
import sharp from 'sharp';
import { dcmtk } from '../support/dcmtk.js';
import { uidVariant, withUidsReplaced } from '../support/dicom-edit.js';
import { SHARED_DATA, stow, stowOutcome } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// WADO-RS bulk data (the BulkDataURIs of the metadata) is answered in little endian, the default transfer syntax of
// application/octet-stream (PS3.18 8.7.3.3), whatever byte order the file was stored in: a big-endian palette colour
// image's lookup tables come back as the same words as its little-endian twin's, and both draw the same.
const PALETTE = 'dicom/octave-dicom__US-PAL-8-10x-echo.dcm';
const value = (ds: DicomDataset, tag: string) => toDicomJson(ds)[tag]?.Value?.[0] as string;

describe('bulk data in little endian whatever the stored byte order (PS3.18 8.7.3.3)', () => {
  let t: TestApp;
  let doc: string;
  let work: string;
  const path = new Map<'le' | 'be', string>();

  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
    work = mkdtempSync(join(tmpdir(), 'bulk-'));
    // The RLE palette sample decompressed into explicit VR little endian and into explicit VR big endian.
    for (const [k, option] of [
      ['le', '+te'],
      ['be', '+tb'],
    ] as const) {
      const out = join(work, `${k}.dcm`);
      const r = await dcmtk('dcmdrle', [option, join(SHARED_DATA, PALETTE), out]);
      if (r.code !== 0) throw new Error(`dcmdrle: ${r.out}`);
      const original = readFileSync(out);
      const ds = parseFull(original, { validate: false });
      const [study, series, sop] = ['0020000D', '0020000E', '00080018'].map((tag) => value(ds, tag)) as [
        string,
        string,
        string,
      ];
      const n = k === 'le' ? 71 : 72;
      const file = withUidsReplaced(original, {
        [study]: uidVariant(study, n),
        [series]: uidVariant(series, n),
        [sop]: uidVariant(sop, n),
      });
      const copy = parseFull(file, { validate: false });
      expect(stowOutcome((await stow(t.url, doc, [file])).body).referenced).toContain(value(copy, '00080018'));
      path.set(
        k,
        `/dicomweb/studies/${value(copy, '0020000D')}/series/${value(copy, '0020000E')}/instances/${value(copy, '00080018')}`,
      );
    }
  }, 120_000);
  afterAll(async () => {
    await t?.close();
    rmSync(work, { recursive: true, force: true });
  });

  const get = async (p: string, accept: string) => {
    const res = await fetch(`${t.url}${p}`, { headers: { authorization: `Bearer ${doc}`, accept } });
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };

  it('answers the big-endian file’s palette tables with the same little-endian words as the little-endian file’s', async () => {
    for (const tag of ['00281201', '00281202', '00281203']) {
      const le = await get(`${path.get('le')}/bulk/${tag}`, 'application/octet-stream');
      const be = await get(`${path.get('be')}/bulk/${tag}`, 'application/octet-stream');
      expect(le.length).toBe(512);
      expect(be.equals(le)).toBe(true);
    }
  });

  it('names the tables by BulkDataURI in the metadata, and they resolve', async () => {
    const [meta] = JSON.parse((await get(`${path.get('be')}/metadata`, 'application/dicom+json')).toString()) as Record<
      string,
      { BulkDataURI?: string }
    >[];
    const uri = meta!['00281201']!.BulkDataURI!;
    expect(uri).toMatch(/\/bulk\/00281201$/);
    const res = await fetch(uri, { headers: { authorization: `Bearer ${doc}`, accept: 'application/octet-stream' } });
    expect(res.status).toBe(200);
  });

  it('renders the big-endian palette image exactly as its little-endian twin', async () => {
    const png = async (k: 'le' | 'be') =>
      (
        await sharp(await get(`${path.get(k)}/frames/3/rendered`, 'image/png'))
          .raw()
          .toBuffer()
      ).toString('base64');
    expect(await png('be')).toBe(await png('le'));
  });
});
