/**
 * Entry points: parse a header from a file prefix (streaming ingest, browser preview) or a whole file.
 */
import { decodeLatin1 } from './charset.js';
import type { BulkElementLocation, DicomDataset } from './dataset.js';
import { parserTag } from './dataset.js';
import { lookupTag } from './dictionary.js';
import { DicomError, toDicomError } from './errors.js';
import { inflateAvailable } from './inflate.js';
import { parser } from './parser-api.js';
import type { ParserDataSet, ParserOptions } from './parser-api.js';
import { scanDataSet, scanFileMeta, tagToString } from './structure.js';
import type { ScanResult } from './structure.js';
import { summarize } from './summary.js';
import type { DicomSummary } from './summary.js';
import { transferSyntaxInfo } from './transfer-syntax.js';
import type { TransferSyntaxInfo } from './transfer-syntax.js';
import { validateInstance } from './validate.js';

/** Where header parsing stops by default: the bulk elements that follow the descriptive attributes. */
export const DEFAULT_HEADER_STOP_TAGS: readonly string[] = [
  '54000100', // Waveform Sequence (holds Waveform Data)
  '56000020', // Spectroscopy Data
  '7FE00008', // Float Pixel Data
  '7FE00009', // Double Float Pixel Data
  '7FE00010', // Pixel Data
];

const PREAMBLE_LENGTH = 128;
const PART10_PREFIX_LENGTH = 132;

/** Options of {@link parseHeader}. */
export interface ParseHeaderOptions {
  /** True when the prefix is the whole file (the stream ended): running out of bytes is then `TRUNCATED`. */
  complete?: boolean;
  /** Size of the whole file when known; a prefix of that size is complete, and a need beyond it is `TRUNCATED`. */
  totalLength?: number;
  /** Validate as a storable instance (default true): see {@link validateInstance}. */
  validate?: boolean;
  /** Top-level tags (`GGGGEEEE`) where parsing stops; default {@link DEFAULT_HEADER_STOP_TAGS}. */
  stopAtTags?: readonly string[];
}

/** Options of {@link parseFull}. */
export interface ParseFullOptions {
  /** Validate as a storable instance (default true). */
  validate?: boolean;
}

/** A parsed header. */
export interface DicomHeader {
  /** The parsed attributes up to (not into) the first bulk element. */
  dataset: DicomDataset;
  /** The indexing/preview summary. */
  summary: DicomSummary;
  /**
   * Offset in `dataset.bytes` where the header ends: the start of the bulk element where parsing stopped, or the
   * end of the data. For deflated files this counts inflated bytes.
   */
  headerLength: number;
}

/** Outcome of the non-throwing variants: the value, or the {@link DicomError} that would have been thrown. */
export type ParseResult<T> = { ok: true; value: T } | { ok: false; error: DicomError };

/**
 * Detects an executable header in the 128-byte preamble (a "polyglot" file that is both a valid DICOM file and a
 * program, PS3.10 7.5 and CVE-2019-11687): `MZ` (DOS/PE), `\x7fELF`, Mach-O (`FEEDFACE`, `FEEDFACF`, `CEFAEDFE`,
 * `CFFAEDFE`, `CAFEBABE`) and `#!` scripts. A TIFF header (`II*\0`, `MM\0*`: dual-personality DICOM/TIFF files)
 * and an all-zero preamble are legitimate.
 *
 * @param first132Bytes - the start of the file (at least the first 4 bytes are looked at)
 * @returns true when the preamble starts like an executable
 */
export function detectExecutablePreamble(first132Bytes: Uint8Array): boolean {
  const b = first132Bytes;
  const at = (i: number): number => b[i] ?? -1;
  if (at(0) === 0x4d && at(1) === 0x5a) return true; // MZ
  if (at(0) === 0x23 && at(1) === 0x21) return true; // #!
  const magic = b.length >= 4 ? ((at(0) << 24) | (at(1) << 16) | (at(2) << 8) | at(3)) >>> 0 : -1;
  return [0x7f454c46, 0xfeedface, 0xfeedfacf, 0xcefaedfe, 0xcffaedfe, 0xcafebabe].includes(magic);
}

/**
 * Is `DICM` at offset 128 (a Part 10 file)?
 *
 * @param bytes - the start of the file (132 bytes or more)
 * @returns true when the Part 10 marker is present
 */
export function hasPart10Marker(bytes: Uint8Array): boolean {
  return (
    bytes.length >= PART10_PREFIX_LENGTH &&
    bytes[128] === 0x44 &&
    bytes[129] === 0x49 &&
    bytes[130] === 0x43 &&
    bytes[131] === 0x4d
  );
}

const KNOWN_VRS = new Set(
  'AE AS AT CS DA DS DT FD FL IS LO LT OB OD OF OL OV OW PN SH SL SQ SS ST SV TM UC UI UL UN UR US UT UV'.split(' '),
);

/** VRs with a 2-byte reserved field and a 4-byte length in explicit VR (PS3.5 7.1.2). */
const LONG_LENGTH_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UN', 'UR', 'UT', 'SV', 'UV']);

/**
 * Does `b` start with the first elements of a data set in one encoding: a group 0002 or 0008 element first, then
 * tags in ascending order, explicit VRs that exist, and lengths that fit (or are undefined where allowed)?
 */
function startsLikeDataSet(b: Uint8Array, explicitVr: boolean, littleEndian: boolean): boolean {
  const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
  let pos = 0;
  let previous = -1;
  for (let n = 0; n < 4 && pos + 8 <= b.length; n++) {
    const group = view.getUint16(pos, littleEndian);
    const element = view.getUint16(pos + 2, littleEndian);
    const tag = group * 0x10000 + element;
    if (n === 0 && group !== 0x0002 && group !== 0x0008) return false;
    if (tag <= previous) return false;
    previous = tag;
    let length: number;
    let header = 8;
    if (explicitVr) {
      const vr = String.fromCharCode(b[pos + 4] as number, b[pos + 5] as number);
      if (!KNOWN_VRS.has(vr)) return false;
      if (LONG_LENGTH_VRS.has(vr)) {
        if (pos + 12 > b.length) return true;
        length = view.getUint32(pos + 8, littleEndian);
        header = 12;
      } else length = view.getUint16(pos + 6, littleEndian);
    } else length = view.getUint32(pos + 4, littleEndian);
    // An undefined length (sequence) ends what can be checked this simply.
    if (length === 0xffffffff) return n > 0 || explicitVr;
    pos += header + length;
    if (pos > b.length) return n > 0;
  }
  return pos > 0;
}

/**
 * A data set without the Part 10 preamble (a raw C-STORE data set, or a file whose first 128 bytes were cut): it
 * starts with `DICM` or parses as data set elements in explicit VR little or big endian or implicit VR little
 * endian. Anything else is not DICOM, so that one file always gets one of the two codes, never both.
 */
function looksLikeBareDataSet(b: Uint8Array): boolean {
  if (b.length >= 4 && b[0] === 0x44 && b[1] === 0x49 && b[2] === 0x43 && b[3] === 0x4d) return true; // DICM at 0
  if (b.length < 8) return false;
  return startsLikeDataSet(b, true, true) || startsLikeDataSet(b, false, true) || startsLikeDataSet(b, true, false);
}

function notPart10(bytes: Uint8Array): DicomError {
  if (bytes.length === 0) return new DicomError('NOT_DICOM', 'Empty input');
  if (looksLikeBareDataSet(bytes)) {
    return new DicomError(
      'NO_PREAMBLE',
      'DICOM data without the Part 10 preamble and DICM marker; only Part 10 files are accepted',
    );
  }
  return new DicomError('NOT_DICOM', 'Not a DICOM Part 10 file: no DICM marker at offset 128');
}

/**
 * `NEED_MORE_BYTES` with a retry size: at least the minimum, and at least twice the prefix so that a read-more
 * loop takes few rounds (a header with large private elements would otherwise ask for one element at a time);
 * capped at the total length when known. `TRUNCATED` when even the minimum exceeds the total length.
 */
function needMore(minNeeded: number, prefixLength: number, total: number | undefined, offset?: number): DicomError {
  if (total !== undefined && minNeeded > total) return truncated(offset);
  let bytesNeeded = Math.max(minNeeded, prefixLength * 2, PART10_PREFIX_LENGTH);
  if (total !== undefined) bytesNeeded = Math.min(bytesNeeded, total);
  return new DicomError('NEED_MORE_BYTES', `The header continues beyond the bytes given; retry with ${bytesNeeded}`, {
    bytesNeeded,
    offset,
  });
}

function truncated(offset?: number): DicomError {
  return new DicomError('TRUNCATED', 'The file ends inside an element', { offset });
}

/** The file after the Part 10 checks: bytes to parse, encoding, and whether those bytes are all there is. */
interface Prepared {
  bytes: Uint8Array;
  metaEnd: number;
  transferSyntaxUid: string;
  ts: TransferSyntaxInfo;
  /** The data set bytes are complete (whole file, or the deflate stream ended). */
  dataComplete: boolean;
}

function prepare(input: Uint8Array, complete: boolean, totalLength: number | undefined): Prepared {
  if (input.length < PART10_PREFIX_LENGTH) {
    if (complete || input.length === 0) {
      if (input.length === 0 && !complete) throw needMore(PART10_PREFIX_LENGTH, 0, totalLength);
      throw notPart10(input);
    }
    throw needMore(PART10_PREFIX_LENGTH, input.length, totalLength);
  }
  if (!hasPart10Marker(input)) throw notPart10(input);
  if (detectExecutablePreamble(input.subarray(0, PREAMBLE_LENGTH))) {
    throw new DicomError(
      'EXECUTABLE_PREAMBLE',
      'The 128-byte preamble holds an executable header; such files are refused (PS3.10 7.5)',
    );
  }
  const meta = scanFileMeta(input, complete);
  if (meta.kind === 'short')
    throw complete ? truncated(meta.offset) : needMore(meta.needed, input.length, totalLength, meta.offset);
  if (meta.kind === 'malformed') {
    throw new DicomError('MALFORMED', `Invalid file meta information: ${meta.reason}`, { offset: meta.offset });
  }
  const uid = meta.transferSyntaxUid;
  if (!uid) {
    throw new DicomError('MISSING_ATTRIBUTE', 'The file meta information has no Transfer Syntax UID', {
      tag: '00020010',
      keyword: 'TransferSyntaxUID',
    });
  }
  const ts = transferSyntaxInfo(uid);
  if (!ts) {
    throw new DicomError('UNSUPPORTED_TRANSFER_SYNTAX', 'The transfer syntax of this file is not supported', {
      tag: '00020010',
      keyword: 'TransferSyntaxUID',
    });
  }
  if (!ts.deflated) return { bytes: input, metaEnd: meta.end, transferSyntaxUid: uid, ts, dataComplete: complete };

  const inflated = inflateAvailable(input.subarray(meta.end));
  if (inflated.error !== undefined) {
    throw new DicomError('MALFORMED', 'The deflated data set could not be inflated', { detail: inflated.error });
  }
  const bytes = new Uint8Array(meta.end + inflated.bytes.length);
  bytes.set(input.subarray(0, meta.end), 0);
  bytes.set(inflated.bytes, meta.end);
  if (complete && !inflated.ended) throw truncated(input.length);
  return { bytes, metaEnd: meta.end, transferSyntaxUid: uid, ts, dataComplete: inflated.ended };
}

function vrCallback(tag: string): string | undefined {
  const entry = lookupTag(tag.slice(1));
  if (!entry) return undefined;
  if (entry.vr === 'US|SS') return 'US';
  if (entry.vr.includes('|')) return 'OW';
  return entry.vr;
}

function runParser(p: Prepared, untilTag: string | undefined): ParserDataSet {
  const options: ParserOptions = { vrCallback };
  if (untilTag !== undefined) options.untilTag = parserTag(untilTag);
  try {
    if (!p.ts.deflated) return parser.parseDicom(p.bytes, options);
    // dicom-parser's own deflate path restarts reading the inflated data set at offset 0 (the preamble), so the
    // meta group and the already-inflated data set are parsed here the way parseDicom does for other syntaxes.
    const meta = parser.readPart10Header(p.bytes.subarray(0, p.metaEnd));
    const dataSet = new parser.DataSet(parser.littleEndianByteArrayParser, p.bytes, {});
    if (p.bytes.length > p.metaEnd) {
      const stream = new parser.ByteStream(parser.littleEndianByteArrayParser, p.bytes, p.metaEnd);
      dataSet.warnings = stream.warnings;
      parser.parseDicomDataSetExplicit(dataSet, stream, p.bytes.length, options);
    }
    Object.assign(dataSet.elements, meta.elements);
    return dataSet;
  } catch (e) {
    throw toDicomError(e, 'MALFORMED');
  }
}

function characterSetOf(raw: ParserDataSet, bytes: Uint8Array): string | undefined {
  const el = raw.elements['x00080005'];
  if (!el || el.length === 0) return undefined;
  const value = decodeLatin1(bytes.subarray(el.dataOffset, el.dataOffset + el.length)).replace(/[\0 ]+$/, '');
  return value.trim() === '' ? undefined : value;
}

function makeDataset(
  p: Prepared,
  raw: ParserDataSet,
  complete: boolean,
  stoppedAt: BulkElementLocation | undefined,
): DicomDataset {
  return {
    raw,
    bytes: p.bytes,
    transferSyntaxUid: p.transferSyntaxUid,
    transferSyntax: p.ts,
    specificCharacterSet: characterSetOf(raw, p.bytes),
    complete,
    stoppedAt,
    dataSetOffset: p.metaEnd,
    warnings: [...(raw.warnings ?? [])],
  };
}

function scanOrThrow(
  p: Prepared,
  stopTags: readonly string[],
  prefixLength: number,
  totalLength: number | undefined,
): Extract<ScanResult, { kind: 'stop' | 'end' }> {
  const stopSet = new Set(stopTags.map((t) => parseInt(t, 16) >>> 0));
  const r = scanDataSet(p.bytes, p.metaEnd, p.ts, stopSet, p.dataComplete);
  if (r.kind === 'malformed') {
    throw new DicomError('MALFORMED', `Invalid data set structure: ${r.reason}`, { offset: r.offset });
  }
  if (r.kind === 'short') {
    if (p.dataComplete) throw truncated(r.offset);
    // For deflated files the need is counted in inflated bytes; any more compressed bytes may do.
    throw needMore(p.ts.deflated ? prefixLength + 1 : r.needed, prefixLength, totalLength, r.offset);
  }
  if (r.kind === 'end' && !p.dataComplete) {
    // The prefix ends exactly between two elements: more may follow.
    throw needMore(prefixLength + 1, prefixLength, totalLength, r.offset);
  }
  return r;
}

/** Zero padding after the last element is left out of what dicom-parser reads (it would fail on it). */
function withoutPadding(p: Prepared, r: Extract<ScanResult, { kind: 'stop' | 'end' }>): Prepared {
  return r.kind === 'end' && r.trailingPadding > 0 ? { ...p, bytes: p.bytes.subarray(0, r.offset) } : p;
}

/**
 * Parses the header of a Part 10 file from a prefix of it, up to (not into) the first bulk element (Pixel Data,
 * Waveform Sequence, …), and validates it as a storable instance.
 *
 * Streaming use: read e.g. 64 KiB, call this; on `NEED_MORE_BYTES` read until `error.bytesNeeded` bytes (or
 * double) are available and call again; any other code is final. Pass `complete: true` (or `totalLength`) once
 * the stream has ended, so that running out of bytes is reported as `TRUNCATED`. No copy of the input is made
 * (except the inflated data set of deflated files).
 *
 * @param prefix - the first bytes of the file
 * @param opts - see {@link ParseHeaderOptions}
 * @returns the header; throws {@link DicomError} (`NOT_DICOM`, `NO_PREAMBLE`, `EXECUTABLE_PREAMBLE`,
 *   `NEED_MORE_BYTES`, `TRUNCATED`, `MALFORMED`, `UNSUPPORTED_TRANSFER_SYNTAX`, `MISSING_ATTRIBUTE`,
 *   `INVALID_VALUE`, `PIXEL_LENGTH_MISMATCH`, `NOT_AN_INSTANCE`)
 */
export function parseHeader(prefix: Uint8Array, opts: ParseHeaderOptions = {}): DicomHeader {
  const totalLength = opts.totalLength;
  const complete = opts.complete === true || (totalLength !== undefined && prefix.length >= totalLength);
  const p = prepare(prefix, complete, totalLength);
  const r = scanOrThrow(p, opts.stopAtTags ?? DEFAULT_HEADER_STOP_TAGS, prefix.length, totalLength);
  let stoppedAt: BulkElementLocation | undefined;
  let headerLength = r.kind === 'end' ? r.offset : r.element.headerOffset;
  if (r.kind === 'stop') {
    const tag = tagToString(r.element.tag);
    stoppedAt = {
      tag,
      vr: r.element.vr ?? vrCallback(parserTag(tag)),
      headerOffset: r.element.headerOffset,
      valueOffset: r.element.valueOffset,
      length: r.element.length === 0xffffffff ? undefined : r.element.length,
    };
    headerLength = r.element.headerOffset;
  }
  const raw = runParser(withoutPadding(p, r), stoppedAt?.tag);
  const dataset = makeDataset(p, raw, r.kind === 'end', stoppedAt);
  if (opts.validate !== false) validateInstance(dataset);
  return { dataset, summary: summarize(dataset), headerLength };
}

/**
 * Like {@link parseHeader}, but returns the error instead of throwing it (convenient in a read-more loop).
 *
 * @param prefix - the first bytes of the file
 * @param opts - see {@link ParseHeaderOptions}
 * @returns `{ ok: true, value }` or `{ ok: false, error }`
 */
export function tryParseHeader(prefix: Uint8Array, opts: ParseHeaderOptions = {}): ParseResult<DicomHeader> {
  try {
    return { ok: true, value: parseHeader(prefix, opts) };
  } catch (e) {
    return { ok: false, error: toDicomError(e) };
  }
}

/**
 * Parses a whole Part 10 file, bulk data included (needed for ECG decoding, frame extraction, bulk data), after
 * checking its structure to the last byte, and validates it as a storable instance.
 *
 * @param bytes - the complete file
 * @param opts - see {@link ParseFullOptions}
 * @returns the data set; throws {@link DicomError} (the codes of {@link parseHeader} except `NEED_MORE_BYTES`)
 */
export function parseFull(bytes: Uint8Array, opts: ParseFullOptions = {}): DicomDataset {
  const p = prepare(bytes, true, bytes.length);
  const r = scanOrThrow(p, [], bytes.length, bytes.length);
  const raw = runParser(withoutPadding(p, r), undefined);
  const dataset = makeDataset(p, raw, true, undefined);
  // Tolerated: some writers pad files with a few zero bytes.
  if (r.kind === 'end' && r.trailingPadding > 0) dataset.warnings.push('Trailing zero bytes after the data set');
  if (opts.validate !== false) validateInstance(dataset);
  return dataset;
}

/**
 * Like {@link parseFull}, but returns the error instead of throwing it.
 *
 * @param bytes - the complete file
 * @param opts - see {@link ParseFullOptions}
 * @returns `{ ok: true, value }` or `{ ok: false, error }`
 */
export function tryParseFull(bytes: Uint8Array, opts: ParseFullOptions = {}): ParseResult<DicomDataset> {
  try {
    return { ok: true, value: parseFull(bytes, opts) };
  } catch (e) {
    return { ok: false, error: toDicomError(e) };
  }
}
