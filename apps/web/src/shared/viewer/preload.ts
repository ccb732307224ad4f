// The image viewer is its own chunk (Cornerstone3D with vtk.js: the largest of the app). Loading it ahead of the first
// series to show — as soon as a radiologist opens a case — lets its download, parse and WebGL set-up run while the
// case's own requests (referral, series, metadata) are on their way, instead of after them.

/** The viewer's chunk (the one import of it, so that the preload and the viewer share it). */
export const loadClinicalViewer = () => import('./ClinicalViewer');

/** Starts loading the image viewer now; a failure is shown where the viewer itself is loaded. */
export function preloadImageViewer(): void {
  void loadClinicalViewer().catch(() => undefined);
}
