import { DicomError, normaliseDate, normaliseTime, parseFull, summarize, toDicomJson } from './index.js';
import type { DicomErrorCode } from './index.js';
import { concat, el, identity, image, part10, sq, us } from '../test/builder.js';
import { readSample } from '../test/samples.js';

function codeOf(fn: () => unknown): DicomErrorCode | 'NO_ERROR' {
  try {
    fn();
    return 'NO_ERROR';
  } catch (e) {
    expect(e).toBeInstanceOf(DicomError);
    return (e as DicomError).code;
  }
}

describe('attributes an explicit VR file labels UN', () => {
  it('are read with their dictionary VR: a Patient Name sent as UN is a name', () => {
    const [sopClass, sop, modality, ...uids] = identity();
    const file = part10([
      sopClass!,
      sop!,
      modality!,
      el('00100010', 'UN', 'Wang^Wei'),
      el('00100020', 'UN', 'MRN-1'),
      ...uids,
      el('00280010', 'UN', us(64)),
    ]);
    const ds = parseFull(file);
    const s = summarize(ds);
    expect(s.patientName).toEqual({ Alphabetic: 'Wang^Wei' });
    expect(s.patientId).toBe('MRN-1');
    const json = toDicomJson(ds);
    expect(json['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Wang^Wei' }] });
    expect(json['00280010']).toEqual({ vr: 'US', Value: [64] });
  });

  it('stay UN when the dictionary does not know them', () => {
    const json = toDicomJson(parseFull(part10([...identity(), el('00111010', 'UN', 'ab')])));
    expect(json['00111010']?.vr).toBe('UN');
  });
});

describe('one refusal per fault', () => {
  it('a bare data set in explicit VR big endian is NO_PREAMBLE, not NOT_DICOM', () => {
    const file = readSample('dicom/pydicom__MR_small_bigendian.dcm');
    const metaLength = new DataView(file.buffer, file.byteOffset).getUint32(140, true);
    expect(codeOf(() => parseFull(file.subarray(144 + metaLength)))).toBe('NO_PREAMBLE');
    expect(codeOf(() => parseFull(new TextEncoder().encode('%PDF-1.4 a referral letter, not an image')))).toBe(
      'NOT_DICOM',
    );
  });

  it.each(['1A', '0', '2.5', '-1'])('Number of Frames "%s" is INVALID_VALUE naming NumberOfFrames', (frames) => {
    const file = part10([
      ...identity({ '00080016': '1.2.840.10008.5.1.4.1.1.7' }),
      ...image(4, 4, 16).map((e, i) => (i === 2 ? concat([el('00280008', 'IS', frames), e]) : e)),
    ]);
    let error: DicomError | undefined;
    try {
      parseFull(file);
    } catch (e) {
      error = e as DicomError;
    }
    expect(error?.code).toBe('INVALID_VALUE');
    expect(error?.tag).toBe('00280008');
    expect(error?.message).toContain('NumberOfFrames');
  });
});

describe('waveform data shorter than declared', () => {
  const ecg = (dataBytes: number) =>
    part10([
      ...identity({ '00080016': '1.2.840.10008.5.1.4.1.1.9.1.1', '00080060': 'ECG' }),
      sq('54000100', [
        [
          el('003A0005', 'US', us(2)),
          el('003A0010', 'UL', new Uint8Array([10, 0, 0, 0])),
          el('003A001A', 'DS', '500'),
          el('54001004', 'US', us(16)),
          el('54001006', 'CS', 'SS'),
          el('54001010', 'OW', new Uint8Array(dataBytes)),
        ],
      ]),
    ]);

  it('is refused as WAVEFORM_LENGTH_MISMATCH with the sizes', () => {
    expect(parseFull(ecg(40)).complete).toBe(true);
    let error: DicomError | undefined;
    try {
      parseFull(ecg(20));
    } catch (e) {
      error = e as DicomError;
    }
    expect(error?.code).toBe('WAVEFORM_LENGTH_MISMATCH');
    expect(error?.message).toContain('holds 20 bytes');
    expect(error?.message).toContain('= 40');
  });
});

describe('old date and time forms', () => {
  it('normalises ACR-NEMA dotted dates and colon times', () => {
    expect(normaliseDate('1995.06.26')).toBe('19950626');
    expect(normaliseDate('19950626')).toBe('19950626');
    expect(normaliseDate('garbage')).toBe('garbage');
    expect(normaliseTime('10:15:30.5')).toBe('101530.5');
    expect(normaliseTime('1015')).toBe('1015');
  });

  it('gives them normalised in the summary', () => {
    const [sopClass, sop, ...rest] = identity();
    const s = summarize(
      parseFull(
        part10([sopClass!, sop!, el('00080020', 'DA', '1995.06.26'), el('00080030', 'TM', '10:15:30'), ...rest]),
      ),
    );
    expect([s.studyDate, s.studyTime]).toEqual(['19950626', '101530']);
  });
});
