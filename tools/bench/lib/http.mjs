// HTTP client for the benchmark: node:http with keep-alive agents, bounded by timeouts, loopback only.
import http from 'node:http';
import { pipeline } from 'node:stream/promises';
import { performance } from 'node:perf_hooks';

/** @param {number} maxSockets */
export function makeAgent(maxSockets) {
  return new http.Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets, scheduling: 'fifo' });
}

/**
 * @typedef {object} Reply
 * @property {number} status
 * @property {import('node:http').IncomingHttpHeaders} headers
 * @property {Buffer} body
 * @property {number} ms  time from sending the request to the last byte of the answer
 */

/**
 * One request. The body is a Buffer, or a Readable streamed with the given Content-Length (never buffered).
 * @param {string} url
 * @param {{ method?: string, headers?: Record<string, string | number>, body?: Buffer | import('node:stream').Readable,
 *   agent?: http.Agent, timeoutMs?: number, discardBody?: boolean }} [options]
 * @returns {Promise<Reply>}
 */
export async function request(url, options = {}) {
  try {
    return await requestOnce(url, options);
  } catch (e) {
    // A keep-alive socket the server closed just as it was reused: retry a body-less request once, on a new socket.
    const err = /** @type {NodeJS.ErrnoException & { reusedSocket?: boolean }} */ (e);
    if (options.body === undefined && err.reusedSocket && (err.code === 'ECONNRESET' || err.code === 'EPIPE')) {
      retriedRequests += 1;
      return requestOnce(url, options);
    }
    throw e;
  }
}

/** How many requests were retried after a stale keep-alive socket (reported with the results). */
export let retriedRequests = 0;

/**
 * @param {string} url
 * @param {Parameters<typeof request>[1]} options
 * @returns {Promise<Reply>}
 */
function requestOnce(url, options = {}) {
  const { method = 'GET', headers = {}, body, agent, timeoutMs = 120_000, discardBody = false } = options;
  const target = new URL(url);
  if (target.hostname !== '127.0.0.1' && target.hostname !== 'localhost') {
    return Promise.reject(new Error(`refusing non-loopback URL ${target.host}`));
  }
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const hdrs = { ...headers };
    if (Buffer.isBuffer(body)) hdrs['Content-Length'] = body.length;
    const req = http.request(target, { method, headers: hdrs, agent }, (res) => {
      /** @type {Buffer[]} */
      const chunks = [];
      let bytes = 0;
      res.on('data', (/** @type {Buffer} */ c) => {
        bytes += c.length;
        if (!discardBody) chunks.push(c);
      });
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          headers: res.headers,
          body: discardBody ? Buffer.alloc(0) : Buffer.concat(chunks, bytes),
          ms: performance.now() - started,
        }),
      );
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () =>
      req.destroy(new Error(`timeout after ${timeoutMs} ms: ${method} ${target.pathname}`)),
    );
    req.on('error', (err) => {
      Object.assign(err, { reusedSocket: req.reusedSocket });
      reject(err);
    });
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else pipeline(body, req).catch((err) => req.destroy(err));
  });
}

/** @param {Reply} reply */
export function json(reply) {
  const text = reply.body.toString('utf8');
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`status ${reply.status}: answer is not JSON: ${text.slice(0, 200)}`);
  }
}

const CRLF = Buffer.from('\r\n');

/** A boundary that cannot occur in DICOM data by accident in practice (random, 48 characters). */
export function newBoundary() {
  return `zhiyin-bench-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`.padEnd(48, 'x').slice(0, 48);
}

/** @param {string} boundary */
export function stowContentType(boundary) {
  return `multipart/related; type="application/dicom"; boundary=${boundary}`;
}

/** @param {string} boundary */
export function partHead(boundary, first = true) {
  return Buffer.from(`${first ? '' : '\r\n'}--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`);
}

/** @param {string} boundary */
export function closing(boundary) {
  return Buffer.from(`\r\n--${boundary}--\r\n`);
}

/**
 * multipart/related body of DICOM parts, built in memory (single instances and small batches only).
 * @param {Buffer[]} files
 * @param {string} boundary
 */
export function multipartBody(files, boundary) {
  /** @type {Buffer[]} */
  const pieces = [];
  files.forEach((f, i) => pieces.push(partHead(boundary, i === 0), f));
  pieces.push(closing(boundary));
  return Buffer.concat(pieces);
}

/**
 * The parameter of a Content-Type header, unquoted.
 * @param {string | undefined} contentType
 * @param {string} name
 */
export function contentTypeParam(contentType, name) {
  if (!contentType) return undefined;
  const re = new RegExp(`;\\s*${name}\\s*=\\s*("([^"]*)"|[^;\\s]+)`, 'i');
  const m = re.exec(contentType);
  if (!m) return undefined;
  return m[2] ?? m[1];
}

/**
 * Splits a multipart answer into its parts (headers lower-cased, body as a view of the buffer).
 * @param {Buffer} buf
 * @param {string} boundary
 * @returns {{ headers: Record<string, string>, body: Buffer }[]}
 */
export function parseMultipart(buf, boundary) {
  const delim = Buffer.from(`--${boundary}`);
  const next = Buffer.from(`\r\n--${boundary}`);
  /** @type {{ headers: Record<string, string>, body: Buffer }[]} */
  const parts = [];
  let pos = buf.indexOf(delim);
  if (pos < 0) throw new Error('multipart: boundary not found');
  pos += delim.length;
  for (let guard = 0; guard < 1_000_000; guard++) {
    if (buf[pos] === 0x2d && buf[pos + 1] === 0x2d) return parts; // closing delimiter
    // skip transport padding and the CRLF after the delimiter
    while (pos < buf.length && (buf[pos] === 0x20 || buf[pos] === 0x09)) pos++;
    if (buf[pos] !== CRLF[0] || buf[pos + 1] !== CRLF[1]) throw new Error('multipart: malformed delimiter line');
    pos += 2;
    const headEnd = buf.indexOf('\r\n\r\n', pos);
    if (headEnd < 0) throw new Error('multipart: part headers not terminated');
    /** @type {Record<string, string>} */
    const headers = {};
    for (const line of buf.subarray(pos, headEnd).toString('latin1').split('\r\n')) {
      const i = line.indexOf(':');
      if (i > 0) headers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
    }
    const bodyStart = headEnd + 4;
    const end = buf.indexOf(next, bodyStart);
    if (end < 0) throw new Error('multipart: closing delimiter missing');
    parts.push({ headers, body: buf.subarray(bodyStart, end) });
    pos = end + next.length;
  }
  throw new Error('multipart: too many parts');
}

/**
 * Runs `count` tasks with at most `concurrency` in flight; stops early when the deadline passes.
 * @template T
 * @param {number} count
 * @param {number} concurrency
 * @param {(i: number) => Promise<T>} task
 * @param {number} deadlineMs  absolute performance.now() value
 * @returns {Promise<T[]>}
 */
export async function pool(count, concurrency, task, deadlineMs) {
  /** @type {T[]} */
  const results = new Array(count);
  let nextIndex = 0;
  async function worker() {
    while (nextIndex < count) {
      if (performance.now() > deadlineMs) throw new Error('scenario deadline exceeded');
      const i = nextIndex++;
      results[i] = await task(i);
    }
  }
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, () => worker()));
  return results;
}
