/**
 * Locating pixel data and its frames without decoding them (WADO-RS `/frames/{n}` returns frames as stored).
 */
import type { DicomDataset } from './dataset.js';
import { firstNumber, firstString, parserTag, rootContext } from './dataset.js';
import { DicomError } from './errors.js';
import type { ParserElement, ParserFragment } from './parser-api.js';

/** A byte range in `dataset.bytes`. */
export interface ByteRange {
  /** Start offset. */
  offset: number;
  /** Length in bytes. */
  length: number;
}

/** Where one frame's bytes are. */
export interface FrameLocation {
  /** 1-based frame number (as in WADO-RS). */
  number: number;
  /** The frame's bytes: one range for native data; one per fragment for encapsulated data. */
  ranges: ByteRange[];
  /**
   * For native 1-bit data whose frames do not start on a byte boundary: the bit where the frame starts in the first
   * byte of `ranges[0]` (0 otherwise). {@link getFrame} re-aligns such frames.
   */
  bitOffset: number;
  /** Size of the frame in bits (native data) — `rows × columns × samples × bits allocated`. */
  bitLength: number | undefined;
}

/** Where the pixel data is and how it divides into frames. */
export interface PixelDataLocation {
  /** `7FE00010`, `7FE00008` or `7FE00009`. */
  tag: string;
  /** True for encapsulated (compressed) transfer syntaxes. */
  encapsulated: boolean;
  /** Offset of the element's tag in `dataset.bytes`. */
  headerOffset: number | undefined;
  /** Offset of the value in `dataset.bytes`. */
  valueOffset: number;
  /** Value length; undefined when it is undefined-length and the data was not parsed (a header). */
  valueLength: number | undefined;
  /** Number of Frames (1 when absent). */
  numberOfFrames: number;
  /** Encapsulated only: the Basic Offset Table as stored (may be empty). */
  basicOffsetTable: number[] | undefined;
  /** Encapsulated only: every fragment's data range. */
  fragments: ByteRange[] | undefined;
  /**
   * The frames, or undefined when they cannot be told apart: encapsulated data in a header (parse the whole file),
   * or several fragments per frame without a usable offset table nor recognisable frame starts.
   */
  frames: FrameLocation[] | undefined;
}

/**
 * Samples stored per pixel in native pixel data. YBR_FULL_422 and YBR_PARTIAL_422 keep one Cb and one Cr per two
 * pixels (PS3.3 C.7.6.3.1.2: Y1 Y2 Cb Cr), so three samples take the room of two.
 */
export function storedSamplesPerPixel(samplesPerPixel: number, photometric: string | undefined): number {
  const p = photometric?.trim().toUpperCase();
  return samplesPerPixel === 3 && (p === 'YBR_FULL_422' || p === 'YBR_PARTIAL_422') ? 2 : samplesPerPixel;
}

const PIXEL_TAGS: ReadonlyArray<[string, number | undefined]> = [
  ['7FE00010', undefined],
  ['7FE00008', 32],
  ['7FE00009', 64],
];

function startsFrame(bytes: Uint8Array, f: ParserFragment): boolean {
  const a = bytes[f.position];
  const b = bytes[f.position + 1];
  // JPEG / JPEG-LS SOI (FFD8), JPEG 2000 and HTJ2K codestream SOC (FF4F), JP2 signature box (0000000C 6A502020).
  if (a === 0xff && (b === 0xd8 || b === 0x4f)) return true;
  return a === 0x00 && b === 0x00 && bytes[f.position + 2] === 0x00 && bytes[f.position + 3] === 0x0c;
}

function groupFragments(ds: DicomDataset, el: ParserElement, frames: number): Array<ParserFragment[]> | undefined {
  const fragments = el.fragments ?? [];
  if (fragments.length === 0) return undefined;
  if (frames === 1) return [fragments];
  const bot = el.basicOffsetTable ?? [];
  if (bot.length === frames) {
    const starts = bot.map((offset) => fragments.findIndex((f) => f.offset === offset));
    if (starts.every((s, i) => s >= 0 && (i === 0 || s > (starts[i - 1] as number)))) {
      return starts.map((s, i) => fragments.slice(s, i + 1 < starts.length ? starts[i + 1] : fragments.length));
    }
  }
  if (fragments.length === frames) return fragments.map((f) => [f]);
  const groups: ParserFragment[][] = [];
  for (const f of fragments) {
    if (groups.length === 0 || startsFrame(ds.bytes, f)) groups.push([f]);
    else groups[groups.length - 1]?.push(f);
  }
  return groups.length === frames ? groups : undefined;
}

/**
 * Finds the pixel data and its frames. For native data the frame ranges are computed from Rows, Columns, Samples
 * per Pixel, Bits Allocated and Number of Frames (this works on a header too: the ranges then point beyond the
 * prefix). For encapsulated data the fragments are grouped into frames with the Basic Offset Table when it agrees
 * with the fragments, else one fragment per frame when the counts match, else by JPEG/JPEG 2000 start markers.
 *
 * @param ds - a parsed data set (full for encapsulated frames)
 * @returns the location, or undefined when the object has no pixel data
 */
export function locatePixelData(ds: DicomDataset): PixelDataLocation | undefined {
  const found = PIXEL_TAGS.find(([t]) => ds.raw.elements[parserTag(t)] !== undefined);
  if (!found) return undefined;
  const [tag, fixedBits] = found;
  const el = ds.raw.elements[parserTag(tag)] as ParserElement;
  const ctx = rootContext(ds);
  const num = (t: string): number | undefined => firstNumber(ctx, ds.raw, t);
  const framesValue = num('00280008');
  const numberOfFrames = framesValue !== undefined && framesValue >= 1 ? Math.floor(framesValue) : 1;
  const stopped = ds.stoppedAt?.tag === tag ? ds.stoppedAt : undefined;
  const encapsulated = ds.transferSyntax.encapsulated && tag === '7FE00010';
  const valueLength = stopped ? stopped.length : el.length;
  const base = {
    tag,
    encapsulated,
    headerOffset: stopped?.headerOffset,
    valueOffset: el.dataOffset,
    valueLength,
    numberOfFrames,
  };
  if (encapsulated) {
    const fragments = stopped ? undefined : el.fragments;
    const groups = stopped ? undefined : groupFragments(ds, el, numberOfFrames);
    return {
      ...base,
      basicOffsetTable: stopped ? undefined : [...(el.basicOffsetTable ?? [])],
      fragments: fragments?.map((f) => ({ offset: f.position, length: f.length })),
      frames: groups?.map((g, i) => ({
        number: i + 1,
        ranges: g.map((f) => ({ offset: f.position, length: f.length })),
        bitOffset: 0,
        bitLength: undefined,
      })),
    };
  }
  const rows = num('00280010') ?? 0;
  const columns = num('00280011') ?? 0;
  const samples = storedSamplesPerPixel(num('00280002') ?? 1, firstString(ctx, ds.raw, '00280004'));
  const bits = fixedBits ?? num('00280100') ?? 0;
  const frameBits = rows * columns * samples * bits;
  const frames: FrameLocation[] = [];
  for (let i = 0; i < numberOfFrames && frameBits > 0; i++) {
    const startBit = i * frameBits;
    const offset = el.dataOffset + Math.floor(startBit / 8);
    const bitOffset = startBit % 8;
    frames.push({
      number: i + 1,
      ranges: [{ offset, length: Math.ceil((bitOffset + frameBits) / 8) }],
      bitOffset,
      bitLength: frameBits,
    });
  }
  return { ...base, basicOffsetTable: undefined, fragments: undefined, frames };
}

/**
 * Returns the bytes of one frame as stored (compressed frames stay compressed). Native frames and single-fragment
 * frames are views into `dataset.bytes` (no copy); multi-fragment frames and unaligned 1-bit frames are copied.
 *
 * @param ds - a fully parsed data set ({@link parseFull})
 * @param frameNumber - 1-based frame number, as in WADO-RS `/frames/{n}`
 * @returns the frame bytes; throws `NO_PIXEL_DATA`, `FRAME_OUT_OF_RANGE`, `TRUNCATED` (bytes not present) or
 *   `MALFORMED` (frames cannot be told apart)
 */
export function getFrame(ds: DicomDataset, frameNumber: number): Uint8Array {
  const loc = locatePixelData(ds);
  if (!loc) throw new DicomError('NO_PIXEL_DATA', 'This object has no pixel data');
  if (!Number.isInteger(frameNumber) || frameNumber < 1 || frameNumber > loc.numberOfFrames) {
    throw new DicomError('FRAME_OUT_OF_RANGE', `Frame ${frameNumber} requested; the object has ${loc.numberOfFrames}`);
  }
  if (!loc.frames) {
    throw new DicomError('MALFORMED', 'The frames of this encapsulated pixel data cannot be told apart');
  }
  const frame = loc.frames[frameNumber - 1] as FrameLocation;
  for (const r of frame.ranges) {
    if (r.offset + r.length > ds.bytes.length) {
      throw new DicomError('TRUNCATED', 'The frame lies beyond the bytes parsed', { offset: r.offset });
    }
  }
  if (frame.ranges.length === 1 && frame.bitOffset === 0) {
    const r = frame.ranges[0] as ByteRange;
    return ds.bytes.subarray(r.offset, r.offset + r.length);
  }
  if (frame.bitOffset !== 0 && frame.bitLength !== undefined) {
    const r = frame.ranges[0] as ByteRange;
    const out = new Uint8Array(Math.ceil(frame.bitLength / 8));
    // 1-bit pixels are packed little-endian within each byte (PS3.5 8.1.1 and D.2).
    for (let i = 0; i < frame.bitLength; i++) {
      const src = frame.bitOffset + i;
      const bit = ((ds.bytes[r.offset + (src >> 3)] as number) >> (src & 7)) & 1;
      if (bit) out[i >> 3] = (out[i >> 3] as number) | (1 << (i & 7));
    }
    return out;
  }
  const total = frame.ranges.reduce((n, r) => n + r.length, 0);
  const out = new Uint8Array(total);
  let at = 0;
  for (const r of frame.ranges) {
    out.set(ds.bytes.subarray(r.offset, r.offset + r.length), at);
    at += r.length;
  }
  return out;
}
