// The preamble, prefix and File Meta Information (PS3.10 7.1) put before a data set received by C-STORE, which
// makes the Part-10 file that is queued and sent to the hub as it is (the hub keeps it byte for byte).

function element(group: number, el: number, vr: string, value: Buffer): Buffer {
  const long = vr === 'OB';
  const head = Buffer.alloc(long ? 12 : 8);
  head.writeUInt16LE(group, 0);
  head.writeUInt16LE(el, 2);
  head.write(vr, 4, 'latin1');
  if (long) head.writeUInt32LE(value.length, 8);
  else head.writeUInt16LE(value.length, 6);
  return Buffer.concat([head, value]);
}

// UI values are padded with NUL, text values with a space, to an even length (PS3.5 6.2).
const ui = (v: string) => Buffer.from(v.length % 2 ? `${v}\0` : v, 'latin1');
const text = (v: string) => Buffer.from(v.length % 2 ? `${v} ` : v, 'latin1');

export const IMPLEMENTATION_CLASS_UID = '2.25.23936410817070470569110613730309361673';
export const IMPLEMENTATION_VERSION = 'ZHIYIN_GW_01';

export function fileMetaHeader(m: {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  sourceAeTitle: string;
}): Buffer {
  const body = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', ui(m.sopClassUid)),
    element(0x0002, 0x0003, 'UI', ui(m.sopInstanceUid)),
    element(0x0002, 0x0010, 'UI', ui(m.transferSyntaxUid)),
    element(0x0002, 0x0012, 'UI', ui(IMPLEMENTATION_CLASS_UID)),
    element(0x0002, 0x0013, 'SH', text(IMPLEMENTATION_VERSION)),
    element(0x0002, 0x0016, 'AE', text(m.sourceAeTitle)),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length, 0);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), element(0x0002, 0x0000, 'UL', length), body]);
}
