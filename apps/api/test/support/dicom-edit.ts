/**
 * Sets the Accession Number (0008,0050) of an Explicit VR Little Endian Part 10 file, as a RIS
 * would when the order is placed: the value is replaced and the element length updated.
 */
export function withAccessionNumber(file: Buffer, accession: string): Buffer {
  const tag = Buffer.from([0x08, 0x00, 0x50, 0x00, 0x53, 0x48]); // (0008,0050) SH
  const at = file.indexOf(tag, 132);
  if (at < 0) throw new Error('no Accession Number element');
  const oldLength = file.readUInt16LE(at + 6);
  const value = Buffer.from(accession.length % 2 ? `${accession} ` : accession, 'latin1');
  const head = Buffer.from(file.subarray(0, at + 8));
  head.writeUInt16LE(value.length, at + 6);
  return Buffer.concat([head, value, file.subarray(at + 8 + oldLength)]);
}
