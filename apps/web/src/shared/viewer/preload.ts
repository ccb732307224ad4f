// The image viewer is its own chunk (Cornerstone3D with vtk.js: the largest of the app). Its download and compile
// start as soon as a radiologist opens a case — a modulepreload, which fetches and compiles a module without running
// it — while the case's own requests (referral, series, metadata) and the server's rendering of the first image are
// on their way. Running it (Cornerstone's and vtk.js's module code, then WebGL set-up) is long main-thread work: it is
// started once the first image is on screen (SeriesViewer), so that it does not hold that image back.
import viewerChunkUrl from 'virtual:zhiyin-viewer-chunk-url';

let loaded = false;

/** The viewer's chunk (the one import of it, so that the preload and the viewer share it). */
export const loadClinicalViewer = () =>
  import('./ClinicalViewer').then((m) => {
    loaded = true;
    return m;
  });

/** Whether the viewer's code has run already in this page (a later series needs no first-image wait). */
export function imageViewerLoaded(): boolean {
  return loaded;
}

let preloaded = false;

/** Starts downloading and compiling the image viewer now, without running it. */
export function preloadImageViewer(): void {
  if (preloaded || loaded) return;
  preloaded = true;
  const link = document.createElement('link');
  link.rel = 'modulepreload';
  link.href = viewerChunkUrl;
  document.head.appendChild(link);
}
