/**
 * What a file that is not DICOM is, judged by its content (magic bytes, the XML root), never by its name:
 * the files ECG carts and centres make besides DICOM, which Zhiyin converts to DICOM for a referral's patient.
 */
export type CartFormat = 'aecg' | 'scp-ecg' | 'pdf' | 'jpeg' | 'png';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

function latin1(b: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < Math.min(end, b.length); i++) s += String.fromCharCode(b[i]!);
  return s;
}
const u16 = (b: Uint8Array, p: number) => b[p]! | (b[p + 1]! << 8);
const u32 = (b: Uint8Array, p: number) => (b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16)) + b[p + 3]! * 0x1000000;

/** The first element's local name of an XML document (after the declaration, comments, DOCTYPE). */
export function xmlRootName(prefix: Uint8Array): string | undefined {
  const text = new TextDecoder('utf-8').decode(prefix.subarray(0, 8192)).replace(/^\uFEFF/, '');
  if (!/^\s*</.test(text)) return undefined;
  return /<(?![?!])(?:[A-Za-z_][\w.-]*:)?([A-Za-z_][\w.-]*)/.exec(text)?.[1];
}

/** True when the first bytes begin an XML document at all. */
export function looksLikeXml(prefix: Uint8Array): boolean {
  return /^\s*<[?A-Za-z_!]/.test(new TextDecoder('utf-8').decode(prefix.subarray(0, 256)).replace(/^\uFEFF/, ''));
}

/**
 * Recognises an HL7 aECG (XML whose root is AnnotatedECG), an SCP-ECG record (its length in bytes 2–5 and
 * section 0's header, "SCPECG" from version 2 on), a PDF, a JPEG or a PNG from a file's first bytes.
 *
 * @param prefix - the first bytes of the file (8 KiB are enough)
 * @param size - the whole file's length in bytes
 * @returns the format, or undefined for anything else (DICOM included)
 */
export function detectCartFormat(prefix: Uint8Array, size: number): CartFormat | undefined {
  if (prefix.length >= 132 && latin1(prefix, 128, 132) === 'DICM') return undefined;
  if (latin1(prefix, 0, 1024).includes('%PDF-')) return 'pdf';
  if (prefix[0] === 0xff && prefix[1] === 0xd8 && prefix[2] === 0xff) return 'jpeg';
  if (PNG_SIGNATURE.every((v, i) => prefix[i] === v)) return 'png';
  if (
    prefix.length >= 22 &&
    u32(prefix, 2) === size &&
    u16(prefix, 8) === 0 &&
    (latin1(prefix, 16, 22) === 'SCPECG' || u32(prefix, 10) < size)
  )
    return 'scp-ecg';
  if (xmlRootName(prefix) === 'AnnotatedECG') return 'aecg';
  return undefined;
}
