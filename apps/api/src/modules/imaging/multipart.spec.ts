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
    const { parts, ended } = collect(new MultipartParser(boundary, { refuseEmptyParts: false }), input, size);
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
      const { parts, ended } = collect(new MultipartParser(boundary, { refuseEmptyParts: false }), input, size);
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
    expect(() => parser.feed(Buffer.from(`--${boundary}\r\nX: ${'y'.repeat(20_000)}`))).toThrow(/8192 bytes/);
  });

  const code = (f: () => unknown) => {
    try {
      f();
    } catch (e) {
      return (e as MultipartError).code;
    }
    return 'accepted';
  };
  const feedAll = (parser: MultipartParser, input: Buffer, chunkSize = 65536) => {
    let peak = 0;
    for (let i = 0; i < input.length; i += chunkSize) {
      parser.feed(input.subarray(i, i + chunkSize));
      peak = Math.max(peak, parser.retainedBytes);
    }
    return peak;
  };

  it('refuses a body of empty parts at its first part, whatever the chunk size', () => {
    // The flood of the security review: `--b CRLF CRLF CRLF` repeated, 8 MB of parts without content.
    const flood = Buffer.from('--b\r\n\r\n\r\n'.repeat(900_000));
    for (const size of [1, 9, 65536]) {
      const parser = new MultipartParser('b');
      expect(code(() => feedAll(parser, flood, size))).toBe('EMPTY_PART');
      expect(parser.partCount).toBe(1);
    }
    // an empty part among good ones too
    const parser = new MultipartParser(boundary);
    const input = body(boundary, [{ data: Buffer.from('DICM') }, { data: Buffer.alloc(0) }]);
    expect(code(() => feedAll(parser, input))).toBe('EMPTY_PART');
  });

  it('refuses more parts than the limit, before handing on the part past it', () => {
    const input = Buffer.from('--b\r\n\r\nX\r\n'.repeat(50) + '--b--\r\n');
    const parts: number[] = [];
    const parser = new MultipartParser('b', { maxParts: 10 });
    expect(
      code(() => {
        for (let i = 0; i < input.length; i += 7)
          for (const e of parser.feed(input.subarray(i, i + 7))) if (e.type === 'part') parts.push(1);
      }),
    ).toBe('TOO_MANY_PARTS');
    expect(parts.length).toBeLessThanOrEqual(10);
    expect(code(() => feedAll(new MultipartParser('b', { maxParts: 50 }), input))).toBe('accepted');
  });

  it('bounds the bytes of one part header block, even when it arrives whole in one chunk', () => {
    const big = (n: number) => Buffer.from(`--b\r\nX-Pad: ${'y'.repeat(n)}\r\n\r\nDICM\r\n--b--\r\n`);
    expect(code(() => feedAll(new MultipartParser('b', { maxPartHeaderBytes: 1024 }), big(900)))).toBe('accepted');
    expect(code(() => feedAll(new MultipartParser('b', { maxPartHeaderBytes: 1024 }), big(2000)))).toBe(
      'PART_HEADERS_TOO_LARGE',
    );
    // trickled a byte at a time: held back no further than the limit
    const parser = new MultipartParser('b', { maxPartHeaderBytes: 1024 });
    let peak = 0;
    expect(code(() => (peak = feedAll(parser, big(5000), 1)))).toBe('PART_HEADERS_TOO_LARGE');
    expect(parser.retainedBytes).toBeLessThanOrEqual(1024 + 4);
    expect(peak).toBeLessThanOrEqual(1024 + 4);
  });

  it('bounds the bytes of all part headers of a body together', () => {
    const part = `--b\r\nContent-Type: application/dicom\r\nX-Pad: ${'y'.repeat(900)}\r\n\r\nDICM\r\n`;
    const input = Buffer.from(part.repeat(200) + '--b--\r\n');
    expect(code(() => feedAll(new MultipartParser('b', { maxHeaderBytes: 100_000 }), input))).toBe(
      'PART_HEADERS_TOO_LARGE',
    );
    expect(code(() => feedAll(new MultipartParser('b', { maxHeaderBytes: 1_000_000 }), input))).toBe('accepted');
  });

  it('holds back no more than a boundary of endless transport padding', () => {
    const parser = new MultipartParser('b');
    const input = Buffer.concat([Buffer.from('--b'), Buffer.alloc(5_000_000, 0x20)]);
    let peak = 0;
    expect(code(() => (peak = feedAll(parser, input)))).toBe('PART_HEADERS_TOO_LARGE');
    expect(peak).toBeLessThanOrEqual(64 * 1024 + 8 * 1024);
  });

  it('reads media types with quoted parameters', () => {
    expect(parseMediaType('Multipart/Related; type="application/dicom"; boundary="a;b=c"')).toEqual({
      type: 'multipart/related',
      params: { type: 'application/dicom', boundary: 'a;b=c' },
    });
    expect(parseMediaType('not a type')).toBeUndefined();
  });
});
