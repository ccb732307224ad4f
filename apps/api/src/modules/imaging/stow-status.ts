import type { DicomErrorCode } from '@zhiyin/dicom';

// STOW-RS failure reasons (PS3.4 Annex B C-STORE statuses, as PS3.18 §10.5 uses them).
export const FAILURE = {
  PROCESSING_FAILURE: 0x0110,
  DUPLICATE_SOP_INSTANCE: 0x0111,
  NOT_AUTHORISED: 0x0124,
  OUT_OF_RESOURCES: 0xa700,
  DATASET_DOES_NOT_MATCH_SOP_CLASS: 0xa900,
  CANNOT_UNDERSTAND: 0xc000,
  TRANSFER_SYNTAX_NOT_SUPPORTED: 0xc122,
} as const;

/** Why a part was refused: a stable code, a message a person can act on, and the DICOM failure reason. */
export interface PartFailure {
  code: string;
  message: string;
  reason: number;
}

export function failureForDicomError(code: DicomErrorCode, message: string): PartFailure {
  switch (code) {
    case 'UNSUPPORTED_TRANSFER_SYNTAX':
      return { code, message, reason: FAILURE.TRANSFER_SYNTAX_NOT_SUPPORTED };
    case 'MISSING_ATTRIBUTE':
    case 'INVALID_VALUE':
    case 'PIXEL_LENGTH_MISMATCH':
    case 'WAVEFORM_LENGTH_MISMATCH':
      return { code, message, reason: FAILURE.DATASET_DOES_NOT_MATCH_SOP_CLASS };
    case 'NOT_DICOM':
    case 'NO_PREAMBLE':
    case 'EXECUTABLE_PREAMBLE':
    case 'NEED_MORE_BYTES':
    case 'TRUNCATED':
    case 'MALFORMED':
    case 'NOT_AN_INSTANCE':
    case 'NO_PIXEL_DATA':
    case 'NO_WAVEFORM':
    case 'FRAME_OUT_OF_RANGE':
      return { code, message, reason: FAILURE.CANNOT_UNDERSTAND };
  }
}
