import { DOCUMENT_MODALITIES, prefetchSeriesMetadata, WAVEFORM_MODALITIES, type SeriesSummary } from '../dicomweb/qido';
import { firstImageOf } from '../viewer/firstImage';
import { imageViewerLoaded, preloadImageViewer } from '../viewer/preload';

// Kept apart from SeriesViewer (React and its lazy viewers), so that the page's first module can call it
// (app/prefetch.ts) before the app itself has loaded.

/**
 * The series a viewer is about to open: while the viewer itself loads, its first image as the server renders it
 * (shown by the loading view, when the viewer's code has not run yet in this page) and its metadata are asked for now.
 */
export function preloadSeries(studyUid: string, series: SeriesSummary): void {
  if (WAVEFORM_MODALITIES.has(series.modality) || DOCUMENT_MODALITIES.has(series.modality)) return;
  const cold = !imageViewerLoaded();
  preloadImageViewer();
  // first: its own small search of the slice order, not the whole metadata, comes before the image
  if (cold) void firstImageOf(studyUid, series.seriesUid);
  prefetchSeriesMetadata(studyUid, series.seriesUid);
}
