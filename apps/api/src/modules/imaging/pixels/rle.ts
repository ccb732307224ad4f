/**
 * RLE Lossless (1.2.840.10008.1.2.5) as PS3.5 Annex G specifies it: a 64-byte header of segment
 * offsets, one PackBits-coded segment per byte plane (most significant byte first), one segment
 * group per sample. No package in the registry offers a tested standalone decoder for it.
 */
export interface RleFrame {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  /** how the output is arranged: 0 colour-by-pixel, 1 colour-by-plane */
  planarConfiguration: number;
}

/** Decodes one frame into little-endian native pixels (Rows × Columns × Samples × BitsAllocated/8 bytes). */
export function decodeRle(data: Uint8Array, f: RleFrame): Uint8Array {
  if (data.length < 64) throw new Error('The RLE header is shorter than 64 bytes.');
  const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const segments = view.getUint32(0, true);
  const bytesPerSample = f.bitsAllocated / 8;
  if (!Number.isInteger(bytesPerSample) || bytesPerSample < 1) throw new Error('RLE needs whole bytes per sample.');
  if (segments !== f.samplesPerPixel * bytesPerSample || segments > 15) {
    throw new Error(
      `The RLE header names ${segments} segments; this image needs ${f.samplesPerPixel * bytesPerSample}.`,
    );
  }
  const pixels = f.rows * f.columns;
  const out = new Uint8Array(pixels * f.samplesPerPixel * bytesPerSample);
  for (let s = 0; s < segments; s++) {
    const start = view.getUint32(4 + 4 * s, true);
    const end = s + 1 < segments ? view.getUint32(8 + 4 * s, true) : data.length;
    if (start < 64 || end > data.length || end < start) throw new Error('An RLE segment offset is out of range.');
    const sample = Math.floor(s / bytesPerSample);
    // Segments come most significant byte first; little endian puts it last.
    const byteInSample = bytesPerSample - 1 - (s % bytesPerSample);
    const stride = f.planarConfiguration === 1 ? bytesPerSample : f.samplesPerPixel * bytesPerSample;
    let pos =
      f.planarConfiguration === 1
        ? sample * pixels * bytesPerSample + byteInSample
        : sample * bytesPerSample + byteInSample;
    let written = 0;
    let i = start;
    while (i < end && written < pixels) {
      const n = (data[i++]! << 24) >> 24; // signed header byte
      if (n >= 0) {
        for (let k = 0; k <= n && i < end && written < pixels; k++, written++, pos += stride) out[pos] = data[i++]!;
      } else if (n !== -128) {
        const v = data[i++]!;
        for (let k = 0; k < 1 - n && written < pixels; k++, written++, pos += stride) out[pos] = v;
      }
    }
    if (written < pixels) throw new Error('An RLE segment ends before the image does.');
  }
  return out;
}
