// What the DICOMweb services take and give, as plain values: the HTTP side (requests, status lines, headers,
// back-pressure, closing a refused upload's connection) is dicomweb.adapter.ts's alone, so the services import
// nothing from node:http and can be called from anywhere (tests, the DIMSE services, a job).

/** A DICOMweb request as the services read it. */
export interface DicomwebInput {
  /** the Accept header as sent (undefined: anything) */
  accept: string | undefined;
  /** the query string's keys, a repeated key as a list */
  query: Record<string, string | string[]>;
  /** the root of the URLs written into answers (BulkDataURI, RetrieveURL): the configured public URL */
  baseUrl: string;
}

/** An answer held whole in memory (JSON, a rendered image, one bulk data value). */
export interface BodyAnswer {
  kind: 'body';
  status: number;
  type: string;
  body: Buffer | string;
  headers?: Record<string, string>;
}

/** One piece of a streamed answer. */
export interface AnswerChunk {
  data: Buffer;
  /** called once the connection has taken `data` (its buffer may then be reused); never called if the client left */
  sent?: () => void;
  /** the end of a part: what is pending goes out now, and the sender waits while the client is far behind */
  partEnd?: boolean;
}

/**
 * A multipart answer produced piece by piece (whole studies, frames). Its first piece is made before the status line
 * is sent, so that a failure there (a missing file, a frame that cannot be decoded) is still an error answer.
 */
export interface StreamAnswer {
  kind: 'stream';
  type: string;
  /** the whole length when known in advance (Content-Length), else the answer is chunked */
  length?: number;
  /** read as they are produced; an Iterable when they are all made already */
  chunks: AsyncIterable<AnswerChunk> | Iterable<AnswerChunk>;
}

export type DicomwebAnswer = BodyAnswer | StreamAnswer;

/** A STOW-RS request body with the headers that describe it. */
export interface StowBody {
  contentType: string | undefined;
  contentEncoding: string | undefined;
  /** the declared Content-Length, NaN when there is none (chunked) */
  contentLength: number;
  /** the body as it arrives; not destroyed when the service stops reading early (the answer goes out first) */
  chunks: AsyncIterable<Buffer>;
}

export const DICOM_JSON = 'application/dicom+json';

/** A JSON answer (QIDO-RS results, metadata, STOW-RS responses). */
export function jsonAnswer(status: number, value: unknown, headers?: Record<string, string>): BodyAnswer {
  return { kind: 'body', status, type: DICOM_JSON, body: JSON.stringify(value), ...(headers ? { headers } : {}) };
}
