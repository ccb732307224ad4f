// Test-only: writes small DICOM Part 10 files, to build the bad inputs the samples do not cover.

const enc = new TextEncoder();
const LONG = new Set(['OB', 'OD', 'OF', 'OL', 'OV', 'OW', 'SQ', 'UC', 'UR', 'UT', 'UN', 'SV', 'UV']);

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

function tagBytes(tag: string, le: boolean): Uint8Array {
  const b = new Uint8Array(4);
  const v = new DataView(b.buffer);
  v.setUint16(0, parseInt(tag.slice(0, 4), 16), le);
  v.setUint16(2, parseInt(tag.slice(4), 16), le);
  return b;
}

/** Encodes a string value padded to even length (NUL for UI, space otherwise). */
export function text(value: string, vr = 'LO'): Uint8Array {
  const b = enc.encode(value);
  if (b.length % 2 === 0) return b;
  return concat([b, new Uint8Array([vr === 'UI' ? 0 : 0x20])]);
}

/** Encodes unsigned 16-bit values. */
export function us(...values: number[]): Uint8Array {
  const b = new Uint8Array(values.length * 2);
  values.forEach((v, i) => new DataView(b.buffer).setUint16(i * 2, v, true));
  return b;
}

/** One explicit VR little endian element (undefined length when `length` is 0xFFFFFFFF). */
export function el(tag: string, vr: string, value: Uint8Array | string, length?: number): Uint8Array {
  const data = typeof value === 'string' ? text(value, vr) : value;
  const len = length ?? data.length;
  if (LONG.has(vr)) {
    const h = new Uint8Array(12);
    h.set(tagBytes(tag, true), 0);
    h.set(enc.encode(vr), 4);
    new DataView(h.buffer).setUint32(8, len, true);
    return concat([h, data]);
  }
  const h = new Uint8Array(8);
  h.set(tagBytes(tag, true), 0);
  h.set(enc.encode(vr), 4);
  new DataView(h.buffer).setUint16(6, len, true);
  return concat([h, data]);
}

/** A sequence of defined-length items (each item is a list of encoded elements). */
export function sq(tag: string, items: Uint8Array[][]): Uint8Array {
  const encoded = items.map((elements) => {
    const body = concat(elements);
    const h = new Uint8Array(8);
    h.set(tagBytes('FFFEE000', true), 0);
    new DataView(h.buffer).setUint32(4, body.length, true);
    return concat([h, body]);
  });
  return el(tag, 'SQ', concat(encoded));
}

/** Options of {@link part10}. */
export interface Part10Options {
  transferSyntax?: string;
  preamble?: Uint8Array;
  sopClass?: string;
}

/** A Part 10 file: preamble, DICM, file meta, then the given (explicit VR LE) elements in the given order. */
export function part10(elements: Uint8Array[], opts: Part10Options = {}): Uint8Array {
  const preamble = new Uint8Array(128);
  if (opts.preamble) preamble.set(opts.preamble.subarray(0, 128));
  const metaBody = concat([
    el('00020001', 'OB', new Uint8Array([0, 1])),
    el('00020002', 'UI', opts.sopClass ?? '1.2.840.10008.5.1.4.1.1.7'),
    el('00020003', 'UI', '1.2.3.4.5.6'),
    el('00020010', 'UI', opts.transferSyntax ?? '1.2.840.10008.1.2.1'),
    el('00020012', 'UI', '1.2.3.4'),
  ]);
  const groupLength = el('00020000', 'UL', new Uint8Array(new Uint32Array([metaBody.length]).buffer));
  return concat([preamble, enc.encode('DICM'), groupLength, metaBody, ...elements]);
}

/** Secondary Capture Image Storage: requires Pixel Data. */
export const SECONDARY_CAPTURE = '1.2.840.10008.5.1.4.1.1.7';
/** Basic Text SR Storage: no Pixel Data. */
export const BASIC_TEXT_SR = '1.2.840.10008.5.1.4.1.1.88.11';

/**
 * The identifying attributes of a minimal instance (ascending tag order): a Basic Text SR by default (no pixel
 * data needed); pass `{ '00080016': SECONDARY_CAPTURE }` for an image.
 */
export function identity(overrides: Record<string, string | undefined> = {}): Uint8Array[] {
  const values: Array<[string, string, string]> = [
    ['00080016', 'UI', BASIC_TEXT_SR],
    ['00080018', 'UI', '1.2.3.4.5.6'],
    ['00080060', 'CS', 'SR'],
    ['0020000D', 'UI', '1.2.3.4.5'],
    ['0020000E', 'UI', '1.2.3.4.5.1'],
  ];
  return values.flatMap(([tag, vr, v]) => {
    const value = tag in overrides ? overrides[tag] : v;
    return value === undefined ? [] : [el(tag, vr, value)];
  });
}

/** Image pixel attributes + native Pixel Data of the given size (8-bit, 1 sample). */
export function image(
  rows: number,
  columns: number,
  pixelBytes: number,
  bitsAllocated = 8,
  frames?: number,
): Uint8Array[] {
  return [
    el('00280002', 'US', us(1)),
    el('00280004', 'CS', 'MONOCHROME2'),
    ...(frames !== undefined ? [el('00280008', 'IS', String(frames))] : []),
    el('00280010', 'US', us(rows)),
    el('00280011', 'US', us(columns)),
    el('00280100', 'US', us(bitsAllocated)),
    el('00280101', 'US', us(bitsAllocated)),
    el('00280102', 'US', us(bitsAllocated - 1)),
    el('00280103', 'US', us(0)),
    el('7FE00010', bitsAllocated > 8 ? 'OW' : 'OB', new Uint8Array(pixelBytes)),
  ];
}

export { concat };
