// multipart/related bodies of WADO-RS answers (PS3.18 8.7.3), split without copying the parts.

export interface Part {
  headers: Record<string, string>;
  body: Uint8Array;
}

export function boundaryOf(contentType: string | null): string | undefined {
  const m = /boundary=(?:"([^"]+)"|([^;,\s]+))/i.exec(contentType ?? '');
  return m ? (m[1] ?? m[2]) : undefined;
}

function indexOf(hay: Uint8Array, needle: Uint8Array, from: number): number {
  const first = needle[0];
  const last = hay.length - needle.length;
  outer: for (let i = hay.indexOf(first!, from); i !== -1 && i <= last; i = hay.indexOf(first!, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

/** The parts of a multipart body; uses each part's Content-Length when given (binary-safe and fast). */
export function parseMultipart(body: Uint8Array, boundary: string): Part[] {
  const enc = new TextEncoder();
  const delim = enc.encode(`--${boundary}`);
  const parts: Part[] = [];
  let pos = indexOf(body, delim, 0);
  if (pos < 0) throw new Error('multipart: no boundary found');
  for (;;) {
    pos += delim.length;
    // "--" after the delimiter closes the body.
    if (body[pos] === 0x2d && body[pos + 1] === 0x2d) break;
    if (body[pos] === 0x0d && body[pos + 1] === 0x0a) pos += 2;
    const headerEnd = indexOf(body, enc.encode('\r\n\r\n'), pos);
    if (headerEnd < 0) throw new Error('multipart: truncated part headers');
    const headers: Record<string, string> = {};
    for (const line of new TextDecoder().decode(body.subarray(pos, headerEnd)).split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
    }
    const start = headerEnd + 4;
    const declared = headers['content-length'] !== undefined ? Number(headers['content-length']) : NaN;
    let end: number;
    let next: number;
    if (Number.isFinite(declared) && start + declared <= body.length) {
      end = start + declared;
      next = indexOf(body, delim, end);
    } else {
      next = indexOf(body, delim, start);
      end = next - 2; // the CRLF before the delimiter belongs to it
    }
    if (next < 0) throw new Error('multipart: missing closing boundary');
    parts.push({ headers, body: body.subarray(start, end) });
    pos = next;
  }
  return parts;
}

/** GET a multipart WADO-RS resource and split it. */
export async function fetchParts(
  fetcher: (path: string, init: { headers: Record<string, string>; signal?: AbortSignal }) => Promise<Response>,
  path: string,
  accept: string,
  signal?: AbortSignal,
): Promise<Part[]> {
  const res = await fetcher(path, { headers: { accept }, signal });
  if (!res.ok) throw new Error(`WADO-RS answered ${res.status}`);
  const boundary = boundaryOf(res.headers.get('content-type'));
  if (!boundary) throw new Error('WADO-RS answer without a multipart boundary');
  return parseMultipart(new Uint8Array(await res.arrayBuffer()), boundary);
}
