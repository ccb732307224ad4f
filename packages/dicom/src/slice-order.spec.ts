import { opensAsImage, slicePosition, sortSlices, type SliceAttributes } from './slice-order.js';

const slice = (z: number, n: number, orientation = [1, 0, 0, 0, 1, 0]): SliceAttributes => ({
  '00200032': { Value: [-175, -175, z] },
  '00200037': { Value: orientation },
  '00200013': { Value: [n] },
});

describe('slice order', () => {
  it('goes along the plane’s normal, whatever the Instance Numbers say', () => {
    const rows = [slice(-85, 1), slice(-100, 4), slice(-90, 3), slice(-95, 2)];
    expect(sortSlices(rows).map((r) => r['00200032']!.Value![2])).toEqual([-100, -95, -90, -85]);
  });

  it('projects the position on the normal of oblique and sagittal planes', () => {
    // sagittal: rows along y, columns along -z, the normal is -x
    const sagittal = [0, 1, 0, 0, 0, -1];
    expect(slicePosition(slice(0, 1, sagittal))).toBeCloseTo(175);
    const rows = [{ ...slice(0, 1, sagittal), '00200032': { Value: [10, 0, 0] } }, slice(0, 2, sagittal)];
    // x = -175 lies further along -x than x = 10
    expect(sortSlices(rows)[0]!['00200032']!.Value![0]).toBe(10);
  });

  it('falls back to Instance Number when any image lacks a position, and keeps the given order on ties', () => {
    const a = { '00200013': { Value: [2] } };
    const b = slice(-100, 1);
    const c = { '00200013': { Value: [2] }, id: 'c' } as SliceAttributes;
    expect(sortSlices([a, b, c])).toEqual([b, a, c]);
  });

  it('reads the attributes through an accessor when the rows are not DICOM JSON themselves', () => {
    const rows = [
      { uid: 'upper', attrs: slice(-85, 1) },
      { uid: 'lower', attrs: slice(-100, 2) },
    ];
    expect(sortSlices(rows, (r) => r.attrs).map((r) => r.uid)).toEqual(['lower', 'upper']);
  });

  it('opens ECG, haemodynamic waveforms and documents elsewhere than in the image viewer', () => {
    expect(['CT', 'DX', 'XA', '', undefined, null].every(opensAsImage)).toBe(true);
    expect(['ECG', 'HD', 'DOC'].some(opensAsImage)).toBe(false);
  });
});
