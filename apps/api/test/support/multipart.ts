/** The bodies of the parts of a multipart/related answer (WADO-RS), in order. */
export function multipartBodies(body: Buffer, contentType: string): Buffer[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)![1]!;
  const delim = Buffer.from(`--${boundary}`);
  const out: Buffer[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd);
    out.push(body.subarray(headEnd + 4, next));
    pos = next + 2;
  }
  return out;
}
