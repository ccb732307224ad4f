import sharp, { type Metadata } from 'sharp';
import { AppError } from '#src/common/errors.js';
import type { Photo } from './dicom-writer.js';

// Pictures of paper ECGs: phones make 12–50 megapixel photos; the tracing reads at 4096 pixels across.
const MAX_INPUT_PIXELS = 100_000_000;
const MAX_SIDE = 4096;

const bad = (format: string, reason: string) =>
  new AppError('DOCUMENT_INVALID', `This ${format} picture cannot be read: ${reason}`, { format, reason });

/** The frame header of a baseline JPEG (SOF0), when the file is one DICOM can carry unchanged. */
function baselineFrame(
  jpeg: Buffer,
): { rows: number; columns: number; components: 1 | 3; subsampled: boolean } | undefined {
  let p = 2;
  while (p + 4 <= jpeg.length) {
    if (jpeg[p] !== 0xff) return undefined;
    const marker = jpeg[p + 1]!;
    if (marker === 0xd8 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0x01) {
      p += 2;
      continue;
    }
    const length = jpeg.readUInt16BE(p + 2);
    if (marker === 0xc0) {
      if (p + 10 > jpeg.length || jpeg[p + 4] !== 8) return undefined;
      const components = jpeg[p + 9];
      if (components !== 1 && components !== 3) return undefined;
      if (p + 10 + 3 * components > jpeg.length) return undefined;
      // Chroma subsampled (the usual 4:2:0 or 4:2:2 of cameras) or not: DICOM names the two differently.
      const factors = new Set(Array.from({ length: components }, (_, c) => jpeg[p + 11 + 3 * c]));
      return {
        rows: jpeg.readUInt16BE(p + 5),
        columns: jpeg.readUInt16BE(p + 7),
        components,
        subsampled: factors.size > 1,
      };
    }
    // Any other frame type (progressive, extended, lossless, arithmetic) is not JPEG baseline.
    if (marker >= 0xc1 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) return undefined;
    if (marker === 0xda) return undefined;
    p += 2 + length;
  }
  return undefined;
}

/**
 * A JPEG or PNG photo or scan, ready for a Secondary Capture image: a baseline JPEG that needs no turning is
 * kept byte for byte (encapsulated); anything else is decoded to 8-bit RGB, turned upright and, when very
 * large, scaled to 4096 pixels on its long side.
 */
export async function readPhoto(bytes: Buffer, kind: 'jpeg' | 'png'): Promise<Photo> {
  const format = kind === 'jpeg' ? 'JPEG' : 'PNG';
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS }).metadata();
  } catch {
    throw bad(format, 'the file is damaged or not a picture.');
  }
  if (!meta.width || !meta.height) throw bad(format, 'it has no size.');
  if (kind === 'jpeg') {
    const frame = baselineFrame(bytes);
    const upright = !meta.orientation || meta.orientation === 1;
    if (frame && upright && frame.rows <= 65535) return { kind: 'jpeg', bytes, ...frame };
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: MAX_INPUT_PIXELS })
      .rotate()
      .resize({ width: MAX_SIDE, height: MAX_SIDE, fit: 'inside', withoutEnlargement: true })
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error('channels');
    return { kind: 'rgb', pixels: data, rows: info.height, columns: info.width };
  } catch {
    throw bad(format, 'the picture data are damaged.');
  }
}

/** A PDF is stored as it came; only its frame is checked, so that a cut-off upload is not kept. */
export function checkPdf(bytes: Buffer): void {
  const head = bytes.subarray(0, 1024).indexOf('%PDF-');
  if (head < 0 || !/^%PDF-[12]\.\d/.test(bytes.toString('latin1', head, head + 8)))
    throw new AppError('DOCUMENT_INVALID', 'This PDF cannot be read: it has no PDF header.', { format: 'PDF' });
  const tail = bytes.toString('latin1', Math.max(0, bytes.length - 2048));
  if (!tail.includes('%%EOF') || !bytes.includes('startxref'))
    throw new AppError('DOCUMENT_INVALID', 'This PDF cannot be read: it is cut short (no end-of-file marker).', {
      format: 'PDF',
    });
}
