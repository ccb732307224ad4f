import { supportedTransferSyntaxes } from '@zhiyin/dicom';

/** Verification SOP Class (PS3.4 A.4): C-ECHO. */
export const VERIFICATION = '1.2.840.10008.1.1';
/** Modality Worklist Information Model – FIND (PS3.4 K.6.1). */
export const MODALITY_WORKLIST_FIND = '1.2.840.10008.5.1.4.31';
/** Study Root Query/Retrieve Information Model – FIND (PS3.4 C.6.2.1). */
export const STUDY_ROOT_FIND = '1.2.840.10008.5.1.4.1.2.2.1';
/** Study Root Query/Retrieve Information Model – MOVE and – GET (PS3.4 C.6.2.2, C.6.2.3). */
export const STUDY_ROOT_MOVE = '1.2.840.10008.5.1.4.1.2.2.2';
export const STUDY_ROOT_GET = '1.2.840.10008.5.1.4.1.2.2.3';

/** Every storage SOP class of PS3.4 Annex B lives under this root (images, waveforms, documents, SR). */
export const STORAGE_ROOT = '1.2.840.10008.5.1.4.1.1.';

/**
 * The storage SOP classes a community centre's devices send (PS3.4 Annex B.5): images of every modality Zhiyin
 * reads, waveforms (the ECG carts), encapsulated documents and structured reports. The ingest accepts any instance;
 * the hub's association negotiation needs the list.
 */
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
/**
 * Whether a SOP class is one of {@link STORAGE_SOP_CLASSES}.
 *
 * @param uid - the SOP class UID
 */
export const isStorageSopClass = (uid: string): boolean => STORAGE.has(uid);

// The transfer syntaxes the ingest reads and keeps as they are (stored unchanged, never transcoded).
const STORED = new Set(supportedTransferSyntaxes().map((t) => t.uid));
/**
 * Whether an instance in this transfer syntax is read by the ingest and kept as it was sent.
 *
 * @param uid - the transfer syntax UID
 */
export const isStoredTransferSyntax = (uid: string): boolean => STORED.has(uid);

/** Implicit and Explicit VR Little Endian: verification and queries use the uncompressed syntaxes only. */
export const UNCOMPRESSED: ReadonlySet<string> = new Set(['1.2.840.10008.1.2.1', '1.2.840.10008.1.2']);

/** The default transfer syntax (PS3.5 10.1): Implicit VR Little Endian. */
export const IMPLICIT_VR_LITTLE_ENDIAN = '1.2.840.10008.1.2';

/** C-STORE statuses (PS3.4 B.2.3, PS3.7 C.4.2.1.4). */
export const STORE_STATUS = {
  SUCCESS: 0x0000,
  PROCESSING_FAILURE: 0x0110,
  SOP_CLASS_NOT_SUPPORTED: 0x0122,
  OUT_OF_RESOURCES: 0xa700,
  DATASET_DOES_NOT_MATCH_SOP_CLASS: 0xa900,
  CANNOT_UNDERSTAND: 0xc000,
} as const;

/** C-FIND statuses (PS3.4 C.4.1.1.4, K.4.1.1.4). */
export const FIND_STATUS = {
  SUCCESS: 0x0000,
  PENDING: 0xff00,
  SOP_CLASS_NOT_SUPPORTED: 0x0122,
  IDENTIFIER_DOES_NOT_MATCH: 0xa900,
  UNABLE_TO_PROCESS: 0xc000,
} as const;
