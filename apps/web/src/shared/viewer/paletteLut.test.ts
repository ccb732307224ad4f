import type { DicomJson } from '../dicomweb/qido';
import { withPaletteLuts } from './paletteLut';

// A palette colour image from a server that sends its lookup tables inline (PS3.18 F.2.7: OW as InlineBinary) is
// given the colours the image loader reads; tables in 16-bit words and packed 8-bit tables are both read as stored.

const base64 = (bytes: number[]) => Buffer.from(bytes).toString('base64');
const palette = (descriptor: number[], bytes: number[]): DicomJson => ({
  '00280004': { vr: 'CS', Value: ['PALETTE COLOR'] },
  '00281101': { vr: 'US', Value: descriptor },
  '00281102': { vr: 'US', Value: descriptor },
  '00281103': { vr: 'US', Value: descriptor },
  '00281201': { vr: 'OW', InlineBinary: base64(bytes) },
  '00281202': { vr: 'OW', InlineBinary: base64(bytes) },
  '00281203': { vr: 'OW', InlineBinary: base64(bytes) },
});

describe('palette colour lookup tables for the viewer', () => {
  it('reads 16-bit little-endian entries sent inline, with the first mapped value kept', async () => {
    const ds = await withPaletteLuts(palette([3, 16, 16], [0x00, 0x00, 0x00, 0x80, 0xff, 0xff]));
    expect(ds['00281201']?.Value).toEqual([0, 0x8000, 0xffff]);
    expect(ds['00281203']?.Value).toEqual([0, 0x8000, 0xffff]);
    expect(ds['00281101']?.Value).toEqual([3, 16, 16]);
  });

  it('reads a table of one byte per entry as 8-bit entries, whatever the descriptor says', async () => {
    const ds = await withPaletteLuts(palette([4, 0, 16], [10, 20, 30, 40]));
    expect(ds['00281202']?.Value).toEqual([10, 20, 30, 40]);
    expect(ds['00281102']?.Value).toEqual([4, 0, 8]);
  });

  it('reads a descriptor of 0 entries as 65536 entries', async () => {
    const bytes = Array.from({ length: 65536 * 2 }, (_, i) => (i % 2 ? 0 : (i / 2) % 256));
    const ds = await withPaletteLuts(palette([0, 0, 16], bytes));
    expect(ds['00281201']?.Value).toHaveLength(65536);
    expect(ds['00281201']?.Value?.[300]).toBe(300 % 256);
  });

  it('leaves an image that is not palette colour as it is', async () => {
    const ds: DicomJson = { '00280004': { vr: 'CS', Value: ['MONOCHROME2'] } };
    await expect(withPaletteLuts(ds)).resolves.toBe(ds);
  });
});
