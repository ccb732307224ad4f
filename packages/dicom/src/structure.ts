/**
 * A structural scanner for Part 10 files: it reads element headers only (tag, VR, length) and skips values,
 * descending into undefined-length sequences and encapsulated pixel data to find where they end.
 *
 * dicom-parser cannot tell "the prefix is too short" from "the file is corrupt" (it throws strings, or seeks past
 * the end without noticing), and it only stops at one exact tag. This scanner answers both questions before
 * dicom-parser runs: where the header ends (the first bulk element: Pixel Data, Waveform Sequence…) and, when the
 * bytes run out, how many bytes are needed. Internal to the package.
 */

/** Tag value for comparisons: (group << 16 | element) as an unsigned 32-bit number. */
export type TagNumber = number;

const UNDEFINED_LENGTH = 0xffffffff;
const ITEM = 0xfffee000;
const ITEM_DELIMITATION = 0xfffee00d;
const SEQUENCE_DELIMITATION = 0xfffee0dd;
const PIXEL_DATA = 0x7fe00010;
const MAX_DEPTH = 64;
const LONG_VRS = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UR', 'UT', 'UN', 'SV', 'UV']);

/** Encoding of the data set being scanned. */
export interface ScanEncoding {
  explicitVr: boolean;
  littleEndian: boolean;
}

/** One element header as read by the scanner. */
export interface ElementHeader {
  tag: TagNumber;
  vr: string | undefined;
  /** Offset of the tag (start of the element). */
  headerOffset: number;
  /** Offset of the value. */
  valueOffset: number;
  /** Value length, 0xFFFFFFFF when undefined. */
  length: number;
}

/** Outcome of a scan. */
export type ScanResult =
  | { kind: 'stop'; element: ElementHeader }
  | { kind: 'end'; offset: number; trailingPadding: number }
  | { kind: 'short'; needed: number; offset: number }
  | { kind: 'malformed'; offset: number; reason: string };

class Short extends Error {
  constructor(
    readonly needed: number,
    readonly offset: number,
  ) {
    super('short');
  }
}

class Malformed extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

class Scanner {
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly end: number,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  private need(pos: number, n: number): void {
    if (pos + n > this.end) throw new Short(pos + n, pos);
  }

  u16(pos: number, le: boolean): number {
    this.need(pos, 2);
    return this.view.getUint16(pos, le);
  }

  u32(pos: number, le: boolean): number {
    this.need(pos, 4);
    return this.view.getUint32(pos, le);
  }

  tag(pos: number, le: boolean): TagNumber {
    return ((this.u16(pos, le) << 16) | this.u16(pos + 2, le)) >>> 0;
  }

  header(pos: number, enc: ScanEncoding): ElementHeader {
    this.need(pos, 8);
    const tag = this.tag(pos, enc.littleEndian);
    if (tag >>> 16 === 0xfffe || !enc.explicitVr) {
      return {
        tag,
        vr: undefined,
        headerOffset: pos,
        valueOffset: pos + 8,
        length: this.u32(pos + 4, enc.littleEndian),
      };
    }
    const c0 = this.bytes[pos + 4] as number;
    const c1 = this.bytes[pos + 5] as number;
    if (c0 < 0x41 || c0 > 0x5a || c1 < 0x41 || c1 > 0x5a) {
      throw new Malformed(pos, 'invalid VR in an explicit VR data set');
    }
    const vr = String.fromCharCode(c0, c1);
    if (LONG_VRS.has(vr)) {
      this.need(pos, 12);
      return { tag, vr, headerOffset: pos, valueOffset: pos + 12, length: this.u32(pos + 8, enc.littleEndian) };
    }
    return { tag, vr, headerOffset: pos, valueOffset: pos + 8, length: this.u16(pos + 6, enc.littleEndian) };
  }

  /** Returns the offset just past the element. */
  skip(h: ElementHeader, enc: ScanEncoding, depth: number): number {
    if (h.length !== UNDEFINED_LENGTH) {
      const valueEnd = h.valueOffset + h.length;
      if (valueEnd > this.end) throw new Short(valueEnd, h.headerOffset);
      return valueEnd;
    }
    if (depth > MAX_DEPTH) throw new Malformed(h.headerOffset, 'sequences nested too deeply');
    if (h.tag === PIXEL_DATA) return this.fragments(h.valueOffset, enc);
    if (!enc.explicitVr || h.vr === 'SQ') return this.sequence(h.valueOffset, enc, depth + 1);
    // PS3.5 6.2.2: a UN element of undefined length holds an implicit VR little endian sequence.
    if (h.vr === 'UN') return this.sequence(h.valueOffset, { explicitVr: false, littleEndian: true }, depth + 1);
    throw new Malformed(h.headerOffset, 'undefined length on an element that is not a sequence');
  }

  sequence(pos: number, enc: ScanEncoding, depth: number): number {
    for (;;) {
      this.need(pos, 8);
      const tag = this.tag(pos, enc.littleEndian);
      const length = this.u32(pos + 4, enc.littleEndian);
      if (tag === SEQUENCE_DELIMITATION) return pos + 8;
      if (tag !== ITEM) throw new Malformed(pos, 'unexpected tag inside a sequence');
      if (length === UNDEFINED_LENGTH) {
        pos = this.itemDataSet(pos + 8, enc, depth);
      } else {
        pos = pos + 8 + length;
        if (pos > this.end) throw new Short(pos, pos - length - 8);
      }
    }
  }

  itemDataSet(pos: number, enc: ScanEncoding, depth: number): number {
    for (;;) {
      this.need(pos, 8);
      if (this.tag(pos, enc.littleEndian) === ITEM_DELIMITATION) return pos + 8;
      const h = this.header(pos, enc);
      pos = this.skip(h, enc, depth);
    }
  }

  fragments(pos: number, enc: ScanEncoding): number {
    for (;;) {
      this.need(pos, 8);
      const tag = this.tag(pos, enc.littleEndian);
      const length = this.u32(pos + 4, enc.littleEndian);
      if (tag === SEQUENCE_DELIMITATION) return pos + 8;
      if (tag !== ITEM || length === UNDEFINED_LENGTH) {
        throw new Malformed(pos, 'unexpected tag inside encapsulated pixel data');
      }
      pos = pos + 8 + length;
      if (pos > this.end) throw new Short(pos, pos - length - 8);
    }
  }
}

function outcome(e: unknown): ScanResult {
  if (e instanceof Short) return { kind: 'short', needed: e.needed, offset: e.offset };
  if (e instanceof Malformed) return { kind: 'malformed', offset: e.offset, reason: e.reason };
  throw e;
}

/**
 * Scans the top level of a data set from `start` until a tag in `stopAt`, the end of the bytes, or a problem.
 *
 * @param bytes - the bytes (file, or file meta + inflated data set)
 * @param start - offset of the first data set element (after the file meta information)
 * @param enc - the data set's encoding
 * @param stopAt - top-level tags where the scan stops (before their value)
 * @param complete - true when `bytes` is the whole file: trailing zero padding shorter than an element header is
 *   then tolerated
 * @returns the outcome
 */
export function scanDataSet(
  bytes: Uint8Array,
  start: number,
  enc: ScanEncoding,
  stopAt: ReadonlySet<TagNumber>,
  complete: boolean,
): ScanResult {
  const s = new Scanner(bytes, bytes.length);
  let pos = start;
  try {
    while (pos < bytes.length) {
      if (complete && bytes.length - pos < 8 && bytes.subarray(pos).every((b) => b === 0)) {
        return { kind: 'end', offset: pos, trailingPadding: bytes.length - pos };
      }
      const h = s.header(pos, enc);
      if (stopAt.has(h.tag)) return { kind: 'stop', element: h };
      pos = s.skip(h, enc, 0);
    }
    return { kind: 'end', offset: pos, trailingPadding: 0 };
  } catch (e) {
    return outcome(e);
  }
}

/** Result of reading the file meta information group. */
export type MetaScanResult =
  | { kind: 'ok'; end: number; transferSyntaxUid: string | undefined }
  | { kind: 'short'; needed: number; offset: number }
  | { kind: 'malformed'; offset: number; reason: string };

/**
 * Reads the File Meta Information (group 0002, always explicit VR little endian) starting at offset 132.
 *
 * @param bytes - the file prefix
 * @param complete - true when `bytes` is the whole file
 * @returns where the meta group ends and the Transfer Syntax UID it declares
 */
export function scanFileMeta(bytes: Uint8Array, complete: boolean): MetaScanResult {
  const s = new Scanner(bytes, bytes.length);
  const enc: ScanEncoding = { explicitVr: true, littleEndian: true };
  let pos = 132;
  let ts: string | undefined;
  let declaredEnd: number | undefined;
  try {
    for (;;) {
      if (pos + 4 > bytes.length) {
        // A file that ends in (or right after) its file meta information has no data set: it was cut short.
        if (complete) throw new Short(pos + 8, pos);
        throw new Short(Math.max(pos + 8, declaredEnd ?? 0), pos);
      }
      if (s.u16(pos, true) !== 0x0002) return { kind: 'ok', end: pos, transferSyntaxUid: ts };
      const h = s.header(pos, enc);
      const next = s.skip(h, enc, 0);
      if (h.tag === 0x00020000 && h.length === 4) {
        // (0002,0000) File Meta Information Group Length: bytes of the group after this element.
        declaredEnd = next + s.u32(h.valueOffset, true);
        if (declaredEnd > bytes.length) throw new Short(declaredEnd, pos);
      }
      if (h.tag === 0x00020010) {
        let text = '';
        for (let i = h.valueOffset; i < next; i++) text += String.fromCharCode(bytes[i] as number);
        ts = text.replace(/[\0 ]+$/, '').trim();
      }
      pos = next;
    }
  } catch (e) {
    const r = outcome(e);
    if (r.kind === 'end' || r.kind === 'stop') throw e;
    return r;
  }
}

/**
 * Formats a numeric tag as `GGGGEEEE`.
 *
 * @param tag - the tag number
 * @returns upper-case hex
 */
export function tagToString(tag: TagNumber): string {
  return tag.toString(16).toUpperCase().padStart(8, '0');
}
