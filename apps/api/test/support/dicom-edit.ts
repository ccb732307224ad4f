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

/**
 * A copy of a file with some UIDs replaced by others of the same length, wherever they occur (the file meta
 * information included), so that no element length changes: another study, series and instance from one sample.
 */
export function withUidsReplaced(file: Buffer, replacements: Record<string, string>): Buffer {
  const out = Buffer.from(file);
  for (const [from, to] of Object.entries(replacements)) {
    if (from.length !== to.length) throw new Error('a replacement UID must have the same length');
    const needle = Buffer.from(from, 'latin1');
    for (let at = out.indexOf(needle); at >= 0; at = out.indexOf(needle, at + needle.length))
      out.write(to, at, 'latin1');
  }
  return out;
}

/** A UID of the same length as `uid` that differs in its last two digits (n from 10 to 99). */
export function uidVariant(uid: string, n: number): string {
  return `${uid.slice(0, -2)}${n}`;
}
