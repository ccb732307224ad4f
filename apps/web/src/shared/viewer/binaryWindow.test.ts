import { withBinaryWindow } from './binaryWindow';

describe('withBinaryWindow', () => {
  it('gives a 1-bit image without a window the window of its values (0 black, 1 white)', () => {
    const seg = { '00280100': { vr: 'US', Value: [1] } };
    expect(withBinaryWindow(seg)).toEqual({
      ...seg,
      '00281050': { vr: 'DS', Value: [1] },
      '00281051': { vr: 'DS', Value: [2] },
    });
  });

  it('leaves other images and a 1-bit image with its own window as they are', () => {
    const ct = { '00280100': { vr: 'US', Value: [16] } };
    expect(withBinaryWindow(ct)).toBe(ct);
    const windowed = { '00280100': { vr: 'US', Value: [1] }, '00281051': { vr: 'DS', Value: [3] } };
    expect(withBinaryWindow(windowed)).toBe(windowed);
  });
});
