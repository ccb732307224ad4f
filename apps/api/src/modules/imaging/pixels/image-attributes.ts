import type { DicomJsonDataset } from '@zhiyin/dicom';

/** The Image Pixel module attributes (PS3.3 C.7.6.3) a decoder and a renderer need, from DICOM JSON. */
export interface ImageAttributes {
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  planarConfiguration: number;
  photometric: string;
}

const num = (json: DicomJsonDataset, tag: string): number | undefined => {
  const v = json[tag]?.Value?.[0];
  return typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v) : undefined;
};

export function imageAttributes(meta: DicomJsonDataset): ImageAttributes {
  const bitsAllocated = num(meta, '00280100') ?? 16;
  const photometric = meta['00280004']?.Value?.[0];
  return {
    rows: num(meta, '00280010') ?? 0,
    columns: num(meta, '00280011') ?? 0,
    samplesPerPixel: num(meta, '00280002') ?? 1,
    bitsAllocated,
    bitsStored: num(meta, '00280101') ?? bitsAllocated,
    pixelRepresentation: num(meta, '00280103') ?? 0,
    planarConfiguration: num(meta, '00280006') ?? 0,
    photometric: typeof photometric === 'string' ? photometric.trim().toUpperCase() : 'MONOCHROME2',
  };
}
