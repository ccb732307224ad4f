import { MultipartError, MultipartParser, parseMediaType, type MultipartEvent } from './multipart.js';

function body(
  boundary: string,
  parts: { headers?: string; data: Buffer }[],
  opts: { preamble?: string; close?: boolean } = {},
) {
  const chunks: Buffer[] = [];
  if (opts.preamble) chunks.push(Buffer.from(`${opts.preamble}\r\n`));
  for (const p of parts) {
    chunks.push(
      Buffer.from(`--${boundary}\r\n${p.headers ?? 'Content-Type: application/dicom'}\r\n\r\n`),
      p.data,
      Buffer.from('\r\n'),
    );
  }
  if (opts.close !== false) chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return Buffer.concat(chunks);
}

function collect(parser: MultipartParser, input: Buffer, chunkSize: number) {
  const parts: { headers: Record<string, string>; data: Buffer }[] = [];
  let current: Buffer[] = [];
  let ended = false;
  const handle = (events: MultipartEvent[]) => {
    for (const e of events) {
      if (e.type === 'part') {
        parts.push({ headers: e.headers, data: Buffer.alloc(0) });
        current = [];
      } else if (e.type === 'data') current.push(Buffer.from(e.data));
      else if (e.type === 'part-end') parts[parts.length - 1]!.data = Buffer.concat(current);
      else ended = true;
    }
  };
  for (let i = 0; i < input.length; i += chunkSize) handle(parser.feed(input.subarray(i, i + chunkSize)));
  return { parts, ended };
}

describe('multipart/related streaming parser', () => {
  const boundary = 'DICOMwebBoundary-123';
  // Bytes that look like the boundary's beginning, a CRLF and dashes inside the payload.
  const tricky = Buffer.concat([Buffer.from('\r\n--DICOMweb\r\n--DICOMwebBoundary-12'), Buffer.alloc(1000, 0xab)]);
  const payloads = [Buffer.from('DICM first'), tricky, Buffer.alloc(0), Buffer.alloc(70_000, 7)];

  it.each([1, 2, 3, 7, 64, 1000, 65536, 1 << 20])('splits parts byte-exactly whatever the chunk size (%i)', (size) => {
    const input = body(
      boundary,
      payloads.map((data) => ({ data })),
      { preamble: 'ignored preamble' },
    );
    const { parts, ended } = collect(new MultipartParser(boundary), input, size);
    expect(ended).toBe(true);
    expect(parts.map((p) => p.data.toString('hex'))).toEqual(payloads.map((p) => p.toString('hex')));
    expect(parts[0]!.headers['content-type']).toBe('application/dicom');
  });

  it('finds a delimiter split anywhere between two chunks', () => {
    const input = body(
      boundary,
      payloads.map((data) => ({ data })),
    );
    for (let size = 20; size <= 130; size++) {
      const { parts, ended } = collect(new MultipartParser(boundary), input, size);
      expect(ended).toBe(true);
      expect(parts.map((p) => p.data.toString('hex'))).toEqual(payloads.map((p) => p.toString('hex')));
    }
  });

  it('reports a body without its closing boundary as truncated', () => {
    const parser = new MultipartParser(boundary);
    collect(parser, body(boundary, [{ data: Buffer.from('abc') }], { close: false }), 5);
    expect(() => parser.finish()).toThrow(MultipartError);
  });

  it('refuses a body that never contains the boundary', () => {
    const parser = new MultipartParser(boundary);
    expect(() => parser.feed(Buffer.alloc(200_000, 0x41))).toThrow(/boundary/);
  });

  it('refuses endless part headers', () => {
    const parser = new MultipartParser(boundary);
    expect(() => parser.feed(Buffer.from(`--${boundary}\r\nX: ${'y'.repeat(20_000)}`))).toThrow(/16 KiB/);
  });

  it('reads media types with quoted parameters', () => {
    expect(parseMediaType('Multipart/Related; type="application/dicom"; boundary="a;b=c"')).toEqual({
      type: 'multipart/related',
      params: { type: 'application/dicom', boundary: 'a;b=c' },
    });
    expect(parseMediaType('not a type')).toBeUndefined();
  });
});
