import { randomUUID } from 'node:crypto';

/**
 * A client's own correlation id (`X-Request-Id`), kept only when it is plainly an id: 8 to 64
 * letters, digits, dot, dash, underscore. Anything else (spaces, names, control characters,
 * an over-long value) is dropped, never stored.
 */
const CLIENT_REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

export interface RequestIds {
  /** ours: generated for every request, the id of its log lines, audit rows and error bodies */
  requestId: string;
  /** the caller's, when it sent a valid one: kept apart, so a client cannot choose or forge ours */
  clientRequestId: string | null;
}

/**
 * The ids of one request: always a fresh server id; the client's `X-Request-Id` only beside it,
 * and only when valid.
 * @param header - the raw `X-Request-Id` header (repeated headers are refused as invalid)
 */
export function requestIds(header: string | string[] | undefined): RequestIds {
  return {
    requestId: randomUUID(),
    clientRequestId: typeof header === 'string' && CLIENT_REQUEST_ID.test(header) ? header : null,
  };
}
