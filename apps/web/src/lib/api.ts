import { connectivity } from './connectivity';
import { session } from './session';

/** An answer from the API other than success: `code` is the API's stable error code. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** The server could not be reached at all (network down, server stopped). */
export class NetworkError extends Error {
  constructor() {
    super('The server cannot be reached.');
    this.name = 'NetworkError';
  }
}

export interface RequestOptions {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
  signal?: AbortSignal;
  /** false for the sign-in calls themselves */
  auth?: boolean;
  /** a file sent as the body itself (its type in `headers`), instead of JSON */
  file?: Blob;
}

async function send(path: string, opts: RequestOptions, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
  if (opts.body !== undefined && !opts.file) headers['content-type'] = 'application/json';
  if (token) headers.authorization = `Bearer ${token}`;
  try {
    const res = await fetch(path, {
      method: opts.method ?? 'GET',
      headers,
      body: opts.file ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body)),
      signal: opts.signal,
    });
    // A proxy in front of a stopped API answers 502/503/504 without our error body.
    if (res.status === 502 || res.status === 503 || res.status === 504) {
      if (!(res.headers.get('content-type') ?? '').includes('json')) {
        connectivity.reportDown();
        throw new NetworkError();
      }
    }
    connectivity.reportUp();
    return res;
  } catch (err) {
    if ((err as Error).name === 'AbortError') throw err;
    if (err instanceof NetworkError) throw err;
    connectivity.reportDown();
    throw new NetworkError();
  }
}

/**
 * fetch with the session's bearer token. On 401 it renews the session once and retries; when that
 * fails the session ends (and the app shows the sign-in page).
 */
export async function authorizedFetch(path: string, opts: RequestOptions = {}): Promise<Response> {
  if (opts.auth === false) return send(path, opts, null);
  const token = await session.validToken().catch(() => session.get()?.accessToken ?? null);
  let res = await send(path, opts, token);
  if (res.status === 401 && session.get()) {
    const renewed = await session.refresh().catch(() => null);
    if (renewed) res = await send(path, opts, renewed.accessToken);
    if (res.status === 401) session.clear('expired');
  }
  return res;
}

async function errorOf(res: Response): Promise<ApiError> {
  let body: { error?: { code?: string; message?: string; details?: Record<string, unknown> } } = {};
  try {
    body = (await res.json()) as typeof body;
  } catch {
    /* not JSON */
  }
  return new ApiError(
    res.status,
    body.error?.code ?? `HTTP_${res.status}`,
    body.error?.message ?? res.statusText,
    body.error?.details,
  );
}

/** JSON in, JSON out; throws ApiError or NetworkError. */
export async function api<T>(path: string, opts: RequestOptions = {}): Promise<T> {
  const res = await authorizedFetch(path, opts);
  if (!res.ok) throw await errorOf(res);
  if (res.status === 204) return undefined as T;
  return (await res.json()) as T;
}

/** The query string of the defined values. */
export function query(params: Record<string, string | number | undefined | null>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== null && v !== '') q.set(k, String(v));
  const s = q.toString();
  return s ? `?${s}` : '';
}
