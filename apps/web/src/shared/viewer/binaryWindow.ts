import { numberOf, type DicomJson } from '../dicomweb/qido';

/**
 * A 1-bit image (a binary segmentation: 0 outside, 1 inside) carries no window of its own, and the image loader's
 * fallback window is made for 8-bit values (width 256), which draws both 0 and 1 black. Its values' own range is the
 * window instead: centre 1, width 2 under the linear function (PS3.3 C.11.2.1.2.1) puts 0 at black and 1 at white,
 * as the server's /rendered draws it.
 */
export function withBinaryWindow(row: DicomJson): DicomJson {
  if (numberOf(row, '00280100') !== 1 || row['00281051']?.Value?.length) return row;
  return { ...row, '00281050': { vr: 'DS', Value: [1] }, '00281051': { vr: 'DS', Value: [2] } };
}
