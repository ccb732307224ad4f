/**
 * Replaces the value of a top-level element with a 2-byte length (SH, LO, PN, CS, DA, TM…) in an Explicit VR
 * Little Endian Part 10 file; the element length is updated. Text is written as UTF-8 (the file's
 * SpecificCharacterSet must allow it for anything outside ASCII).
 */
export function withElement(file: Buffer, group: number, element: number, vr: string, text: string): Buffer {
  const tag = Buffer.alloc(6);
  tag.writeUInt16LE(group, 0);
  tag.writeUInt16LE(element, 2);
  tag.write(vr, 4, 'latin1');
  const at = file.indexOf(tag, 132);
  if (at < 0) throw new Error(`no (${group.toString(16)},${element.toString(16)}) ${vr} element`);
  const oldLength = file.readUInt16LE(at + 6);
  const raw = Buffer.from(text, 'utf8');
  const value = raw.length % 2 ? Buffer.concat([raw, Buffer.from(' ')]) : raw;
  const head = Buffer.from(file.subarray(0, at + 8));
  head.writeUInt16LE(value.length, at + 6);
  return Buffer.concat([head, value, file.subarray(at + 8 + oldLength)]);
}

/** The text of a top-level element with a 2-byte length in an Explicit VR Little Endian Part 10 file, if present. */
export function elementText(file: Buffer, group: number, element: number, vr: string): string | undefined {
  const tag = Buffer.alloc(6);
  tag.writeUInt16LE(group, 0);
  tag.writeUInt16LE(element, 2);
  tag.write(vr, 4, 'latin1');
  const at = file.indexOf(tag, 132);
  if (at < 0) return undefined;
  return file.subarray(at + 8, at + 8 + file.readUInt16LE(at + 6)).toString('utf8');
}

/**
 * Sets the Accession Number (0008,0050) of an Explicit VR Little Endian Part 10 file, as a RIS
 * would when the order is placed: the value is replaced and the element length updated.
 */
export function withAccessionNumber(file: Buffer, accession: string): Buffer {
  return withElement(file, 0x0008, 0x0050, 'SH', accession);
}

/**
 * A file recorded for another patient: its PatientID, PatientName (`Wang^Jianguo=王^建国`), PatientBirthDate
 * (YYYYMMDD) and PatientSex replaced, as a modality given that patient's order would have written them.
 */
export function withPatient(
  file: Buffer,
  patient: { id?: string; name?: string; birthDate?: string; sex?: string },
): Buffer {
  let out = file;
  if (patient.id !== undefined) out = withElement(out, 0x0010, 0x0020, 'LO', patient.id);
  if (patient.name !== undefined) out = withElement(out, 0x0010, 0x0010, 'PN', patient.name);
  if (patient.birthDate !== undefined) out = withElement(out, 0x0010, 0x0030, 'DA', patient.birthDate);
  if (patient.sex !== undefined) out = withElement(out, 0x0010, 0x0040, 'CS', patient.sex);
  return out;
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

/**
 * A copy of an Explicit VR Little Endian Part 10 file in which the top-level elements `tags` (`GGGGEEEE`, short
 * VRs only) are relabelled `UN` with a 4-byte length, as a converter that did not know them writes them (PS3.5
 * 6.2.2): the value bytes are unchanged.
 */
export function withVrUnknown(file: Buffer, tags: string[]): Buffer {
  let out = file;
  for (const tag of tags) {
    const g = parseInt(tag.slice(0, 4), 16);
    const e = parseInt(tag.slice(4), 16);
    const needle = Buffer.from([g & 0xff, g >> 8, e & 0xff, e >> 8]);
    const at = out.indexOf(needle, 132);
    if (at < 0) throw new Error(`no element ${tag}`);
    const length = out.readUInt16LE(at + 6);
    const head = Buffer.alloc(12);
    needle.copy(head, 0);
    head.write('UN', 4, 'latin1');
    head.writeUInt32LE(length, 8);
    out = Buffer.concat([out.subarray(0, at), head, out.subarray(at + 8)]);
  }
  return out;
}
