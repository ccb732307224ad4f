import { first, numberOf, type DicomJson } from '../studies/qido';

// Turning stored pixel values into screen pixels: modality LUT (rescale slope/intercept), then the
// VOI LUT as a window (PS3.3 C.11.2.1.2, "linear"), MONOCHROME1 inverted.

export interface ImageInfo {
  rows: number;
  columns: number;
  frames: number;
  bitsAllocated: number;
  pixelRepresentation: number;
  samplesPerPixel: number;
  planarConfiguration: number;
  photometric: string;
  slope: number;
  intercept: number;
  window?: { center: number; width: number };
  pixelSpacing?: [number, number];
}

export function imageInfo(ds: DicomJson): ImageInfo {
  const wc = numberOf(ds, '00281050');
  const ww = numberOf(ds, '00281051');
  const spacing = ds['00280030']?.Value?.map(Number);
  return {
    rows: numberOf(ds, '00280010') ?? 0,
    columns: numberOf(ds, '00280011') ?? 0,
    frames: numberOf(ds, '00280008') ?? 1,
    bitsAllocated: numberOf(ds, '00280100') ?? 16,
    pixelRepresentation: numberOf(ds, '00280103') ?? 0,
    samplesPerPixel: numberOf(ds, '00280002') ?? 1,
    planarConfiguration: numberOf(ds, '00280006') ?? 0,
    photometric: (first(ds, '00280004') ?? 'MONOCHROME2').trim(),
    slope: numberOf(ds, '00281053') ?? 1,
    intercept: numberOf(ds, '00281052') ?? 0,
    window: wc !== undefined && ww !== undefined && ww >= 1 ? { center: wc, width: ww } : undefined,
    pixelSpacing: spacing && spacing.length === 2 ? (spacing as [number, number]) : undefined,
  };
}

/** A decoded frame: grey values after the modality LUT, or colour ready to draw. */
export type Frame =
  | { kind: 'grey'; width: number; height: number; values: Float32Array; min: number; max: number; invert: boolean }
  | { kind: 'colour'; width: number; height: number; rgba: Uint8ClampedArray }
  | { kind: 'bitmap'; width: number; height: number; bitmap: ImageBitmap };

/** An uncompressed frame as stored (little endian). */
export function decodeNative(bytes: Uint8Array, info: ImageInfo): Frame {
  const { rows, columns } = info;
  const n = rows * columns;
  if (info.samplesPerPixel === 3 && info.bitsAllocated === 8) {
    const rgba = new Uint8ClampedArray(n * 4);
    for (let i = 0; i < n; i++) {
      const [r, g, b] =
        info.planarConfiguration === 1
          ? [bytes[i], bytes[i + n], bytes[i + 2 * n]]
          : [bytes[i * 3], bytes[i * 3 + 1], bytes[i * 3 + 2]];
      rgba[i * 4] = r ?? 0;
      rgba[i * 4 + 1] = g ?? 0;
      rgba[i * 4 + 2] = b ?? 0;
      rgba[i * 4 + 3] = 255;
    }
    return { kind: 'colour', width: columns, height: rows, rgba };
  }
  if (info.samplesPerPixel !== 1) throw new UnsupportedImage('samples');
  const buf = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
  let raw: ArrayLike<number>;
  if (info.bitsAllocated === 16)
    raw = info.pixelRepresentation === 1 ? new Int16Array(buf, 0, n) : new Uint16Array(buf, 0, n);
  else if (info.bitsAllocated === 8)
    raw = info.pixelRepresentation === 1 ? new Int8Array(buf, 0, n) : new Uint8Array(buf, 0, n);
  else if (info.bitsAllocated === 32)
    raw = info.pixelRepresentation === 1 ? new Int32Array(buf, 0, n) : new Uint32Array(buf, 0, n);
  else throw new UnsupportedImage('bits');
  const values = new Float32Array(n);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = raw[i]! * info.slope + info.intercept;
    values[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { kind: 'grey', width: columns, height: rows, values, min, max, invert: info.photometric === 'MONOCHROME1' };
}

export class UnsupportedImage extends Error {
  constructor(readonly reason: string) {
    super(`unsupported image: ${reason}`);
    this.name = 'UnsupportedImage';
  }
}

/** Grey values through a linear window into RGBA. */
export function applyWindow(
  frame: Extract<Frame, { kind: 'grey' }>,
  center: number,
  width: number,
  out: Uint8ClampedArray,
): void {
  const { values, invert } = frame;
  const w = Math.max(1, width);
  const c = center - 0.5;
  const low = c - (w - 1) / 2;
  const high = c + (w - 1) / 2;
  for (let i = 0, j = 0; i < values.length; i++, j += 4) {
    const v = values[i]!;
    let y: number;
    if (w === 1) y = v <= c ? 0 : 255;
    else y = v <= low ? 0 : v > high ? 255 : ((v - c) / (w - 1) + 0.5) * 255;
    if (invert) y = 255 - y;
    out[j] = y;
    out[j + 1] = y;
    out[j + 2] = y;
    out[j + 3] = 255;
  }
}

/** A window that shows the whole range of a frame. */
export function fullRangeWindow(frame: { min: number; max: number }): { center: number; width: number } {
  const width = Math.max(1, frame.max - frame.min);
  return { center: frame.min + width / 2, width };
}

/** Common CT windows (Hounsfield units). */
export const CT_PRESETS = {
  softTissue: { center: 40, width: 400 },
  lung: { center: -600, width: 1500 },
  bone: { center: 400, width: 1800 },
  brain: { center: 40, width: 80 },
} as const;
