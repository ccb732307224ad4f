import { getBulkData, getBulkDataLittleEndian, parseFull, parseHeader, toDicomJson } from './index.js';
import type { BulkDataReference, DicomJsonDataset } from './index.js';
import { el, identity, part10, us } from '../test/builder.js';
import { readSample } from '../test/samples.js';

const mrExplicit = parseFull(readSample('dicom/pydicom__MR_small.dcm'));
const mrImplicit = parseFull(readSample('dicom/pydicom__MR_small_implicit.dcm'));
const mrBigEndian = parseFull(readSample('dicom/pydicom__MR_small_bigendian.dcm'));

describe('toDicomJson', () => {
  const json = toDicomJson(mrExplicit);

  it('types values per VR', () => {
    expect(json['00280010']).toEqual({ vr: 'US', Value: [64] });
    expect(json['00280030']).toEqual({ vr: 'DS', Value: [0.3125, 0.3125] });
    expect(json['00080008']).toEqual({ vr: 'CS', Value: ['DERIVED', 'SECONDARY', 'OTHER'] });
    expect(json['00200013']?.vr).toBe('IS');
    expect(typeof json['00200013']?.Value?.[0]).toBe('number');
    expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'CompressedSamples^MR1' }] });
    // UI padding (NUL) is removed.
    expect(json['00080016']).toEqual({ vr: 'UI', Value: ['1.2.840.10008.5.1.4.1.1.4'] });
    expect(json['00020010']).toBeUndefined(); // file meta left out by default
  });

  it('types implicit VR files from the dictionary exactly like the explicit VR original', () => {
    const implicit = toDicomJson(mrImplicit);
    for (const tag of [
      '00080008',
      '00080016',
      '00100010',
      '00280010',
      '00280030',
      '00200032',
      '00200037',
      '00281050',
    ]) {
      expect(implicit[tag]).toEqual(json[tag]);
    }
  });

  it('reads big endian numbers and swaps OW bulk data to little endian', () => {
    const be = toDicomJson(mrBigEndian, { includeBulkInline: true });
    const le = toDicomJson(mrExplicit, { includeBulkInline: true });
    for (const tag of ['00280010', '00280011', '00280100', '00280101', '00280030', '00200032'])
      expect(be[tag]).toEqual(le[tag]);
    expect(be['7FE00010']?.InlineBinary).toBeDefined();
    expect(be['7FE00010']).toEqual(le['7FE00010']);
  });

  it('nests sequences and reads AT as hex', () => {
    const us = toDicomJson(parseFull(readSample('dicom/octave-dicom__US-PAL-8-10x-echo.dcm')));
    expect(us['00280009']).toEqual({ vr: 'AT', Value: ['00181063'] });
    const ecg = toDicomJson(parseFull(readSample('ecg/real_mortara_12lead_waveform_ecg.dcm')));
    const rr = ecg['0040B020']?.Value?.[2] as DicomJsonDataset;
    expect(rr['0040A30A']).toEqual({ vr: 'DS', Value: [982] });
    expect(rr['0040A0B0']).toEqual({ vr: 'US', Value: [1, 0] });
    const concept = rr['0040A043']?.Value?.[0] as DicomJsonDataset;
    expect(concept['00080100']).toEqual({ vr: 'SH', Value: ['5.10.2.1-3'] });
    expect(concept['00080102']).toEqual({ vr: 'SH', Value: ['SCPECG'] });
    expect(ecg['00081060']).toEqual({ vr: 'PN' }); // empty in the file
    expect(ecg['FFFEE00D']).toBeUndefined();
  });

  it('builds BulkDataURIs from paths that getBulkData resolves, including nested waveform data', () => {
    const ds = parseFull(readSample('ecg/real_mortara_12lead_waveform_ecg.dcm'));
    const refs: BulkDataReference[] = [];
    const ecg = toDicomJson(ds, {
      bulkDataUri: (tag, ref) => {
        refs.push(ref);
        return `https://pacs.example/bulk/${ref.path}`;
      },
    });
    const rhythm = ecg['54000100']?.Value?.[0] as DicomJsonDataset;
    expect(rhythm['54001010']).toEqual({ vr: 'OW', BulkDataURI: 'https://pacs.example/bulk/54000100/0/54001010' });
    expect(rhythm['003A001A']).toEqual({ vr: 'DS', Value: [1000] });
    const waveform = refs.find((r) => r.path === '54000100/0/54001010');
    expect(waveform).toMatchObject({ tag: '54001010', vr: 'OW', length: 240000 });
    expect(getBulkData(ds, '54000100/0/54001010')?.length).toBe(240000);
    expect(getBulkData(ds, '54000100/1/54001010')?.length).toBe(12 * 1200 * 2);
    expect(getBulkData(ds, '54000100/7/54001010')).toBeUndefined();
    // Private OB values are bulk too.
    expect(refs.some((r) => r.path === '14551001')).toBe(true);
  });

  it('inlines small binary values and leaves large ones without value when no URI is given', () => {
    const ds = parseFull(readSample('ecg/real_mortara_12lead_waveform_ecg.dcm'));
    const j = toDicomJson(ds, { includeFileMeta: true });
    expect(j['00020001']).toEqual({ vr: 'OB', InlineBinary: 'AAE=' });
    expect(j['00020010']).toEqual({ vr: 'UI', Value: ['1.2.840.10008.1.2.1'] });
    expect(j['14551009']).toMatchObject({ vr: 'OB', InlineBinary: expect.any(String) });
    const rhythm = j['54000100']?.Value?.[0] as DicomJsonDataset;
    expect(rhythm['54001010']).toEqual({ vr: 'OW' });
  });

  it('gives private attributes of implicit VR files as UN, and can leave private attributes out', () => {
    const pt = toDicomJson(parseFull(readSample('dicom/dicomweb-client__sample_PT.dcm')));
    expect(pt['00130010']).toEqual({ vr: 'LO', Value: [expect.any(String)] });
    expect(pt['00131010']?.vr).toBe('UN');
    const noPrivate = toDicomJson(parseFull(readSample('dicom/pydicom__CT_small.dcm')), { excludePrivate: true });
    expect(Object.keys(noPrivate).filter((t) => parseInt(t.slice(0, 4), 16) % 2 === 1)).toEqual([]);
  });

  it('keeps only the requested attributes (QIDO includefield)', () => {
    const j = toDicomJson(mrExplicit, { onlyTags: ['0020000D', '00100010'] });
    expect(Object.keys(j)).toEqual(['00100010', '0020000D']);
  });

  it('gives null for empty values inside a multi-valued attribute and for unparsable numbers', () => {
    const file = part10([
      el('00080008', 'CS', 'ORIGINAL\\\\AXIAL'),
      ...identity(),
      el('00181030', 'LO', ' leading kept? '),
      el('00200032', 'DS', '1.5\\abc\\-2e1'),
      el('00280010', 'US', us(1, 2)),
    ]);
    const j = toDicomJson(parseFull(file));
    expect(j['00080008']).toEqual({ vr: 'CS', Value: ['ORIGINAL', null, 'AXIAL'] });
    expect(j['00200032']).toEqual({ vr: 'DS', Value: [1.5, null, -20] });
    expect(j['00280010']).toEqual({ vr: 'US', Value: [1, 2] });
    expect(j['00181030']).toEqual({ vr: 'LO', Value: ['leading kept?'] });
  });

  it('converts a header and a full parse alike (except bulk data)', () => {
    const file = readSample('dicom/pydicom__CT_small.dcm');
    const header = toDicomJson(parseHeader(file.subarray(0, 8192)).dataset);
    const full = toDicomJson(parseFull(file));
    expect(header).toEqual(full);
  });
});

describe('getBulkDataLittleEndian', () => {
  /** One explicit VR big endian element of a long-length VR (PS3.5 7.1.2, 7.3). */
  const bigEndianElement = (tag: string, vr: string, value: number[]) => {
    const h = Buffer.alloc(12);
    h.writeUInt16BE(parseInt(tag.slice(0, 4), 16), 0);
    h.writeUInt16BE(parseInt(tag.slice(4), 16), 2);
    h.write(vr, 4, 'latin1');
    h.writeUInt32BE(value.length, 8);
    return new Uint8Array(Buffer.concat([h, Buffer.from(value)]));
  };
  const file = part10(
    [
      // a red palette of two 16-bit entries, 0x0102 and 0x0304, and an OB value, in big endian
      bigEndianElement('00281201', 'OW', [0x01, 0x02, 0x03, 0x04]),
      bigEndianElement('00281203', 'OB', [0x01, 0x02, 0x03, 0x04]),
    ],
    { transferSyntax: '1.2.840.10008.1.2.2' },
  );
  const ds = parseFull(file, { validate: false });

  it('byte-swaps a big-endian file’s 16-bit words, as WADO-RS answers bulk data in little endian', () => {
    expect(Array.from(getBulkData(ds, '00281201')!)).toEqual([0x01, 0x02, 0x03, 0x04]);
    expect(Array.from(getBulkDataLittleEndian(ds, '00281201')!)).toEqual([0x02, 0x01, 0x04, 0x03]);
  });

  it('leaves byte streams (OB) and little-endian files as stored', () => {
    expect(Array.from(getBulkDataLittleEndian(ds, '00281203')!)).toEqual([0x01, 0x02, 0x03, 0x04]);
    const le = parseFull(readSample('dicom/pydicom__MR_small.dcm'));
    expect(getBulkDataLittleEndian(le, '7FE00010')).toEqual(getBulkData(le, '7FE00010'));
  });
});
