/**
 * One error type for everything this package refuses, with a stable machine-readable code.
 *
 * Messages never contain values read from a file (names, IDs, dates, UIDs): only tags, keywords, sizes
 * and offsets. They can be logged and returned to clients as they are.
 */

/** Every code a {@link DicomError} can carry. */
export const DICOM_ERROR_CODES = [
  'NOT_DICOM',
  'NO_PREAMBLE',
  'EXECUTABLE_PREAMBLE',
  'NEED_MORE_BYTES',
  'TRUNCATED',
  'MALFORMED',
  'UNSUPPORTED_TRANSFER_SYNTAX',
  'MISSING_ATTRIBUTE',
  'INVALID_VALUE',
  'PIXEL_LENGTH_MISMATCH',
  'WAVEFORM_LENGTH_MISMATCH',
  'NOT_AN_INSTANCE',
  'NO_PIXEL_DATA',
  'NO_WAVEFORM',
  'FRAME_OUT_OF_RANGE',
] as const;

/** A stable error code; see the package README for what each one means. */
export type DicomErrorCode = (typeof DICOM_ERROR_CODES)[number];

/** Optional structured details of a {@link DicomError}. None of them carries a value read from the file. */
export interface DicomErrorDetails {
  /** The attribute concerned, as `GGGGEEEE` (upper-case hex). */
  tag?: string;
  /** The DICOM keyword of `tag`, when known. */
  keyword?: string;
  /** For `NEED_MORE_BYTES`: the smallest total prefix length (from the start of the file) worth retrying with. */
  bytesNeeded?: number;
  /** Byte offset where the problem was found, when meaningful. */
  offset?: number;
  /** The message of the underlying library error (dicom-parser, pako); these are fixed texts without file values. */
  detail?: string;
}

/**
 * The single error class thrown (or returned) by this package.
 *
 * @example
 * ```ts
 * try { parseFull(bytes); } catch (e) { if (isDicomError(e) && e.code === 'TRUNCATED') ... }
 * ```
 */
export class DicomError extends Error {
  /** Stable code for programs; the message is for people. */
  readonly code: DicomErrorCode;
  /** The attribute concerned, as `GGGGEEEE`, when the error is about one attribute. */
  readonly tag: string | undefined;
  /** The keyword of {@link DicomError.tag}, when known. */
  readonly keyword: string | undefined;
  /** For `NEED_MORE_BYTES`: the smallest total prefix length worth retrying with (a lower bound). */
  readonly bytesNeeded: number | undefined;
  /** Byte offset where the problem was found, when meaningful. */
  readonly offset: number | undefined;
  /** Message of the underlying library error, when there was one (fixed library text, no file values). */
  readonly detail: string | undefined;

  /**
   * @param code - the stable error code
   * @param message - a human-readable, PHI-free message
   * @param details - optional structured details
   */
  constructor(code: DicomErrorCode, message: string, details: DicomErrorDetails = {}) {
    super(message);
    this.name = 'DicomError';
    this.code = code;
    this.tag = details.tag;
    this.keyword = details.keyword;
    this.bytesNeeded = details.bytesNeeded;
    this.offset = details.offset;
    this.detail = details.detail;
  }

  /** A plain object for logs and API error bodies. */
  toJSON(): { name: string; code: DicomErrorCode; message: string } & DicomErrorDetails {
    const out: { name: string; code: DicomErrorCode; message: string } & DicomErrorDetails = {
      name: this.name,
      code: this.code,
      message: this.message,
    };
    if (this.tag !== undefined) out.tag = this.tag;
    if (this.keyword !== undefined) out.keyword = this.keyword;
    if (this.bytesNeeded !== undefined) out.bytesNeeded = this.bytesNeeded;
    if (this.offset !== undefined) out.offset = this.offset;
    if (this.detail !== undefined) out.detail = this.detail;
    return out;
  }
}

/**
 * Type guard for {@link DicomError}.
 *
 * @param error - anything caught
 * @returns true when `error` is a DicomError
 */
export function isDicomError(error: unknown): error is DicomError {
  return error instanceof DicomError;
}

const MAX_DETAIL = 200;

/** Extracts the library's own message from whatever was thrown: strings, `{ exception, dataSet }`, Errors. */
function libraryMessage(thrown: unknown, depth = 0): string | undefined {
  if (depth > 3) return undefined;
  if (typeof thrown === 'string') return thrown.slice(0, MAX_DETAIL);
  if (thrown instanceof Error) return thrown.message.slice(0, MAX_DETAIL);
  if (thrown !== null && typeof thrown === 'object') {
    // dicom-parser wraps errors thrown while reading the data set as { exception, dataSet }; the data set holds
    // patient data and must not travel further, only the exception text does.
    const wrapped = (thrown as { exception?: unknown }).exception;
    if (wrapped !== undefined) return libraryMessage(wrapped, depth + 1);
    const msg = (thrown as { message?: unknown }).message;
    if (typeof msg === 'string') return msg.slice(0, MAX_DETAIL);
  }
  return undefined;
}

const TRUNCATION_PATTERNS = [
  'past end of buffer',
  'buffer overrun',
  'buffer overread',
  'eof encountered',
  "cannot be greater than or equal to 'byteArray' length",
  'cannot seek',
];

/**
 * Normalises anything thrown by dicom-parser, pako or this package into a {@link DicomError}.
 * dicom-parser throws strings, `{ exception, dataSet }` objects and Errors; the data set is dropped.
 *
 * @param thrown - the caught value
 * @param fallback - the code to use when the cause cannot be classified (default `MALFORMED`)
 * @returns a DicomError (the same instance when `thrown` already is one)
 */
export function toDicomError(thrown: unknown, fallback: DicomErrorCode = 'MALFORMED'): DicomError {
  if (thrown instanceof DicomError) return thrown;
  const detail = libraryMessage(thrown);
  const text = (detail ?? '').toLowerCase();
  if (text.includes('dicm prefix not found')) {
    return new DicomError('NOT_DICOM', 'Not a DICOM Part 10 file: no DICM marker at offset 128', { detail });
  }
  if (text.includes('0002,0010')) {
    return new DicomError('MISSING_ATTRIBUTE', 'The file meta information has no Transfer Syntax UID', {
      tag: '00020010',
      keyword: 'TransferSyntaxUID',
      detail,
    });
  }
  if (TRUNCATION_PATTERNS.some((p) => text.includes(p))) {
    return new DicomError('TRUNCATED', 'The data ends inside an element', { detail });
  }
  if (text.includes('inflate') || text.includes('copy is not a function')) {
    return new DicomError('MALFORMED', 'The deflated data set could not be inflated', { detail });
  }
  return new DicomError(fallback, 'The data could not be parsed as DICOM', { detail });
}
