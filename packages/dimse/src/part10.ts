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

/** Who wrote a file or speaks on an association: Implementation Class UID and Version Name (PS3.7 D.3.3.2). */
export interface Implementation {
  /** a UID of the implementation's own (e.g. UUID-derived, PS3.5 B.2) */
  classUid: string;
  /** at most 16 characters */
  versionName: string;
}

/** What the File Meta Information of a received instance says about it. */
export interface FileMeta {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** the calling AE title of the association it arrived on */
  sourceAeTitle: string;
}

/**
 * The preamble, prefix and File Meta Information (PS3.10 7.1) of an instance received over the network, to put
 * before the data set exactly as it arrived: together they are the Part-10 file that is stored (the hub) or queued
 * and sent on byte for byte (the gateway).
 *
 * @param m - the instance's identity, transfer syntax and source AE
 * @param implementation - the writer's implementation class UID and version name
 * @returns preamble, "DICM" and the group 0002 elements, Explicit VR Little Endian
 */
export function fileMetaHeader(m: FileMeta, implementation: Implementation): Buffer {
  const body = Buffer.concat([
    element(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    element(0x0002, 0x0002, 'UI', ui(m.sopClassUid)),
    element(0x0002, 0x0003, 'UI', ui(m.sopInstanceUid)),
    element(0x0002, 0x0010, 'UI', ui(m.transferSyntaxUid)),
    element(0x0002, 0x0012, 'UI', ui(implementation.classUid)),
    element(0x0002, 0x0013, 'SH', text(implementation.versionName)),
    element(0x0002, 0x0016, 'AE', text(m.sourceAeTitle)),
  ]);
  const length = Buffer.alloc(4);
  length.writeUInt32LE(body.length, 0);
  return Buffer.concat([Buffer.alloc(128), Buffer.from('DICM', 'latin1'), element(0x0002, 0x0000, 'UL', length), body]);
}
