// A streaming multipart/related parser (RFC 2046 §5.1, RFC 2387) for STOW-RS bodies: parts are
// handed on in slices as they arrive, so a 1 GB request never sits in memory. Only a boundary's
// length of bytes is held back between chunks in a part's body; a part's header block, a preamble
// and transport padding are held whole, each within a limit. What one body may cost is bounded
// here, for every user of the parser: the number of parts, the bytes of each part's headers and of
// all of them, and parts without content (a part costs its caller a file, a hash and a check, so a
// body of millions of empty parts must not get that far).

export type MultipartEvent =
  | { type: 'part'; headers: Record<string, string> }
  | { type: 'data'; data: Buffer }
  | { type: 'part-end' }
  | { type: 'end' };

export class MultipartError extends Error {
  constructor(
    readonly code: MultipartErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'MultipartError';
  }
}

export type MultipartErrorCode =
  'MALFORMED_MULTIPART' | 'PART_HEADERS_TOO_LARGE' | 'TOO_MANY_PARTS' | 'EMPTY_PART' | 'TRUNCATED_BODY';

/** What one body may cost the parser and whoever handles its parts. */
export interface MultipartLimits {
  /** parts in one body */
  maxParts: number;
  /** bytes of one part's header block (and of the transport padding after its boundary) */
  maxPartHeaderBytes: number;
  /** bytes of every part's header block together */
  maxHeaderBytes: number;
  /** a part with no content is refused (every STOW-RS part is a DICOM instance, never empty) */
  refuseEmptyParts: boolean;
}

export const DEFAULT_MULTIPART_LIMITS: MultipartLimits = {
  maxParts: 10_000,
  maxPartHeaderBytes: 8 * 1024,
  maxHeaderBytes: 4 * 1024 * 1024,
  refuseEmptyParts: true,
};

const CRLF = Buffer.from('\r\n');
const HEADER_END = Buffer.from('\r\n\r\n');
// A preamble is ignored, but must end (with the first boundary) within this many bytes.
const MAX_PREAMBLE_BYTES = 64 * 1024;

type State = 'preamble' | 'after-boundary' | 'headers' | 'body' | 'done';

export class MultipartParser {
  private state: State = 'preamble';
  private tail: Buffer = Buffer.alloc(0);
  private readonly dashBoundary: Buffer;
  private readonly delimiter: Buffer;
  private readonly limits: MultipartLimits;
  private parts = 0;
  private headerBytes = 0;
  private partBytes = 0;

  constructor(boundary: string, limits: Partial<MultipartLimits> = {}) {
    this.dashBoundary = Buffer.from(`--${boundary}`);
    this.delimiter = Buffer.from(`\r\n--${boundary}`);
    this.limits = { ...DEFAULT_MULTIPART_LIMITS, ...limits };
  }

  get finished(): boolean {
    return this.state === 'done';
  }

  /** Bytes of the body the parser holds between two chunks (always within the limits above). */
  get retainedBytes(): number {
    return this.tail.length;
  }

  /** Parts begun so far. */
  get partCount(): number {
    return this.parts;
  }

  private startPart(headerBlockBytes: number): void {
    if (++this.parts > this.limits.maxParts) {
      throw new MultipartError(
        'TOO_MANY_PARTS',
        `The request has more than ${this.limits.maxParts} parts; send fewer instances per request.`,
      );
    }
    this.countHeaderBytes(headerBlockBytes);
    this.partBytes = 0;
  }

  // Header blocks (and padding after boundaries) of the whole body, counted as they are read.
  private countHeaderBytes(n: number): void {
    this.headerBytes += n;
    if (this.headerBytes > this.limits.maxHeaderBytes) {
      throw new MultipartError(
        'PART_HEADERS_TOO_LARGE',
        `The part headers of the request are larger than ${this.limits.maxHeaderBytes} bytes together.`,
      );
    }
  }

  private tooLargeHeaders(): MultipartError {
    return new MultipartError(
      'PART_HEADERS_TOO_LARGE',
      `The headers of a part are larger than ${this.limits.maxPartHeaderBytes} bytes.`,
    );
  }

  private endPart(events: MultipartEvent[]): void {
    if (this.partBytes === 0 && this.limits.refuseEmptyParts) {
      throw new MultipartError('EMPTY_PART', `Part ${this.parts} of the request is empty.`);
    }
    events.push({ type: 'part-end' });
  }

  private data(events: MultipartEvent[], data: Buffer): void {
    this.partBytes += data.length;
    events.push({ type: 'data', data });
  }

  /** Feeds the next chunk of the body; returns what it completes, in order. */
  feed(chunk: Buffer): MultipartEvent[] {
    const events: MultipartEvent[] = [];
    let buf = chunk;
    if (this.tail.length > 0) {
      const probeLength = this.delimiter.length - 1;
      if (this.state === 'body' && chunk.length >= probeLength) {
        // In a part's body, the bytes held back are copied together with only as much of the new
        // chunk as a delimiter starting in them could reach, not with the whole chunk.
        const probe = Buffer.concat([this.tail, chunk.subarray(0, probeLength)]);
        const i = probe.indexOf(this.delimiter);
        if (i >= 0 && i < this.tail.length) {
          if (i > 0) this.data(events, this.tail.subarray(0, i));
          this.endPart(events);
          buf = chunk.subarray(i + this.delimiter.length - this.tail.length);
          this.state = 'after-boundary';
        } else this.data(events, this.tail);
      } else buf = Buffer.concat([this.tail, chunk]);
      this.tail = Buffer.alloc(0);
    }
    for (;;) {
      switch (this.state) {
        case 'preamble': {
          // The first boundary may start the body, or follow a preamble and a CRLF.
          if (
            buf.length >= this.dashBoundary.length &&
            buf.subarray(0, this.dashBoundary.length).equals(this.dashBoundary)
          ) {
            buf = buf.subarray(this.dashBoundary.length);
            this.state = 'after-boundary';
            continue;
          }
          const i = buf.indexOf(this.delimiter);
          if (i >= 0) {
            buf = buf.subarray(i + this.delimiter.length);
            this.state = 'after-boundary';
            continue;
          }
          if (buf.length > MAX_PREAMBLE_BYTES + this.delimiter.length) {
            throw new MultipartError(
              'MALFORMED_MULTIPART',
              'The body does not contain the boundary given in Content-Type.',
            );
          }
          this.tail = buf;
          return events;
        }
        case 'after-boundary': {
          if (buf.length < 2) {
            this.tail = buf;
            return events;
          }
          if (buf[0] === 0x2d && buf[1] === 0x2d) {
            this.state = 'done';
            events.push({ type: 'end' });
            return events;
          }
          // Transport padding (spaces, tabs) may follow a boundary before its CRLF; bounded like a
          // header block, else a body of spaces would be held (and copied) whole.
          let j = 0;
          while (j < buf.length && (buf[j] === 0x20 || buf[j] === 0x09)) j++;
          if (j > this.limits.maxPartHeaderBytes) throw this.tooLargeHeaders();
          if (buf.length - j < 2) {
            this.tail = buf;
            return events;
          }
          this.countHeaderBytes(j);
          if (buf[j] !== 0x0d || buf[j + 1] !== 0x0a) {
            throw new MultipartError('MALFORMED_MULTIPART', 'A multipart boundary is not followed by a line break.');
          }
          buf = buf.subarray(j + 2);
          this.state = 'headers';
          continue;
        }
        case 'headers': {
          // A part with no headers starts directly with the blank line.
          if (buf.length >= 2 && buf[0] === 0x0d && buf[1] === 0x0a) {
            this.startPart(2);
            events.push({ type: 'part', headers: {} });
            buf = buf.subarray(2);
            this.state = 'body';
            continue;
          }
          // Only as far as a header block may reach is searched: a large chunk is not scanned whole.
          const end = buf.subarray(0, this.limits.maxPartHeaderBytes + HEADER_END.length).indexOf(HEADER_END);
          if (end < 0) {
            if (buf.length > this.limits.maxPartHeaderBytes) throw this.tooLargeHeaders();
            this.tail = buf;
            return events;
          }
          if (end > this.limits.maxPartHeaderBytes) throw this.tooLargeHeaders();
          this.startPart(end + HEADER_END.length);
          events.push({ type: 'part', headers: parseHeaders(buf.subarray(0, end).toString('latin1')) });
          buf = buf.subarray(end + HEADER_END.length);
          this.state = 'body';
          continue;
        }
        case 'body': {
          const i = buf.indexOf(this.delimiter);
          if (i >= 0) {
            if (i > 0) this.data(events, buf.subarray(0, i));
            this.endPart(events);
            buf = buf.subarray(i + this.delimiter.length);
            this.state = 'after-boundary';
            continue;
          }
          // Keep back what could be the start of a delimiter split across chunks.
          const keep = Math.min(buf.length, this.delimiter.length - 1);
          const safe = buf.length - keep;
          if (safe > 0) this.data(events, buf.subarray(0, safe));
          this.tail = Buffer.from(buf.subarray(safe));
          return events;
        }
        case 'done':
          return events; // the epilogue is ignored
      }
    }
  }

  /** Call when the body ended: a body without its closing boundary is truncated. */
  finish(): void {
    if (this.state !== 'done') {
      throw new MultipartError('TRUNCATED_BODY', 'The request body ended before the closing multipart boundary.');
    }
  }
}

function parseHeaders(block: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of block.split(CRLF.toString('latin1'))) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Parses a media type with parameters: `multipart/related; type="application/dicom"; boundary=x`. */
export function parseMediaType(
  value: string | undefined,
): { type: string; params: Record<string, string> } | undefined {
  if (!value) return undefined;
  const [head, ...rest] = splitParams(value);
  const type = head!.trim().toLowerCase();
  if (!/^[\w.+-]+\/[\w.+*-]+$/.test(type)) return undefined;
  const params: Record<string, string> = {};
  for (const p of rest) {
    const eq = p.indexOf('=');
    if (eq <= 0) continue;
    let v = p.slice(eq + 1).trim();
    if (v.startsWith('"') && v.endsWith('"') && v.length >= 2) v = v.slice(1, -1).replace(/\\(.)/g, '$1');
    params[p.slice(0, eq).trim().toLowerCase()] = v;
  }
  return { type, params };
}

// Splits on semicolons outside quoted strings.
function splitParams(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quoted = false;
  for (let i = 0; i < value.length; i++) {
    const c = value[i]!;
    if (c === '"' && value[i - 1] !== '\\') quoted = !quoted;
    if (c === ';' && !quoted) {
      out.push(cur);
      cur = '';
    } else cur += c;
  }
  out.push(cur);
  return out;
}
