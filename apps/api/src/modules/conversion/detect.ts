/** What a received file is, judged by its content (magic bytes, XML root), never by its name alone. */
export type SourceKind = 'dicom' | 'aecg' | 'scp-ecg' | 'pdf' | 'jpeg' | 'png';

export const MEDIA_TYPE: Record<Exclude<SourceKind, 'dicom'>, string> = {
  aecg: 'application/xml',
  'scp-ecg': 'application/octet-stream',
  pdf: 'application/pdf',
  jpeg: 'image/jpeg',
  png: 'image/png',
};

export const FORMAT_NAME: Record<Exclude<SourceKind, 'dicom'>, string> = {
  aecg: 'HL7 aECG',
  'scp-ecg': 'SCP-ECG',
  pdf: 'PDF',
  jpeg: 'JPEG',
  png: 'PNG',
};

/** The root element's local name of an XML document, from its first bytes. */
function xmlRoot(prefix: Buffer): string | undefined {
  const text = prefix
    .subarray(0, 8192)
    .toString('utf8')
    .replace(/^\uFEFF/, '');
  if (!/^\s*</.test(text)) return undefined;
  // Skips the declaration, comments, processing instructions and the document type.
  const m = /<(?![?!])(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(text);
  return m?.[1];
}

/** True when the first bytes look like XML at all (so that an XML that is not an aECG gets a clear answer). */
export function looksLikeXml(prefix: Buffer): boolean {
  return /^\s*<[?A-Za-z_!]/.test(
    prefix
      .subarray(0, 256)
      .toString('utf8')
      .replace(/^\uFEFF/, ''),
  );
}

export function detectKind(prefix: Buffer, size: number): SourceKind | undefined {
  if (prefix.length >= 132 && prefix.toString('latin1', 128, 132) === 'DICM') return 'dicom';
  if (prefix.subarray(0, 1024).includes('%PDF-')) return 'pdf';
  if (prefix[0] === 0xff && prefix[1] === 0xd8 && prefix[2] === 0xff) return 'jpeg';
  if (prefix.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  // SCP-ECG: CRC, then the record's length, then section 0's header (id 0, "SCPECG" in its reserved bytes
  // from version 2 on; a version 1 record is recognised by its length and section id).
  if (
    prefix.length >= 22 &&
    prefix.readUInt32LE(2) === size &&
    prefix.readUInt16LE(8) === 0 &&
    (prefix.toString('latin1', 16, 22) === 'SCPECG' || prefix.readUInt32LE(10) < size)
  )
    return 'scp-ecg';
  if (xmlRoot(prefix) === 'AnnotatedECG') return 'aecg';
  return undefined;
}
