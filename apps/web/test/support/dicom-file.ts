/** CT Image Storage, the SOP class of the phantoms made by the tests. */
export const CT_IMAGE_STORAGE = '1.2.840.10008.5.1.4.1.1.2';

/** A minimal explicit-VR little-endian Part 10 file, enough for a phantom made for a test. */
export function dicomFile(elements: [number, number, string, Buffer | string | number[]][]): Buffer {
  const el = (group: number, element: number, vr: string, value: Buffer | string | number[]) => {
    let body: Buffer;
    if (Buffer.isBuffer(value)) body = value;
    else if (Array.isArray(value)) {
      body = Buffer.alloc(value.length * 2);
      value.forEach((v, i) => body.writeUInt16LE(v, i * 2));
    } else {
      body = Buffer.from(value, 'latin1');
      if (body.length % 2) body = Buffer.concat([body, Buffer.from(vr === 'UI' ? '\0' : ' ')]);
    }
    const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr);
    const head = Buffer.alloc(long ? 12 : 8);
    head.writeUInt16LE(group, 0);
    head.writeUInt16LE(element, 2);
    head.write(vr, 4, 'latin1');
    if (long) head.writeUInt32LE(body.length, 8);
    else head.writeUInt16LE(body.length, 6);
    return Buffer.concat([head, body]);
  };
  const sop = elements.find(([g, e]) => g === 0x0008 && e === 0x0018)![3] as string;
  const meta = Buffer.concat([
    el(0x0002, 0x0001, 'OB', Buffer.from([0, 1])),
    el(0x0002, 0x0002, 'UI', CT_IMAGE_STORAGE),
    el(0x0002, 0x0003, 'UI', sop),
    el(0x0002, 0x0010, 'UI', '1.2.840.10008.1.2.1'),
    el(0x0002, 0x0012, 'UI', '1.2.826.0.1.3680043.10.999.1'),
  ]);
  const groupLength = Buffer.alloc(4);
  groupLength.writeUInt32LE(meta.length, 0);
  const sorted = [...elements].sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  return Buffer.concat([
    Buffer.alloc(128),
    Buffer.from('DICM'),
    el(0x0002, 0x0000, 'UL', groupLength),
    meta,
    ...sorted.map(([g, e, vr, v]) => el(g, e, vr, v)),
  ]);
}

type Element = [number, number, string, Buffer | string | number[]];

/**
 * The Image Pixel and CT Image attributes of a 16-bit MONOCHROME2 CT slice (rescale -1024, window 40/400): what both
 * viewer specs' phantoms share; `spacing` is the Pixel Spacing value (e.g. '0.5\\0.5').
 */
export function ctPixelElements(size: number, spacing: string, pixels: number[]): Element[] {
  const us = (v: number) => {
    const b = Buffer.alloc(2);
    b.writeUInt16LE(v, 0);
    return b;
  };
  return [
    [0x0028, 0x0002, 'US', us(1)],
    [0x0028, 0x0004, 'CS', 'MONOCHROME2'],
    [0x0028, 0x0010, 'US', us(size)],
    [0x0028, 0x0011, 'US', us(size)],
    [0x0028, 0x0030, 'DS', spacing],
    [0x0028, 0x0100, 'US', us(16)],
    [0x0028, 0x0101, 'US', us(16)],
    [0x0028, 0x0102, 'US', us(15)],
    [0x0028, 0x0103, 'US', us(0)],
    [0x0028, 0x1050, 'DS', '40'],
    [0x0028, 0x1051, 'DS', '400'],
    [0x0028, 0x1052, 'DS', '-1024'],
    [0x0028, 0x1053, 'DS', '1'],
    [0x7fe0, 0x0010, 'OW', pixels],
  ];
}
