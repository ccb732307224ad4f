/**
 * Checks that a parsed file is a storable composite instance: identifying attributes present, a readable
 * transfer syntax, and native pixel data of the size its image attributes announce.
 */
import { DicomError } from './errors.js';
import { storedSamplesPerPixel } from './pixel-data.js';
import { describeTag, keywordOf } from './dictionary.js';
import type { DicomDataset } from './dataset.js';
import { firstNumber, firstString, items, parserTag, readStrings, rootContext } from './dataset.js';

/** Media Storage Directory Storage (DICOMDIR). */
export const MEDIA_STORAGE_DIRECTORY_SOP_CLASS = '1.2.840.10008.1.3.10';

const UID_PATTERN = /^[0-9]+(\.[0-9]+)*$/;
/** Storage SOP classes of composite IODs: all have a General Series (or equivalent) module with Modality. */
const COMPOSITE_STORAGE_ROOT = '1.2.840.10008.5.1.4.1.1.';
/**
 * Image storage SOP classes whose IOD requires Pixel Data (PS3.3 Image Pixel module, Type 1): such an instance
 * without it is refused, which also catches an upload cut exactly before its Pixel Data element.
 */
const IMAGE_STORAGE_SOP_CLASSES = new Set(
  [
    '1', // CR
    '1.1', // DX for presentation
    '1.1.1', // DX for processing
    '1.2', // MG for presentation
    '1.2.1', // MG for processing
    '1.3', // intra-oral for presentation
    '1.3.1', // intra-oral for processing
    '2', // CT
    '2.1', // enhanced CT
    '3.1', // US multi-frame
    '4', // MR
    '4.1', // enhanced MR
    '6.1', // US
    '7', // secondary capture
    '7.1', // multi-frame single bit SC
    '7.2', // multi-frame grayscale byte SC
    '7.3', // multi-frame grayscale word SC
    '7.4', // multi-frame true colour SC
    '12.1', // XA
    '12.2', // XRF
    '20', // NM
    '66.4', // segmentation
    '77.1.1', // VL endoscopic
    '77.1.2', // VL microscopic
    '77.1.4', // VL photographic
    '77.1.6', // VL whole slide microscopy
    '128', // PET
    '481.1', // RT image
  ].map((suffix) => COMPOSITE_STORAGE_ROOT + suffix),
);
const PIXEL_TAGS: ReadonlyArray<[tag: string, bitsAllocated: number | undefined]> = [
  ['7FE00010', undefined],
  ['7FE00008', 32],
  ['7FE00009', 64],
];

function missing(tag: string): DicomError {
  return new DicomError('MISSING_ATTRIBUTE', `Required attribute ${describeTag(tag)} is missing or empty`, {
    tag,
    keyword: keywordOf(tag),
  });
}

/**
 * Checks a UID value syntactically, loosely: digits and dots, at most 64 characters. Components with leading zeros
 * or unregistered roots (such as `999.`) are accepted, as real devices write them.
 *
 * @param uid - the UID (padding already removed)
 * @returns true when acceptable
 */
export function isAcceptableUid(uid: string): boolean {
  return uid.length > 0 && uid.length <= 64 && UID_PATTERN.test(uid);
}

/** Expected and actual sizes of native pixel data. */
export interface PixelLengthCheck {
  /** Bytes announced by Rows × Columns × Samples per Pixel × Number of Frames × Bits Allocated / 8. */
  expected: number;
  /** Bytes present (the element's value length). */
  actual: number;
  /** True when equal, or when one trailing pad byte makes an odd size even. */
  ok: boolean;
}

/**
 * Computes the expected size of native (uncompressed) pixel data, with 1-bit data (segmentations) packed:
 * ceil(total bits / 8), and allows one trailing pad byte to even length (PS3.5 8.1.1).
 *
 * @param rows - Rows (0028,0010)
 * @param columns - Columns (0028,0011)
 * @param samplesPerPixel - Samples per Pixel (0028,0002)
 * @param bitsAllocated - Bits Allocated (0028,0100)
 * @param frames - Number of Frames (0028,0008), 1 for single-frame
 * @param actual - the Pixel Data value length
 * @returns expected, actual and whether they agree
 */
export function checkPixelLength(
  rows: number,
  columns: number,
  samplesPerPixel: number,
  bitsAllocated: number,
  frames: number,
  actual: number,
): PixelLengthCheck {
  const bits = rows * columns * samplesPerPixel * frames * bitsAllocated;
  const expected = Math.ceil(bits / 8);
  const ok = actual === expected || (expected % 2 === 1 && actual === expected + 1);
  return { expected, actual, ok };
}

/**
 * Validates a parsed data set as a storable instance. Throws the first problem found:
 * `NOT_AN_INSTANCE` (DICOMDIR), `MISSING_ATTRIBUTE`, `INVALID_VALUE` (UID syntax, Number of Frames, pixel data
 * encoding), `PIXEL_LENGTH_MISMATCH`, and for a whole file `WAVEFORM_LENGTH_MISMATCH`. Works on a header (the pixel data length comes from the element header where parsing
 * stopped) as on a full parse.
 *
 * @param ds - the parsed data set
 * @returns non-fatal warnings (also appended to `ds.warnings`)
 */
export function validateInstance(ds: DicomDataset): string[] {
  const warnings: string[] = [];
  const ctx = rootContext(ds);
  const raw = ds.raw;
  const str = (tag: string): string | undefined => firstString(ctx, raw, tag);

  const mediaSopClass = str('00020002');
  const sopClass = str('00080016');
  if (
    mediaSopClass === MEDIA_STORAGE_DIRECTORY_SOP_CLASS ||
    sopClass === MEDIA_STORAGE_DIRECTORY_SOP_CLASS ||
    raw.elements[parserTag('00041220')] !== undefined
  ) {
    throw new DicomError(
      'NOT_AN_INSTANCE',
      'This is a DICOMDIR (Media Storage Directory), an index of other files, not an instance to store',
    );
  }

  for (const tag of ['00080016', '00080018', '0020000D', '0020000E']) {
    const value = str(tag);
    if (value === undefined || value === '') throw missing(tag);
    if (!isAcceptableUid(value)) {
      throw new DicomError('INVALID_VALUE', `${describeTag(tag)} is not a valid UID (digits and dots, 64 at most)`, {
        tag,
        keyword: keywordOf(tag),
      });
    }
  }
  if (sopClass?.startsWith(COMPOSITE_STORAGE_ROOT) && !str('00080060')) throw missing('00080060');
  if (!sopClass?.startsWith(COMPOSITE_STORAGE_ROOT)) warnings.push('SOP Class UID is not a standard storage class');

  const mediaSopInstance = str('00020003');
  if (mediaSopInstance !== undefined && mediaSopInstance !== str('00080018')) {
    warnings.push('Media Storage SOP Instance UID differs from SOP Instance UID');
  }
  if (mediaSopClass !== undefined && mediaSopClass !== sopClass) {
    warnings.push('Media Storage SOP Class UID differs from SOP Class UID');
  }

  if (sopClass !== undefined && IMAGE_STORAGE_SOP_CLASSES.has(sopClass)) {
    const hasPixels = PIXEL_TAGS.some(([tag]) => raw.elements[parserTag(tag)] !== undefined);
    if (!hasPixels) throw missing('7FE00010');
  }
  checkNumberOfFrames(ds);
  checkPixelData(ds, warnings);
  if (ds.complete) checkWaveforms(ds);
  ds.warnings.push(...warnings);
  return warnings;
}

/**
 * Number of Frames is an IS (PS3.5 6.2): an integer string. A value such as `1A` is refused as what it is, an
 * invalid Number of Frames, rather than read as 1 and reported later as a pixel data size problem.
 */
function checkNumberOfFrames(ds: DicomDataset): void {
  const ctx = rootContext(ds);
  const el = ds.raw.elements[parserTag('00280008')];
  if (!el || el.length === 0) return;
  const values = readStrings(ctx, el, 'IS');
  if (values.length === 0) return;
  const [value] = values;
  if (values.length !== 1 || value === undefined || !/^[+]?\d{1,12}$/.test(value) || Number(value) < 1) {
    throw new DicomError(
      'INVALID_VALUE',
      `${describeTag('00280008')} must be a whole number of at least 1 (an Integer String)`,
      { tag: '00280008', keyword: keywordOf('00280008') },
    );
  }
}

/**
 * The Waveform Data of each multiplex group must hold the samples its group announces (Number of Waveform
 * Channels × Number of Waveform Samples × Waveform Bits Allocated / 8, PS3.3 C.10.9): a shorter one cannot be
 * shown, so such an object is refused rather than stored unopenable. Needs the whole file (a header stops before
 * the waveform).
 */
function checkWaveforms(ds: DicomDataset): void {
  const ctx = rootContext(ds);
  items(ds.raw, '54000100').forEach((g, index) => {
    const where = `multiplex group ${index + 1}`;
    const num = (tag: string): number | undefined => firstNumber(ctx, g, tag);
    const channels = num('003A0005');
    const samples = num('003A0010');
    const bits = num('54001004');
    for (const [tag, value] of [
      ['003A0005', channels],
      ['003A0010', samples],
      ['54001004', bits],
    ] as const) {
      if (value === undefined) {
        throw new DicomError(
          'MISSING_ATTRIBUTE',
          `${describeTag(tag)} is missing in ${where} of the Waveform Sequence`,
          {
            tag,
            keyword: keywordOf(tag),
          },
        );
      }
    }
    const data = g.elements[parserTag('54001010')];
    if (!data) throw missing('54001010');
    const expected = (channels as number) * (samples as number) * Math.ceil((bits as number) / 8);
    const actual = Math.min(data.length, ds.bytes.length - data.dataOffset);
    if (actual < expected) {
      throw new DicomError(
        'WAVEFORM_LENGTH_MISMATCH',
        `Waveform Data (5400,1010) of ${where} holds ${actual} bytes but Number of Waveform Channels × Number of ` +
          `Waveform Samples × Waveform Bits Allocated / 8 = ${expected}`,
        { tag: '54001010', keyword: keywordOf('54001010') },
      );
    }
  });
}

function checkPixelData(ds: DicomDataset, warnings: string[]): void {
  const ctx = rootContext(ds);
  const raw = ds.raw;
  for (const [tag, fixedBits] of PIXEL_TAGS) {
    const el = raw.elements[parserTag(tag)];
    if (!el) continue;
    const stopped = ds.stoppedAt?.tag === tag ? ds.stoppedAt : undefined;
    const undefinedLength = stopped ? stopped.length === undefined : el.hadUndefinedLength === true;
    const length = stopped ? stopped.length : el.length;
    const num = (t: string): number | undefined => firstNumber(ctx, raw, t);
    const rows = num('00280010');
    const columns = num('00280011');
    const bitsAllocated = fixedBits ?? num('00280100');
    if (rows === undefined) throw missing('00280010');
    if (columns === undefined) throw missing('00280011');
    if (bitsAllocated === undefined) throw missing('00280100');
    const samplesPerPixel = num('00280002') ?? 1;
    const framesValue = num('00280008');
    const frames = framesValue === undefined || framesValue < 1 ? 1 : Math.floor(framesValue);
    if (ds.transferSyntax.encapsulated && tag === '7FE00010') {
      if (!undefinedLength) {
        throw new DicomError('INVALID_VALUE', 'Encapsulated pixel data must have undefined length', { tag });
      }
      continue;
    }
    if (undefinedLength || length === undefined) {
      throw new DicomError('INVALID_VALUE', 'Native pixel data must have a defined length', { tag });
    }
    const stored = storedSamplesPerPixel(samplesPerPixel, firstString(ctx, raw, '00280004'));
    const check = checkPixelLength(rows, columns, stored, bitsAllocated, frames, length);
    if (!check.ok) {
      throw new DicomError(
        'PIXEL_LENGTH_MISMATCH',
        `Pixel data holds ${check.actual} bytes but Rows × Columns × Samples per Pixel × Number of Frames × ` +
          `Bits Allocated / 8 = ${check.expected}`,
        { tag },
      );
    }
    if (samplesPerPixel < 1) warnings.push('Samples per Pixel is 0');
  }
}
