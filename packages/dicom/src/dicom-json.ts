/**
 * The DICOM JSON model (PS3.18 Annex F): what QIDO-RS and WADO-RS `/metadata` return.
 */
import { toBase64 } from './base64.js';
import type { DicomDataset, ValueContext } from './dataset.js';
import {
  itemContext,
  parseDecimal,
  publicTag,
  readAttributeTags,
  readBinaryNumbers,
  readStrings,
  rootContext,
  valueBytes,
  vrOf,
} from './dataset.js';
import type { ParserDataSet, ParserElement } from './parser-api.js';
import { parsePersonName } from './person-name.js';
import type { PersonName } from './person-name.js';

/** One value in a `Value` array. */
export type DicomJsonValue = string | number | PersonName | DicomJsonDataset | null;

/** One attribute in the DICOM JSON model. */
export interface DicomJsonElement {
  /** The VR. */
  vr: string;
  /** The values (absent when the attribute is empty, or bulk data is given by URI or inline). */
  Value?: DicomJsonValue[];
  /** Where to fetch bulk data (built by {@link ToDicomJsonOptions.bulkDataUri}). */
  BulkDataURI?: string;
  /** Base64 of the value bytes (little endian). */
  InlineBinary?: string;
}

/** A data set in the DICOM JSON model: attributes keyed by `GGGGEEEE`. */
export type DicomJsonDataset = Record<string, DicomJsonElement>;

/** Where a bulk data value sits, for building a BulkDataURI. */
export interface BulkDataReference {
  /** `GGGGEEEE` of the attribute. */
  tag: string;
  /**
   * Path from the root: tags and 0-based item indexes joined by `/`, e.g. `7FE00010` or `54000100/0/54001010`.
   * {@link getBulkData} takes the same path.
   */
  path: string;
  /** The VR. */
  vr: string;
  /** Offset of the value in `dataset.bytes`. */
  offset: number;
  /** Value length in bytes; undefined when not known (undefined length in a header). */
  length: number | undefined;
}

/** Options of {@link toDicomJson}. */
export interface ToDicomJsonOptions {
  /**
   * Builds the BulkDataURI of a bulk value (OB, OD, OF, OL, OV, OW, UN, Pixel Data, Waveform Data); returning
   * undefined falls back to the inline rules below.
   */
  bulkDataUri?: (tag: string, ref: BulkDataReference) => string | undefined;
  /** Inline every bulk value as InlineBinary when no URI is given (like dcm2json). Default false. */
  includeBulkInline?: boolean;
  /** Bulk values up to this many bytes are inlined when no URI is given. Default 1024; larger ones get no value. */
  inlineBinaryMaxLength?: number;
  /** Include the file meta information (group 0002). Default false: PS3.18 metadata carries the data set only. */
  includeFileMeta?: boolean;
  /** Leave out private attributes (odd groups). Default false. */
  excludePrivate?: boolean;
  /** Keep only these top-level attributes (`GGGGEEEE`), e.g. for QIDO-RS `includefield`. */
  onlyTags?: readonly string[];
}

const BULK_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'UN']);
const BULK_TAGS = new Set(['7FE00008', '7FE00009', '7FE00010', '54001010']);
const BINARY_NUMBER_VRS = new Set(['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'SV', 'UV']);
const WORD_SIZE: Record<string, number> = { OW: 2, OF: 4, OL: 4, OD: 8, OV: 8 };

interface Walk {
  readonly ds: DicomDataset;
  readonly opts: ToDicomJsonOptions;
  readonly maxInline: number;
}

function littleEndianCopy(bytes: Uint8Array, vr: string): Uint8Array {
  const size = WORD_SIZE[vr];
  if (!size) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i + size <= bytes.length; i += size) {
    for (let k = 0; k < size; k++) out[i + k] = bytes[i + size - 1 - k] as number;
  }
  return out;
}

function bulk(
  walk: Walk,
  ctx: ValueContext,
  tag: string,
  vr: string,
  el: ParserElement,
  path: string,
  knownLength: boolean,
): DicomJsonElement {
  const ref: BulkDataReference = {
    tag,
    path,
    vr,
    offset: el.dataOffset,
    length: knownLength ? el.length : undefined,
  };
  const uri = walk.opts.bulkDataUri?.(tag, ref);
  if (uri !== undefined) return { vr, BulkDataURI: uri };
  if (!knownLength || el.encapsulatedPixelData) return { vr };
  if (el.length === 0) return { vr };
  if (walk.opts.includeBulkInline === true || el.length <= walk.maxInline) {
    const raw = valueBytes(ctx, el);
    const bytes = ctx.littleEndian || tag.startsWith('0002') ? raw : littleEndianCopy(raw, vr);
    return { vr, InlineBinary: toBase64(bytes) };
  }
  return { vr };
}

function convertElement(
  walk: Walk,
  ctx: ValueContext,
  tag: string,
  el: ParserElement,
  path: string,
): DicomJsonElement | undefined {
  let vr = vrOf(ctx, tag, el);
  if (el.items && (vr === 'UN' || vr === 'SQ')) vr = 'SQ';
  const stopped = walk.ds.stoppedAt && path === walk.ds.stoppedAt.tag ? walk.ds.stoppedAt : undefined;
  if (stopped) {
    // A header stops before this element's value: a sequence there was not parsed and is left out.
    if (vr === 'SQ') return undefined;
    return bulk(walk, ctx, tag, vr, el, path, stopped.length !== undefined);
  }
  if (vr === 'SQ') {
    const values = (el.items ?? []).map((item, i) =>
      item.dataSet ? convertDataSet(walk, itemContext(ctx, item.dataSet), item.dataSet, `${path}/${i}/`) : {},
    );
    return values.length > 0 ? { vr, Value: values } : { vr };
  }
  if (BULK_VRS.has(vr) || BULK_TAGS.has(tag)) return bulk(walk, ctx, tag, vr, el, path, true);
  if (el.length === 0) return { vr };
  if (BINARY_NUMBER_VRS.has(vr)) {
    const nums = readBinaryNumbers(ctx, el, vr, tag);
    return nums.length > 0 ? { vr, Value: nums } : { vr };
  }
  if (vr === 'AT') {
    const tags = readAttributeTags(ctx, el);
    return tags.length > 0 ? { vr, Value: tags } : { vr };
  }
  const strings = readStrings(ctx, el, vr);
  if (strings.length === 0) return { vr };
  const multi = strings.length > 1;
  let values: DicomJsonValue[];
  if (vr === 'PN') {
    values = strings.map((s) => {
      const pn = parsePersonName(s);
      return Object.keys(pn).length > 0 ? pn : null;
    });
  } else if (vr === 'DS' || vr === 'IS') {
    values = strings.map((s) => (s === '' ? null : (parseDecimal(s) ?? null)));
  } else {
    values = strings.map((s) => (s === '' && multi ? null : s));
  }
  if (values.every((v) => v === null)) return { vr };
  return { vr, Value: values };
}

function convertDataSet(walk: Walk, ctx: ValueContext, dataSet: ParserDataSet, prefix: string): DicomJsonDataset {
  const out: DicomJsonDataset = {};
  const only =
    prefix === '' && walk.opts.onlyTags ? new Set(walk.opts.onlyTags.map((t) => t.toUpperCase())) : undefined;
  const keys = Object.keys(dataSet.elements).sort();
  for (const key of keys) {
    const el = dataSet.elements[key] as ParserElement;
    const tag = publicTag(key);
    if (tag.startsWith('FFFE')) continue; // item delimiters kept by dicom-parser
    if (tag.endsWith('0000')) continue; // group lengths (retired)
    if (tag === 'FFFCFFFC') continue; // Data Set Trailing Padding: no meaning
    if (tag.startsWith('0002') && walk.opts.includeFileMeta !== true) continue;
    if (walk.opts.excludePrivate === true && parseInt(tag.slice(0, 4), 16) % 2 === 1) continue;
    if (only && !only.has(tag)) continue;
    const json = convertElement(walk, ctx, tag, el, `${prefix}${tag}`);
    if (json) out[tag] = json;
  }
  return out;
}

/**
 * Converts a parsed data set to the DICOM JSON model (PS3.18 F.2): numbers for US/SS/UL/SL/FL/FD/SV/UV/IS/DS,
 * Person Name objects with only the groups present, nested objects for sequences, `GGGGEEEE` strings for AT,
 * multi-valued strings split on backslash, padding removed per VR, text decoded per Specific Character Set.
 * Bulk data (OB/OD/OF/OL/OV/OW/UN, Pixel Data, Waveform Data) becomes a BulkDataURI when `bulkDataUri` returns
 * one, InlineBinary when small (or `includeBulkInline`), else an attribute without value.
 *
 * @param dataset - a parsed data set (header or full)
 * @param opts - see {@link ToDicomJsonOptions}
 * @returns the JSON object, attributes in tag order
 */
export function toDicomJson(dataset: DicomDataset, opts: ToDicomJsonOptions = {}): DicomJsonDataset {
  const walk: Walk = { ds: dataset, opts, maxInline: opts.inlineBinaryMaxLength ?? 1024 };
  return convertDataSet(walk, rootContext(dataset), dataset.raw, '');
}

/**
 * Returns the bytes of a bulk data value by the path given in {@link BulkDataReference.path}
 * (for serving a BulkDataURI). Encapsulated pixel data is returned as stored (items included).
 *
 * @param dataset - a fully parsed data set ({@link parseFull})
 * @param path - e.g. `7FE00010` or `54000100/0/54001010`
 * @returns a view of the bytes (no copy), or undefined when the path does not resolve
 */
export function getBulkData(dataset: DicomDataset, path: string): Uint8Array | undefined {
  return bulkElement(dataset, path)?.bytes;
}

/**
 * A bulk data value in little-endian byte order, as WADO-RS answers bulk data by default (explicit VR little endian,
 * PS3.18 8.7.3.3): from a big-endian file each value of a binary VR is byte-swapped (a palette's 16-bit words, a
 * waveform's samples); little-endian files are returned as stored. Pixel data, whose swap depends on Bits Allocated,
 * is the caller's.
 */
export function getBulkDataLittleEndian(dataset: DicomDataset, path: string): Uint8Array | undefined {
  const el = bulkElement(dataset, path);
  if (!el) return undefined;
  if (dataset.transferSyntax.littleEndian || !el.vr) return el.bytes;
  return littleEndianCopy(el.bytes, el.vr);
}

function bulkElement(dataset: DicomDataset, path: string): { bytes: Uint8Array; vr: string | undefined } | undefined {
  const parts = path.split('/');
  let current: ParserDataSet | undefined = dataset.raw;
  for (let i = 0; i < parts.length && current; i += 2) {
    const el: ParserElement | undefined = current.elements[`x${(parts[i] ?? '').toLowerCase()}`];
    if (!el) return undefined;
    if (i === parts.length - 1) {
      if (el.length === 0xffffffff) return undefined;
      return {
        bytes: dataset.bytes.subarray(el.dataOffset, Math.min(dataset.bytes.length, el.dataOffset + el.length)),
        vr: el.vr,
      };
    }
    const index = Number(parts[i + 1]);
    current = el.items?.[index]?.dataSet;
  }
  return undefined;
}
