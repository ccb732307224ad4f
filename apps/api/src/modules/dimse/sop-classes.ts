import { supportedTransferSyntaxes } from '@zhiyin/dicom';

export const VERIFICATION = '1.2.840.10008.1.1';

// The storage SOP classes a community centre's devices send (PS3.4 Annex B.5): images of every
// modality Zhiyin reads, waveforms (the ECG carts), encapsulated documents and structured reports.
// The ingest accepts any instance; association negotiation needs the list.
export const STORAGE_SOP_CLASSES: readonly string[] = [
  '1.2.840.10008.5.1.4.1.1.1', // Computed Radiography
  '1.2.840.10008.5.1.4.1.1.1.1', // Digital X-Ray, for presentation
  '1.2.840.10008.5.1.4.1.1.1.1.1', // Digital X-Ray, for processing
  '1.2.840.10008.5.1.4.1.1.1.2', // Digital Mammography, for presentation
  '1.2.840.10008.5.1.4.1.1.1.2.1', // Digital Mammography, for processing
  '1.2.840.10008.5.1.4.1.1.1.3', // Digital Intra-Oral X-Ray, for presentation
  '1.2.840.10008.5.1.4.1.1.1.3.1', // Digital Intra-Oral X-Ray, for processing
  '1.2.840.10008.5.1.4.1.1.2', // CT
  '1.2.840.10008.5.1.4.1.1.2.1', // Enhanced CT
  '1.2.840.10008.5.1.4.1.1.2.2', // Legacy Converted Enhanced CT
  '1.2.840.10008.5.1.4.1.1.3.1', // Ultrasound Multi-frame
  '1.2.840.10008.5.1.4.1.1.4', // MR
  '1.2.840.10008.5.1.4.1.1.4.1', // Enhanced MR
  '1.2.840.10008.5.1.4.1.1.4.3', // Enhanced MR Color
  '1.2.840.10008.5.1.4.1.1.4.4', // Legacy Converted Enhanced MR
  '1.2.840.10008.5.1.4.1.1.6.1', // Ultrasound
  '1.2.840.10008.5.1.4.1.1.6.2', // Enhanced US Volume
  '1.2.840.10008.5.1.4.1.1.7', // Secondary Capture
  '1.2.840.10008.5.1.4.1.1.7.1', // Multi-frame Single Bit Secondary Capture
  '1.2.840.10008.5.1.4.1.1.7.2', // Multi-frame Grayscale Byte Secondary Capture
  '1.2.840.10008.5.1.4.1.1.7.3', // Multi-frame Grayscale Word Secondary Capture
  '1.2.840.10008.5.1.4.1.1.7.4', // Multi-frame True Color Secondary Capture
  '1.2.840.10008.5.1.4.1.1.9.1.1', // 12-lead ECG Waveform
  '1.2.840.10008.5.1.4.1.1.9.1.2', // General ECG Waveform
  '1.2.840.10008.5.1.4.1.1.9.1.3', // Ambulatory ECG Waveform
  '1.2.840.10008.5.1.4.1.1.9.2.1', // Hemodynamic Waveform
  '1.2.840.10008.5.1.4.1.1.9.3.1', // Cardiac Electrophysiology Waveform
  '1.2.840.10008.5.1.4.1.1.9.4.1', // Basic Voice Audio Waveform
  '1.2.840.10008.5.1.4.1.1.9.5.1', // Arterial Pulse Waveform
  '1.2.840.10008.5.1.4.1.1.9.6.1', // Respiratory Waveform
  '1.2.840.10008.5.1.4.1.1.12.1', // X-Ray Angiographic
  '1.2.840.10008.5.1.4.1.1.12.1.1', // Enhanced XA
  '1.2.840.10008.5.1.4.1.1.12.2', // X-Ray Radiofluoroscopic
  '1.2.840.10008.5.1.4.1.1.12.2.1', // Enhanced XRF
  '1.2.840.10008.5.1.4.1.1.13.1.3', // Breast Tomosynthesis
  '1.2.840.10008.5.1.4.1.1.20', // Nuclear Medicine
  '1.2.840.10008.5.1.4.1.1.66.4', // Segmentation
  '1.2.840.10008.5.1.4.1.1.77.1.1', // VL Endoscopic
  '1.2.840.10008.5.1.4.1.1.77.1.1.1', // Video Endoscopic
  '1.2.840.10008.5.1.4.1.1.77.1.2', // VL Microscopic
  '1.2.840.10008.5.1.4.1.1.77.1.4', // VL Photographic
  '1.2.840.10008.5.1.4.1.1.77.1.4.1', // Video Photographic
  '1.2.840.10008.5.1.4.1.1.77.1.5.1', // Ophthalmic Photography 8 Bit
  '1.2.840.10008.5.1.4.1.1.77.1.5.2', // Ophthalmic Photography 16 Bit
  '1.2.840.10008.5.1.4.1.1.77.1.5.4', // Ophthalmic Tomography
  '1.2.840.10008.5.1.4.1.1.77.1.6', // VL Whole Slide Microscopy
  '1.2.840.10008.5.1.4.1.1.88.11', // Basic Text SR
  '1.2.840.10008.5.1.4.1.1.88.22', // Enhanced SR
  '1.2.840.10008.5.1.4.1.1.88.33', // Comprehensive SR
  '1.2.840.10008.5.1.4.1.1.88.34', // Comprehensive 3D SR
  '1.2.840.10008.5.1.4.1.1.88.59', // Key Object Selection
  '1.2.840.10008.5.1.4.1.1.88.67', // X-Ray Radiation Dose SR
  '1.2.840.10008.5.1.4.1.1.104.1', // Encapsulated PDF
  '1.2.840.10008.5.1.4.1.1.104.2', // Encapsulated CDA
  '1.2.840.10008.5.1.4.1.1.128', // PET
  '1.2.840.10008.5.1.4.1.1.130', // Enhanced PET
  '1.2.840.10008.5.1.4.1.1.481.1', // RT Image
  '1.2.840.10008.5.1.4.1.1.481.2', // RT Dose
  '1.2.840.10008.5.1.4.1.1.481.3', // RT Structure Set
  '1.2.840.10008.5.1.4.1.1.481.5', // RT Plan
  '1.2.840.10008.5.1.4.1.1.11.1', // Grayscale Softcopy Presentation State
];

const STORAGE = new Set(STORAGE_SOP_CLASSES);
export const isStorageSopClass = (uid: string) => STORAGE.has(uid);

// The transfer syntaxes the ingest reads and keeps as they are (stored unchanged, never transcoded).
const STORED = new Set(supportedTransferSyntaxes().map((t) => t.uid));
export const isStoredTransferSyntax = (uid: string) => STORED.has(uid);

// Verification and queries use the uncompressed syntaxes only.
export const UNCOMPRESSED = new Set(['1.2.840.10008.1.2.1', '1.2.840.10008.1.2']);

/** Zhiyin's implementation class UID (a UUID-derived UID, PS3.5 B.2) and version name. */
export const IMPLEMENTATION_CLASS_UID = '2.25.23936410817070470569110613730309361672';
export const IMPLEMENTATION_VERSION = 'ZHIYIN_010';
