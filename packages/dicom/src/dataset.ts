/**
 * The parsed data set handed around by this package, and typed access to element values.
 */
import { decodeLatin1, decodeText, CHARSET_VRS } from './charset.js';
import { lookupTag } from './dictionary.js';
import type { ParserDataSet, ParserElement } from './parser-api.js';
import type { TransferSyntaxInfo } from './transfer-syntax.js';

/** Where parsing of a header prefix stopped: the first bulk element (Pixel Data, Waveform Sequence…). */
export interface BulkElementLocation {
  /** `GGGGEEEE` of the element. */
  tag: string;
  /** VR from the file (explicit VR) or the dictionary. */
  vr: string | undefined;
  /** Offset of the element's tag in {@link DicomDataset.bytes}. */
  headerOffset: number;
  /** Offset of the element's value in {@link DicomDataset.bytes}. */
  valueOffset: number;
  /** Value length in bytes; undefined for undefined length (encapsulated pixel data, sequences). */
  length: number | undefined;
}

/** A parsed DICOM data set (file meta information merged in, as dicom-parser does). */
export interface DicomDataset {
  /** dicom-parser's data set: elements keyed `xggggeeee`, items with nested data sets. */
  readonly raw: ParserDataSet;
  /**
   * The bytes element offsets refer to: the input itself, except for deflated files, where it is the file meta
   * information followed by the inflated data set.
   */
  readonly bytes: Uint8Array;
  /** The Transfer Syntax UID from the file meta information. */
  readonly transferSyntaxUid: string;
  /** How that transfer syntax encodes the data set. */
  readonly transferSyntax: TransferSyntaxInfo;
  /** (0008,0005) Specific Character Set as stored (backslash-separated), undefined when absent. */
  readonly specificCharacterSet: string | undefined;
  /** False when parsed from a header prefix ({@link BulkElementLocation} then says where parsing stopped). */
  readonly complete: boolean;
  /** For a header: the element parsing stopped at (its value is not parsed); undefined when none was reached. */
  readonly stoppedAt: BulkElementLocation | undefined;
  /** Offset in {@link DicomDataset.bytes} where the data set (after the file meta information) starts. */
  readonly dataSetOffset: number;
  /** Non-fatal findings (no patient values in them). */
  readonly warnings: string[];
}

/** Internal: what is needed to read values of one (root or item) data set. */
export interface ValueContext {
  readonly bytes: Uint8Array;
  readonly littleEndian: boolean;
  readonly explicitVr: boolean;
  readonly charset: string | undefined;
  readonly pixelRepresentation: number;
}

/**
 * Internal: converts `GGGGEEEE` to dicom-parser's `xggggeeee`.
 *
 * @param tag - `GGGGEEEE`
 * @returns the dicom-parser key
 */
export function parserTag(tag: string): string {
  return `x${tag.toLowerCase()}`;
}

/**
 * Internal: converts dicom-parser's `xggggeeee` to `GGGGEEEE`.
 *
 * @param tag - the dicom-parser key
 * @returns `GGGGEEEE`
 */
export function publicTag(tag: string): string {
  return tag.slice(1).toUpperCase();
}

/**
 * Internal: value context of the root data set.
 *
 * @param ds - the parsed data set
 * @returns bytes, byte order, VR mode, character set and pixel representation
 */
export function rootContext(ds: DicomDataset): ValueContext {
  const pr = ds.raw.elements['x00280103'];
  let pixelRepresentation = 0;
  if (pr && pr.length >= 2) {
    const view = new DataView(ds.bytes.buffer, ds.bytes.byteOffset, ds.bytes.byteLength);
    pixelRepresentation = view.getUint16(pr.dataOffset, ds.transferSyntax.littleEndian);
  }
  return {
    bytes: ds.bytes,
    littleEndian: ds.transferSyntax.littleEndian,
    explicitVr: ds.transferSyntax.explicitVr,
    charset: ds.specificCharacterSet,
    pixelRepresentation,
  };
}

/**
 * Internal: value context of a sequence item (an item may declare its own Specific Character Set).
 *
 * @param parent - the context of the data set holding the sequence
 * @param item - the item's data set
 * @returns the item's context
 */
export function itemContext(parent: ValueContext, item: ParserDataSet): ValueContext {
  const cs = item.elements['x00080005'];
  if (!cs) return parent;
  const charset = decodeLatin1(parent.bytes.subarray(cs.dataOffset, cs.dataOffset + cs.length));
  return { ...parent, charset: charset.replace(/[\0 ]+$/, '') };
}

/**
 * Internal: the VR of an element: from the file in explicit VR, else from the dictionary, else SQ for parsed
 * sequences and UN for the rest. An element an explicit VR file labels `UN` (written by a converter that did not
 * know the attribute, typically from an implicit VR original) is read with its dictionary VR when the dictionary
 * has one: its value is the implicit VR little endian encoding of that VR (PS3.5 6.2.2), so a Patient Name sent as
 * UN is still a name.
 *
 * @param ctx - value context
 * @param tag - `GGGGEEEE`
 * @param el - the element
 * @returns the VR
 */
export function vrOf(ctx: ValueContext, tag: string, el: ParserElement): string {
  if (ctx.explicitVr && el.vr && el.vr !== 'UN') return el.vr;
  if (tag.startsWith('0002') && el.vr) return el.vr;
  const entry = lookupTag(tag);
  // A UN sequence that was not parsed into items stays opaque bytes; multi-byte binary values of a UN element are
  // little endian whatever the transfer syntax, so only byte order-free VRs are reinterpreted in big endian files.
  if (el.vr === 'UN' && entry && !(entry.vr === 'SQ' && !el.items) && (ctx.littleEndian || TEXT_VRS.has(entry.vr)))
    return resolveDictionaryVr(ctx, entry.vr);
  if (el.vr === 'UN') return el.items ? 'SQ' : 'UN';
  if (entry) return resolveDictionaryVr(ctx, entry.vr);
  if (el.items) return 'SQ';
  return 'UN';
}

/** VRs whose value bytes do not depend on byte order. */
const TEXT_VRS = new Set([
  'AE',
  'AS',
  'CS',
  'DA',
  'DS',
  'DT',
  'IS',
  'LO',
  'LT',
  'PN',
  'SH',
  'ST',
  'TM',
  'UC',
  'UI',
  'UR',
  'UT',
]);

function resolveDictionaryVr(ctx: ValueContext, vr: string): string {
  if (vr === 'US|SS') return ctx.pixelRepresentation === 1 ? 'SS' : 'US';
  if (vr === 'OB|OW' || vr === 'US|OW') return 'OW';
  return vr;
}

/**
 * Internal: raw bytes of an element's value (a view, clipped to the bytes present).
 *
 * @param ctx - value context
 * @param el - the element
 * @returns the value bytes
 */
export function valueBytes(ctx: ValueContext, el: ParserElement): Uint8Array {
  const end = Math.min(ctx.bytes.length, el.dataOffset + el.length);
  return ctx.bytes.subarray(el.dataOffset, end);
}

const TRAILING_PADDING = /[\0 ]+$/;
const LEADING_SPACES = /^ +/;
/** VRs whose leading spaces are not significant (PS3.5 Table 6.2-1). */
const TRIM_LEADING = new Set(['AE', 'AS', 'CS', 'DA', 'DS', 'DT', 'IS', 'LO', 'PN', 'SH', 'TM', 'UI']);
/** VRs that hold a single value even when a backslash occurs (PS3.5 6.4). */
const SINGLE_VALUED = new Set(['LT', 'ST', 'UT', 'UR']);

/**
 * Internal: the string values of a text element, decoded per character set, split on backslash (except LT, ST,
 * UT, UR) and trimmed per VR. An empty value gives `[]`; empty components of a multi-valued element give ''.
 *
 * @param ctx - value context
 * @param el - the element
 * @param vr - its VR
 * @returns the values
 */
export function readStrings(ctx: ValueContext, el: ParserElement, vr: string): string[] {
  if (el.length === 0) return [];
  const raw = valueBytes(ctx, el);
  const text = CHARSET_VRS.has(vr) ? decodeText(raw, ctx.charset, vr) : decodeLatin1(raw);
  const parts = SINGLE_VALUED.has(vr) ? [text] : text.split('\\');
  const trimmed = parts.map((p) => {
    let v = p.replace(TRAILING_PADDING, '');
    if (TRIM_LEADING.has(vr)) v = v.replace(LEADING_SPACES, '');
    return v;
  });
  if (trimmed.length === 1 && trimmed[0] === '') return [];
  return trimmed;
}

/**
 * Internal: numeric values of a binary numeric VR (US, SS, UL, SL, FL, FD, SV, UV) in the data set's byte order
 * (file meta information: always little endian).
 *
 * @param ctx - value context
 * @param el - the element
 * @param vr - its VR
 * @param tag - `GGGGEEEE`
 * @returns the values
 */
export function readBinaryNumbers(ctx: ValueContext, el: ParserElement, vr: string, tag: string): number[] {
  const raw = valueBytes(ctx, el);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const le = tag.startsWith('0002') ? true : ctx.littleEndian;
  const out: number[] = [];
  const step = vr === 'US' || vr === 'SS' ? 2 : vr === 'FD' || vr === 'SV' || vr === 'UV' ? 8 : 4;
  for (let i = 0; i + step <= raw.length; i += step) {
    switch (vr) {
      case 'US':
        out.push(view.getUint16(i, le));
        break;
      case 'SS':
        out.push(view.getInt16(i, le));
        break;
      case 'UL':
        out.push(view.getUint32(i, le));
        break;
      case 'SL':
        out.push(view.getInt32(i, le));
        break;
      case 'FL':
        out.push(view.getFloat32(i, le));
        break;
      case 'FD':
        out.push(view.getFloat64(i, le));
        break;
      case 'SV':
        out.push(Number(view.getBigInt64(i, le)));
        break;
      case 'UV':
        out.push(Number(view.getBigUint64(i, le)));
        break;
      default:
        break;
    }
  }
  return out;
}

/**
 * Internal: AT values as `GGGGEEEE`.
 *
 * @param ctx - value context
 * @param el - the element
 * @returns the tags
 */
export function readAttributeTags(ctx: ValueContext, el: ParserElement): string[] {
  const raw = valueBytes(ctx, el);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const out: string[] = [];
  for (let i = 0; i + 4 <= raw.length; i += 4) {
    const g = view.getUint16(i, ctx.littleEndian);
    const e = view.getUint16(i + 2, ctx.littleEndian);
    out.push((((g << 16) | e) >>> 0).toString(16).toUpperCase().padStart(8, '0'));
  }
  return out;
}

/**
 * Internal: parses a DS/IS string strictly (no `parseFloat` leniency: `12abc` is not a number).
 *
 * @param text - the string value
 * @returns the number, or undefined
 */
export function parseDecimal(text: string): number | undefined {
  const t = text.trim();
  if (t === '' || !/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(t)) return undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/**
 * Internal: first string value of an element of a data set.
 *
 * @param ctx - value context
 * @param ds - the data set (root or item)
 * @param tag - `GGGGEEEE`
 * @returns the value, or undefined when absent or empty
 */
export function firstString(ctx: ValueContext, ds: ParserDataSet, tag: string): string | undefined {
  const el = ds.elements[parserTag(tag)];
  if (!el) return undefined;
  const vr = vrOf(ctx, tag, el);
  return readStrings(ctx, el, vr)[0];
}

/**
 * Internal: all numbers of an element, whatever its numeric VR (binary, DS or IS); unparsable ones are skipped.
 *
 * @param ctx - value context
 * @param ds - the data set (root or item)
 * @param tag - `GGGGEEEE`
 * @returns the numbers
 */
export function numbers(ctx: ValueContext, ds: ParserDataSet, tag: string): number[] {
  const el = ds.elements[parserTag(tag)];
  if (!el || el.length === 0) return [];
  const vr = vrOf(ctx, tag, el);
  if (vr === 'DS' || vr === 'IS') {
    return readStrings(ctx, el, vr).flatMap((s) => {
      const n = parseDecimal(s);
      return n === undefined ? [] : [n];
    });
  }
  if (['US', 'SS', 'UL', 'SL', 'FL', 'FD', 'SV', 'UV'].includes(vr)) return readBinaryNumbers(ctx, el, vr, tag);
  return [];
}

/**
 * Internal: first number of an element.
 *
 * @param ctx - value context
 * @param ds - the data set (root or item)
 * @param tag - `GGGGEEEE`
 * @returns the number, or undefined
 */
export function firstNumber(ctx: ValueContext, ds: ParserDataSet, tag: string): number | undefined {
  return numbers(ctx, ds, tag)[0];
}

/**
 * Internal: the item data sets of a sequence element.
 *
 * @param ds - the data set holding the sequence
 * @param tag - `GGGGEEEE` of the sequence
 * @returns the items (empty when absent)
 */
export function items(ds: ParserDataSet, tag: string): ParserDataSet[] {
  const el = ds.elements[parserTag(tag)];
  return (el?.items ?? []).flatMap((i) => (i.dataSet ? [i.dataSet] : []));
}
