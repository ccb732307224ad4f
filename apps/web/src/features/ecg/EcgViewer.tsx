// The ECG viewer moved to shared/ (the reading room and the study page both show it); the study page's series viewer
// still imports it from here, so that its own changes in flight need no edit for the move. This file goes once it
// imports from shared/.
export * from '../../shared/ecg/EcgViewer';
