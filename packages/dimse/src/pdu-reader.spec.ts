import { PduReader } from './pdu-reader.js';

// A PDU: type, reserved byte, 32-bit big-endian length, body.
function pdu(type: number, body: Buffer): Buffer {
  const head = Buffer.alloc(6);
  head[0] = type;
  head.writeUInt32BE(body.length, 2);
  return Buffer.concat([head, body]);
}

function reader(max = 1024) {
  const got: Buffer[] = [];
  const errors: string[] = [];
  const r = new PduReader(
    max,
    (p) => got.push(Buffer.from(p)),
    (e) => errors.push(e.message),
  );
  return { r, got, errors };
}

describe('PduReader: the DICOM upper-layer stream cut into whole PDUs', () => {
  const a = pdu(0x04, Buffer.from('first P-DATA body'));
  const b = pdu(0x04, Buffer.alloc(700, 7));
  const c = pdu(0x05, Buffer.from([0, 0, 0, 0]));
  const stream = Buffer.concat([a, b, c]);

  it('gives every PDU whole and in order, however the bytes are cut into chunks', () => {
    for (const size of [1, 2, 5, 6, 7, 64, 701, stream.length]) {
      const { r, got, errors } = reader();
      for (let i = 0; i < stream.length; i += size) r.push(stream.subarray(i, i + size));
      expect([size, got]).toEqual([size, [a, b, c]]);
      expect(errors).toEqual([]);
    }
  });

  it('holds a PDU back until its last byte arrives', () => {
    const { r, got } = reader();
    r.push(b.subarray(0, 300));
    r.push(b.subarray(300, b.length - 1));
    expect(got).toEqual([]);
    r.push(b.subarray(b.length - 1));
    expect(got).toEqual([b]);
  });

  it('refuses an unknown PDU type and a PDU longer than the limit, without buffering it', () => {
    const unknown = reader();
    unknown.r.push(pdu(0x09, Buffer.from('xx')));
    expect(unknown.got).toEqual([]);
    expect(unknown.errors).toEqual(['Unknown PDU type: 9']);
    const big = reader(100);
    big.r.push(pdu(0x04, Buffer.alloc(101)).subarray(0, 10));
    expect(big.got).toEqual([]);
    expect(big.errors).toEqual(['PDU of 101 bytes exceeds the limit']);
  });
});
