import { wadors } from '@cornerstonejs/dicom-image-loader';
import { first, numberOf, numbersOf, seriesMetadata, type DicomJson } from '../dicomweb/qido';
import { withBinaryWindow } from './binaryWindow';
import { withPaletteLuts } from './paletteLut';

export interface SeriesImage {
  imageId: string;
  sopInstanceUid: string;
  /** 1-based frame number within its instance */
  frame: number;
  instance: DicomJson;
}

export interface LoadedSeries {
  studyInstanceUid: string;
  seriesInstanceUid: string;
  images: SeriesImage[];
  first: DicomJson;
  modality: string;
  /** frames per second for cine: Frame Time, Cine Rate, Recommended Display Frame Rate, else 10 */
  fps: number;
  /** parallel single-frame slices with even spacing, enough for MPR */
  isVolume: boolean;
  calibration: 'PixelSpacing' | 'ImagerPixelSpacing' | 'none';
}

export const DEFAULT_FPS = 10;

/** The frame URL the wadors loader reads (same-origin; the loader sends the bearer token). */
export function frameImageId(study: string, series: string, sop: string, frame: number): string {
  const e = encodeURIComponent;
  return `wadors:${location.origin}/dicomweb/studies/${e(study)}/series/${e(series)}/instances/${e(sop)}/frames/${frame}`;
}

/** The acquisition's own frame rate for cine, from the tags the modalities write. */
export function frameRateOf(ds: DicomJson): number {
  const frameTime = numberOf(ds, '00181063');
  if (frameTime && frameTime > 0) return Math.round((1000 / frameTime) * 10) / 10;
  const cine = numberOf(ds, '00180040');
  if (cine && cine > 0) return cine;
  const recommended = numberOf(ds, '00082144');
  if (recommended && recommended > 0) return recommended;
  return DEFAULT_FPS;
}

/** Which spacing the distances use: Pixel Spacing (patient), else Imager Pixel Spacing (detector), else none. */
export function calibrationOf(ds: DicomJson): LoadedSeries['calibration'] {
  if (numbersOf(ds, '00280030').length === 2) return 'PixelSpacing';
  if (numbersOf(ds, '00181164').length === 2) return 'ImagerPixelSpacing';
  return 'none';
}

/** At least 10 parallel slices, same orientation, evenly spaced along the normal (within 10 %). */
export function isVolumeSeries(rows: DicomJson[]): boolean {
  if (rows.length < 10) return false;
  const ori = numbersOf(rows[0], '00200037');
  if (ori.length !== 6) return false;
  if ((numberOf(rows[0], '00280008') ?? 1) > 1) return false;
  const [a, b, c, d, e, f] = ori as [number, number, number, number, number, number];
  const n = [b * f - c * e, c * d - a * f, a * e - b * d];
  const along: number[] = [];
  for (const r of rows) {
    const o = numbersOf(r, '00200037');
    const p = numbersOf(r, '00200032');
    if (o.length !== 6 || p.length !== 3 || o.some((v, i) => Math.abs(v - ori[i]!) > 1e-3)) return false;
    if (numberOf(r, '00280010') !== numberOf(rows[0], '00280010')) return false;
    along.push(n[0]! * p[0]! + n[1]! * p[1]! + n[2]! * p[2]!);
  }
  const gaps = along.slice(1).map((v, i) => v - along[i]!);
  const mean = gaps.reduce((s, g) => s + g, 0) / gaps.length;
  if (Math.abs(mean) < 1e-3) return false;
  return gaps.every((g) => Math.abs(g - mean) <= Math.abs(mean) * 0.1);
}

/**
 * The series' WADO-RS metadata, registered with the wadors metadata provider for every frame, and
 * the frames in slice order (a multi-frame instance gives one image per frame).
 */
export async function loadSeries(study: string, series: string, signal?: AbortSignal): Promise<LoadedSeries> {
  const rows = await Promise.all(
    (await seriesMetadata(study, series, signal))
      .filter((r) => numberOf(r, '00280010'))
      .map((r) => withPaletteLuts(withBinaryWindow(r), signal)),
  );
  const images: SeriesImage[] = [];
  for (const r of rows) {
    const sop = first(r, '00080018') ?? '';
    const frames = numberOf(r, '00280008') ?? 1;
    // The provider keeps frame 1's metadata and derives the others for a multi-frame instance.
    wadors.metaDataManager.add(frameImageId(study, series, sop, 1), r as never);
    for (let f = 1; f <= frames; f++) {
      const imageId = frameImageId(study, series, sop, f);
      if (frames === 1) wadors.metaDataManager.add(imageId, r as never);
      images.push({ imageId, sopInstanceUid: sop, frame: f, instance: r });
    }
  }
  const head = rows[0] ?? {};
  return {
    studyInstanceUid: study,
    seriesInstanceUid: series,
    images,
    first: head,
    modality: first(head, '00080060') ?? '',
    fps: frameRateOf(head),
    isVolume: isVolumeSeries(rows),
    calibration: calibrationOf(head),
  };
}
