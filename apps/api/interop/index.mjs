// The OHIF interop pieces, for the jest test and the benchmark (types in index.d.mts).
export { launchChromium, waitForImage, imageState } from './browser.mjs';
export { listedStudies, studyDrawn, OHIF_CANVAS } from './ohif-check.mjs';
export { startOhifServer, ohifDist, appConfig, OHIF_APP, DICOMWEB_ROOT } from './ohif-server.mjs';
export { loadSamples, signIn, stowOne } from './samples.mjs';
