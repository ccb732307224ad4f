/**
 * The handful of attributes the API indexes (study / series / instance rows) and the browser previews before an
 * upload ("patient, study, modality, count").
 */
import type { DicomDataset } from './dataset.js';
import { firstNumber, firstString, numbers, parserTag, readStrings, rootContext, vrOf } from './dataset.js';
import { parsePersonName } from './person-name.js';
import type { PersonName } from './person-name.js';

/** Summary of one instance. Absent or empty attributes are undefined. Text is decoded per character set. */
export interface DicomSummary {
  /** (0010,0020) */
  patientId: string | undefined;
  /** (0010,0010) as component groups, e.g. `{ Alphabetic: 'Sima^Yan', Ideographic: '司马^䶮' }`. */
  patientName: PersonName | undefined;
  /** (0010,0030) `YYYYMMDD` */
  patientBirthDate: string | undefined;
  /** (0010,0040) `M`, `F`, `O` */
  sex: string | undefined;
  /** (0020,000D) */
  studyInstanceUid: string | undefined;
  /** (0008,0020) `YYYYMMDD` */
  studyDate: string | undefined;
  /** (0008,0030) `HHMMSS.frac` */
  studyTime: string | undefined;
  /** (0008,0050) */
  accessionNumber: string | undefined;
  /** (0008,1030) */
  studyDescription: string | undefined;
  /** (0008,0060) */
  modality: string | undefined;
  /** (0020,000E) */
  seriesInstanceUid: string | undefined;
  /** (0020,0011) */
  seriesNumber: number | undefined;
  /** (0008,103E) */
  seriesDescription: string | undefined;
  /** (0008,0016) */
  sopClassUid: string | undefined;
  /** (0008,0018) */
  sopInstanceUid: string | undefined;
  /** (0020,0013) */
  instanceNumber: number | undefined;
  /** (0002,0010) */
  transferSyntaxUid: string;
  /** (0028,0010) */
  rows: number | undefined;
  /** (0028,0011) */
  columns: number | undefined;
  /** (0028,0008); 1 for images without the attribute, undefined for objects without pixel data. */
  numberOfFrames: number | undefined;
  /** (0028,0100) */
  bitsAllocated: number | undefined;
  /** (0028,0004) */
  photometricInterpretation: string | undefined;
  /** (0028,1050) first value */
  windowCenter: number | undefined;
  /** (0028,1051) first value */
  windowWidth: number | undefined;
  /** (0028,1053) */
  rescaleSlope: number | undefined;
  /** (0028,1052) */
  rescaleIntercept: number | undefined;
  /** (0008,0080) */
  institutionName: string | undefined;
  /** (0008,0090) as component groups */
  referringPhysicianName: PersonName | undefined;
  /** (0008,0005) as stored, e.g. `ISO_IR 192` or `\ISO 2022 IR 87`; undefined for the default repertoire. */
  specificCharacterSet: string | undefined;
  /** True when the object has pixel data (7FE0,0010/0008/0009). */
  hasPixelData: boolean;
  /** True when the object has a Waveform Sequence (5400,0100), e.g. an ECG. */
  hasWaveform: boolean;
}

/**
 * A DA value in the form PS3.5 defines, `YYYYMMDD`: files written before DICOM 3.0 (ACR-NEMA, and some that
 * copied it) store `YYYY.MM.DD`, which PS3.5 6.2 still asks readers to accept. Other values are returned as
 * they are (the index leaves what is not a date out of date matching).
 *
 * @param value - the DA value as stored
 * @returns `YYYYMMDD`, or the value unchanged
 */
export function normaliseDate(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  const m = /^(\d{4})\.(\d{2})\.(\d{2})$/.exec(t);
  return m ? `${m[1]}${m[2]}${m[3]}` : t;
}

/**
 * A TM value in the form PS3.5 defines, `HHMMSS.FFFFFF`: the ACR-NEMA form `HH:MM:SS.frac` loses its colons.
 *
 * @param value - the TM value as stored
 * @returns the value without colons
 */
export function normaliseTime(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  return /^\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?$/.test(t) ? t.replace(/:/g, '') : t;
}

/**
 * Extracts the summary of a parsed data set (header or full).
 *
 * @param ds - the parsed data set
 * @returns the summary
 */
export function summarize(ds: DicomDataset): DicomSummary {
  const ctx = rootContext(ds);
  const raw = ds.raw;
  const str = (tag: string): string | undefined => {
    const v = firstString(ctx, raw, tag);
    return v === '' ? undefined : v;
  };
  const num = (tag: string): number | undefined => firstNumber(ctx, raw, tag);
  const name = (tag: string): PersonName | undefined => {
    const el = raw.elements[parserTag(tag)];
    if (!el) return undefined;
    const first = readStrings(ctx, el, vrOf(ctx, tag, el))[0];
    if (first === undefined) return undefined;
    const pn = parsePersonName(first);
    return Object.keys(pn).length === 0 ? undefined : pn;
  };
  const has = (tag: string): boolean => raw.elements[parserTag(tag)] !== undefined;
  const hasPixelData = has('7FE00010') || has('7FE00008') || has('7FE00009');
  const frames = num('00280008');
  return {
    patientId: str('00100020'),
    patientName: name('00100010'),
    patientBirthDate: normaliseDate(str('00100030')),
    sex: str('00100040'),
    studyInstanceUid: str('0020000D'),
    studyDate: normaliseDate(str('00080020')),
    studyTime: normaliseTime(str('00080030')),
    accessionNumber: str('00080050'),
    studyDescription: str('00081030'),
    modality: str('00080060'),
    seriesInstanceUid: str('0020000E'),
    seriesNumber: num('00200011'),
    seriesDescription: str('0008103E'),
    sopClassUid: str('00080016'),
    sopInstanceUid: str('00080018'),
    instanceNumber: num('00200013'),
    transferSyntaxUid: ds.transferSyntaxUid,
    rows: num('00280010'),
    columns: num('00280011'),
    numberOfFrames: frames !== undefined && frames >= 1 ? frames : hasPixelData ? 1 : undefined,
    bitsAllocated: num('00280100'),
    photometricInterpretation: str('00280004'),
    windowCenter: numbers(ctx, raw, '00281050')[0],
    windowWidth: numbers(ctx, raw, '00281051')[0],
    rescaleSlope: num('00281053'),
    rescaleIntercept: num('00281052'),
    institutionName: str('00080080'),
    referringPhysicianName: name('00080090'),
    specificCharacterSet: ds.specificCharacterSet,
    hasPixelData,
    hasWaveform: has('54000100'),
  };
}
