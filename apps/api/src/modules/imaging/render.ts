import type { DicomJsonDataset } from '@zhiyin/dicom';
import type { Sharp } from 'sharp';
import { AppError } from '#src/common/errors.js';

/** Red, green and blue palette colour lookup tables (PS3.3 C.7.6.3.1.5-6). */
export interface Palette {
  tables: { first: number; bits: number; words: Uint16Array }[];
}

export interface RenderOptions {
  type: 'image/png' | 'image/jpeg';
  /** `window=center,width[,function]` from the request, else the image's own window */
  window?: { center: number; width: number; fn: 'linear' | 'linear_exact' | 'sigmoid' };
  quality?: number;
  /**
   * `viewport=vw,vh[,sx,sy,sw,sh]` (PS3.18 8.3.5.1.3): the region of the image (default all of it) scaled to fit
   * vw × vh, keeping its aspect ratio.
   */
  viewport?: Viewport;
  /** Never scale the image up (thumbnails of small images stay their size). */
  withoutEnlargement?: boolean;
}

export interface Viewport {
  width: number;
  height: number;
  region?: { left: number; top: number; width: number; height: number };
}

const num = (json: DicomJsonDataset, tag: string): number | undefined => {
  const v = json[tag]?.Value?.[0];
  return typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : undefined;
};
const str = (json: DicomJsonDataset, tag: string): string | undefined => {
  const v = json[tag]?.Value?.[0];
  return typeof v === 'string' ? v : undefined;
};

/** Loads the image library ahead of the first rendering (the server calls it once it listens). */
export async function warmRenderer(): Promise<void> {
  await import('sharp');
}

/**
 * Renders one native frame to an 8-bit PNG or JPEG: greyscale through the modality LUT (rescale),
 * then the VOI window (PS3.3 C.11.2.1.2), MONOCHROME1 inverted; colour (RGB, YBR_FULL,
 * YBR_FULL_422, palette colour) converted to RGB (PS3.3 C.7.6.3.1.2).
 */
export async function renderFrame(
  frame: Buffer,
  meta: DicomJsonDataset,
  transferSyntaxUid: string,
  opts: RenderOptions,
  palette?: Palette,
): Promise<{ body: Buffer; type: string }> {
  const rows = num(meta, '00280010');
  const cols = num(meta, '00280011');
  const bits = num(meta, '00280100') ?? 16;
  const samples = num(meta, '00280002') ?? 1;
  const photometric = (str(meta, '00280004') ?? 'MONOCHROME2').trim();
  if (!rows || !cols) throw new AppError('NOT_ACCEPTABLE', 'This image has no size.');
  // Loaded on first use: libvips is large and most API nodes never render.
  const { default: sharp } = await import('sharp');
  const encode = (img: Sharp) => {
    const shaped = fitViewport(img, rows, cols, opts);
    return opts.type === 'image/png'
      ? shaped.png({ compressionLevel: 6 })
      : shaped.jpeg({ quality: opts.quality ?? 90 });
  };

  if (samples === 3 || photometric === 'PALETTE COLOR') {
    const rgb = toRgb(frame, rows * cols, {
      photometric,
      bits,
      stored: num(meta, '00280101') ?? bits,
      planar: num(meta, '00280006') ?? 0,
      palette,
    });
    const body = await encode(sharp(rgb, { raw: { width: cols, height: rows, channels: 3 } })).toBuffer();
    return { body, type: opts.type };
  }
  if (samples !== 1 || !photometric.startsWith('MONOCHROME') || ![1, 8, 16, 32].includes(bits)) {
    throw new AppError(
      'NOT_ACCEPTABLE',
      `Greyscale with ${bits} bits allocated cannot be rendered (1, 8, 16 and 32 bits can; colour with 8 or 16).`,
    );
  }
  const n = rows * cols;
  if (frame.length < Math.ceil((n * bits) / 8)) {
    throw new AppError('NOT_ACCEPTABLE', 'The pixel data is shorter than the image.');
  }
  const signed = (num(meta, '00280103') ?? 0) === 1;
  const bigEndian = transferSyntaxUid === '1.2.840.10008.1.2.2';
  // RT Dose has no modality LUT; its stored values times Dose Grid Scaling (3004,000E) are the dose in Gy, which is
  // what a window given for it is in.
  const slope = num(meta, '00281053') ?? num(meta, '3004000E') ?? 1;
  const intercept = num(meta, '00281052') ?? 0;
  const stored = Math.min(num(meta, '00280101') ?? bits, bits);
  const values = new Float32Array(n);
  const read = storedValueReader(frame, bits, stored, signed, bigEndian);
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = read(i) * slope + intercept;
    values[i] = v;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  let center = opts.window?.center ?? num(meta, '00281050');
  let width = opts.window?.width ?? num(meta, '00281051');
  let fn = opts.window?.fn ?? 'linear';
  if (center === undefined || width === undefined || !(width > 0) || (bits !== 32 && !(width >= 1))) {
    // No window of its own: the full range of values. A binary segmentation's 0 and 1 become black and white; the
    // continuous 32-bit values (dose in Gy) take a window of exactly their range, however small.
    center = (min + max) / 2;
    width = bits === 1 || bits === 32 ? Math.max(max - min, Number.EPSILON) : Math.max(1, max - min + 1);
  }
  // The 'linear' function (PS3.3 C.11.2.1.2.1) is for integer values and a width of at least 1; a narrower window of
  // continuous values (a dose in Gy) maps exactly instead.
  if (fn === 'linear' && width < 1) fn = 'linear_exact';
  const out = Buffer.alloc(n);
  const invert = photometric === 'MONOCHROME1';
  for (let i = 0; i < n; i++) {
    const x = values[i]!;
    let y: number;
    if (fn === 'sigmoid') y = 255 / (1 + Math.exp((-4 * (x - center)) / width));
    else if (fn === 'linear_exact') y = ((x - center) / width + 0.5) * 255;
    else if (x <= center - 0.5 - (width - 1) / 2) y = 0;
    else if (x > center - 0.5 + (width - 1) / 2) y = 255;
    else y = ((x - (center - 0.5)) / (width - 1) + 0.5) * 255;
    y = Math.min(255, Math.max(0, Math.round(y)));
    out[i] = invert ? 255 - y : y;
  }
  const body = await encode(sharp(out, { raw: { width: cols, height: rows, channels: 1 } })).toBuffer();
  return { body, type: opts.type };
}

/**
 * Reads the i-th stored value of a native greyscale frame: 1-bit pixels packed eight to a byte, first pixel in the
 * least significant bit (PS3.5 8.1.1, D.2); 8, 16 or 32 bits with the stored bits masked and sign-extended.
 */
function storedValueReader(
  frame: Buffer,
  bits: number,
  stored: number,
  signed: boolean,
  bigEndian: boolean,
): (i: number) => number {
  if (bits === 1) return (i) => (frame[i >> 3]! >> (i & 7)) & 1;
  if (bits === 8) return signed ? (i) => frame.readInt8(i) : (i) => frame[i]!;
  if (bits === 32) {
    const word = bigEndian ? (i: number) => frame.readUInt32BE(i * 4) : (i: number) => frame.readUInt32LE(i * 4);
    if (stored >= 32) return signed ? (i) => word(i) | 0 : word;
    const mask = 2 ** stored - 1;
    return (i) => {
      const raw = word(i) % (mask + 1);
      return signed && raw >= 2 ** (stored - 1) ? raw - 2 ** stored : raw;
    };
  }
  return (i) => {
    let raw = bigEndian ? frame.readUInt16BE(i * 2) : frame.readUInt16LE(i * 2);
    if (stored < 16) raw &= (1 << stored) - 1;
    if (signed && raw >= 1 << (stored - 1)) raw -= 1 << stored;
    return raw;
  };
}

/** Crops to the viewport's region (clipped to the image) and scales into its size, aspect ratio kept. */
function fitViewport(img: Sharp, rows: number, cols: number, opts: RenderOptions): Sharp {
  const v = opts.viewport;
  if (!v) return img;
  let out = img;
  if (v.region) {
    const left = Math.min(cols - 1, Math.max(0, Math.round(v.region.left)));
    const top = Math.min(rows - 1, Math.max(0, Math.round(v.region.top)));
    const width = Math.max(1, Math.min(cols - left, Math.round(v.region.width)));
    const height = Math.max(1, Math.min(rows - top, Math.round(v.region.height)));
    out = out.extract({ left, top, width, height });
  }
  return out.resize(v.width, v.height, {
    fit: 'inside',
    kernel: 'lanczos3',
    withoutEnlargement: opts.withoutEnlargement === true,
  });
}

/** Colour pixels to interleaved 8-bit RGB. */
function toRgb(
  frame: Buffer,
  n: number,
  f: { photometric: string; bits: number; stored: number; planar: number; palette: Palette | undefined },
): Buffer {
  const out = Buffer.alloc(n * 3);
  if (f.photometric === 'PALETTE COLOR') {
    if (!f.palette || f.palette.tables.length !== 3)
      throw new AppError('NOT_ACCEPTABLE', 'This palette colour image has no palette.');
    if (frame.length < n * (f.bits / 8))
      throw new AppError('NOT_ACCEPTABLE', 'The pixel data is shorter than the image.');
    for (let i = 0; i < n; i++) {
      const index = f.bits === 8 ? frame[i]! : frame.readUInt16LE(i * 2);
      for (let c = 0; c < 3; c++) {
        const t = f.palette.tables[c]!;
        const k = Math.min(t.words.length - 1, Math.max(0, index - t.first));
        const w = t.words[k]!;
        out[i * 3 + c] = t.bits === 16 ? w >> 8 : w & 0xff;
      }
    }
    return out;
  }
  if (f.bits !== 8 && f.bits !== 16)
    throw new AppError('NOT_ACCEPTABLE', `Colour with ${f.bits} bits allocated cannot be rendered.`);
  const bytes = f.bits / 8;
  const shift = Math.max(0, f.stored - 8);
  const sample = (i: number) => (bytes === 1 ? frame[i]! : frame.readUInt16LE(i * 2) >> shift);
  const is422 = f.photometric === 'YBR_FULL_422';
  const need = is422 ? n * 2 * bytes : n * 3 * bytes;
  if (frame.length < need) throw new AppError('NOT_ACCEPTABLE', 'The pixel data is shorter than the image.');
  if (!['RGB', 'YBR_FULL', 'YBR_FULL_422'].includes(f.photometric)) {
    throw new AppError('NOT_ACCEPTABLE', `Photometric interpretation ${f.photometric} cannot be rendered.`);
  }
  for (let i = 0; i < n; i++) {
    let a: number, b: number, c: number;
    if (is422) {
      // Two pixels share Cb and Cr: Y1 Y2 Cb Cr (PS3.3 C.7.6.3.1.2).
      const pair = i >> 1;
      a = sample(pair * 4 + (i & 1));
      b = sample(pair * 4 + 2);
      c = sample(pair * 4 + 3);
    } else if (f.planar === 1) {
      a = sample(i);
      b = sample(n + i);
      c = sample(2 * n + i);
    } else {
      a = sample(i * 3);
      b = sample(i * 3 + 1);
      c = sample(i * 3 + 2);
    }
    if (f.photometric === 'RGB') {
      out[i * 3] = a;
      out[i * 3 + 1] = b;
      out[i * 3 + 2] = c;
    } else {
      const clamp = (v: number) => Math.min(255, Math.max(0, Math.round(v)));
      out[i * 3] = clamp(a + 1.402 * (c - 128));
      out[i * 3 + 1] = clamp(a - 0.344136 * (b - 128) - 0.714136 * (c - 128));
      out[i * 3 + 2] = clamp(a + 1.772 * (b - 128));
    }
  }
  return out;
}
