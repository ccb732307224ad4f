import { opensAsImage } from '@zhiyin/dicom';
import { prefetchSeriesMetadata, type SeriesSummary } from '../dicomweb/qido';
import { firstImageOf } from '../viewer/firstImage';
import { imageViewerLoaded, preloadImageViewer } from '../viewer/preload';

// Kept apart from SeriesViewer (React and its lazy viewers), so that the page's first module can call it
// (app/prefetch.ts) before the app itself has loaded.

/** Whether the series opens in the image viewer (not the ECG's or a document's). */
export function opensInImageViewer(series: SeriesSummary): boolean {
  return opensAsImage(series.modality);
}

/**
 * The series a viewer is about to open: while the viewer itself loads, its first image as the server renders it
 * (shown by the loading view, when the viewer's code has not run yet in this page) and its metadata are asked for now.
 */
export function preloadSeries(studyUid: string, series: SeriesSummary): void {
  if (!opensInImageViewer(series)) return;
  const rest = () => {
    preloadImageViewer();
    prefetchSeriesMetadata(studyUid, series.seriesUid);
  };
  if (imageViewerLoaded()) return rest();
  // First the image, from its own small search of the slice order; then the whole metadata and the viewer's code
  // (the largest chunk), which would otherwise take the server's and the browser's connections from it.
  void firstImageOf(studyUid, series.seriesUid).finally(rest);
}
