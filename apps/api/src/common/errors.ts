import { HttpStatus } from '@nestjs/common';

// Stable error codes, each with its HTTP status. Messages are written for a person to act on and
// never carry patient data.
export const ERROR_STATUS = {
  UNAUTHENTICATED: HttpStatus.UNAUTHORIZED,
  TOKEN_EXPIRED: HttpStatus.UNAUTHORIZED,
  INVALID_CREDENTIALS: HttpStatus.UNAUTHORIZED,
  INVALID_REFRESH_TOKEN: HttpStatus.UNAUTHORIZED,
  INVALID_PATIENT_CODE: HttpStatus.UNAUTHORIZED,
  TOO_MANY_ATTEMPTS: HttpStatus.TOO_MANY_REQUESTS,
  INVALID_CHALLENGE: HttpStatus.UNAUTHORIZED,
  INVALID_SECOND_FACTOR: HttpStatus.UNAUTHORIZED,
  SECOND_FACTOR_REQUIRED: HttpStatus.CONFLICT,
  SECOND_FACTOR_ALREADY_ENABLED: HttpStatus.CONFLICT,
  SECOND_FACTOR_NOT_STARTED: HttpStatus.CONFLICT,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  FACILITY_INACTIVE: HttpStatus.FORBIDDEN,
  CROSS_SITE_REQUEST: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  VALIDATION_FAILED: HttpStatus.BAD_REQUEST,
  BAD_REQUEST: HttpStatus.BAD_REQUEST,
  JSON_TOO_DEEP: HttpStatus.BAD_REQUEST,
  CONFLICT: HttpStatus.CONFLICT,
  STALE_STATE: HttpStatus.CONFLICT,
  /** A referral cannot be submitted before the patient's consent to remote diagnosis is recorded. */
  CONSENT_REQUIRED: HttpStatus.CONFLICT,
  PATIENT_MISMATCH: HttpStatus.CONFLICT,
  READ_BACK_MISMATCH: HttpStatus.UNPROCESSABLE_ENTITY,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  NOT_ACCEPTABLE: HttpStatus.NOT_ACCEPTABLE,
  // A cart's ECG file (HL7 aECG, SCP-ECG), a PDF or a photo that cannot be read, or cannot be placed without a referral.
  ECG_FILE_INVALID: HttpStatus.UNPROCESSABLE_ENTITY,
  ECG_FILE_UNSUPPORTED: HttpStatus.UNPROCESSABLE_ENTITY,
  DOCUMENT_INVALID: HttpStatus.UNPROCESSABLE_ENTITY,
  REFERRAL_REQUIRED: HttpStatus.UNPROCESSABLE_ENTITY,
  SERVICE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  DATABASE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL: HttpStatus.INTERNAL_SERVER_ERROR,
} as const satisfies Record<string, HttpStatus>;

export type ErrorCode = keyof typeof ERROR_STATUS;

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = ERROR_STATUS[code];
  }
}

export const notFound = (what = 'Resource') => new AppError('NOT_FOUND', `${what} not found.`);
