// Errors that say "the database cannot be reached now", not "this statement is wrong": while the
// database is down, restarting or refusing connections, every request that needs it is a 503 with
// Retry-After (try again shortly, nothing was changed), not a 500 (a bug).

/** Node socket errors on the way to the database. */
const NETWORK_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);

/**
 * PostgreSQL SQLSTATEs (Appendix A) that mean the server or this database is not available:
 * class 08 connection exceptions, admin shutdown / crash shutdown / cannot connect now,
 * too many connections, database does not exist (dropped or renamed under us).
 */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300', '3D000']);

/** Messages of node-postgres and its pool for a lost or unobtainable connection (they carry no code). */
const DRIVER_MESSAGES = [
  /^Connection terminated/,
  /^timeout exceeded when trying to connect$/,
  /^Client has encountered a connection error and is not queryable$/,
  /^Client was closed and is not queryable$/,
];

/** SQLSTATE 55000 is "object not in prerequisite state"; on connecting it means ALLOW_CONNECTIONS false. */
const NOT_IN_PREREQUISITE_STATE = '55000';

interface DriverLike {
  code?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
  name?: unknown;
}

/**
 * True when `err` (a TypeORM error, a node-postgres error, or one wrapping another as `cause` or
 * `driverError`) means that the database could not be reached, rather than that a statement failed.
 * @param err - anything thrown by a request handler
 */
export function isDatabaseUnavailable(err: unknown): boolean {
  // A statement error is wrapped in QueryFailedError; an error obtaining a connection is not.
  let wrappedInQuery = false;
  let e: unknown = err;
  for (let hops = 0; hops < 4 && typeof e === 'object' && e !== null; hops++) {
    const x = e as DriverLike;
    // (QueryFailedError copies its driver error's code onto itself: test before reading the code.)
    if (x.name === 'QueryFailedError') wrappedInQuery = true;
    const code = typeof x.code === 'string' ? x.code : undefined;
    if (code && NETWORK_CODES.has(code)) return true;
    if (code && /^[0-9A-Z]{5}$/.test(code)) {
      if (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code)) return true;
      if (code === NOT_IN_PREREQUISITE_STATE && !wrappedInQuery) return true;
    }
    if (typeof x.message === 'string' && DRIVER_MESSAGES.some((m) => m.test(x.message as string))) return true;
    e = x.driverError ?? x.cause;
  }
  return false;
}

/** The SQLSTATE or system error code of `err`, if any: safe to log (a code, never a value). */
export function errorCodeOf(err: unknown): string | undefined {
  let e: unknown = err;
  for (let hops = 0; hops < 4 && typeof e === 'object' && e !== null; hops++) {
    const x = e as DriverLike;
    if (typeof x.code === 'string' && /^[0-9A-Z_]{2,32}$/.test(x.code)) return x.code;
    e = x.driverError ?? x.cause;
  }
  return undefined;
}
