/**
 * Text decoding per Specific Character Set (0008,0005), PS3.5 §6.1 and Annex K.
 *
 * dicom-parser decodes every byte as Latin-1; this module decodes the raw bytes of PN, LO, SH, LT, ST, UT and UC
 * values with the WHATWG TextDecoder (Node and browsers) and, for ISO 2022 code extensions (escape sequences
 * switching character sets inside one value), with npm `dicom-character-set`.
 */
import { convertBytes } from 'dicom-character-set';

/** VRs whose values are decoded with the Specific Character Set; every other string VR is ASCII. */
export const CHARSET_VRS: ReadonlySet<string> = new Set(['PN', 'LO', 'SH', 'LT', 'ST', 'UT', 'UC']);

/** Defined terms without code extensions → WHATWG encoding label (PS3.3 C.12.1.1.2, Table C.12-2/4). */
const SINGLE_BYTE_AND_UNICODE: Record<string, string> = {
  'ISO_IR 6': 'ascii',
  'ISO_IR 100': 'iso-8859-1',
  'ISO_IR 101': 'iso-8859-2',
  'ISO_IR 109': 'iso-8859-3',
  'ISO_IR 110': 'iso-8859-4',
  'ISO_IR 144': 'iso-8859-5',
  'ISO_IR 127': 'iso-8859-6',
  'ISO_IR 126': 'iso-8859-7',
  'ISO_IR 138': 'iso-8859-8',
  'ISO_IR 148': 'iso-8859-9',
  'ISO_IR 203': 'iso-8859-15',
  'ISO_IR 13': 'shift_jis',
  'ISO_IR 166': 'tis-620',
  'ISO_IR 192': 'utf-8',
  GB18030: 'gb18030',
  GBK: 'gbk',
};

const decoders = new Map<string, TextDecoder>();

function decoder(label: string, fatal = false): TextDecoder {
  const key = `${label}|${fatal}`;
  let d = decoders.get(key);
  if (!d) {
    d = new TextDecoder(label, { fatal });
    decoders.set(key, d);
  }
  return d;
}

/**
 * Decodes bytes as Latin-1 (one byte = one code point), the fallback for text of unknown encoding.
 *
 * @param bytes - raw bytes
 * @returns the string
 */
export function decodeLatin1(bytes: Uint8Array): string {
  let out = '';
  const CHUNK = 8192;
  for (let i = 0; i < bytes.length; i += CHUNK) {
    out += String.fromCharCode(...bytes.subarray(i, Math.min(bytes.length, i + CHUNK)));
  }
  return out;
}

/** 7-bit bytes without ESC: the same text in every character set (ISO 2022 escapes are 7-bit too). */
function isPlainAscii(bytes: Uint8Array): boolean {
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i] as number;
    if (b > 0x7f || b === 0x1b) return false;
  }
  return true;
}

/**
 * Splits a Specific Character Set value into its defined terms (the first may be empty: default repertoire).
 *
 * @param value - the (0008,0005) value as stored, e.g. `\ISO 2022 IR 87`
 * @returns the terms, trimmed, e.g. `['', 'ISO 2022 IR 87']`; `[]` when absent or empty
 */
export function parseSpecificCharacterSet(value: string | undefined): string[] {
  if (value === undefined) return [];
  const terms = value.split('\\').map((t) => t.trim().toUpperCase());
  return terms.every((t) => t === '') ? [] : terms;
}

/**
 * Decodes the raw bytes of a text value with the data set's Specific Character Set.
 *
 * - no (0008,0005) / `ISO_IR 6`: ASCII; non-ASCII bytes (undeclared, common in the field) are taken as UTF-8 when
 *   they form valid UTF-8, else as Latin-1, so nothing is lost;
 * - one defined term without code extensions (`ISO_IR 100`, `ISO_IR 144`, `ISO_IR 192`, `GB18030`, `GBK`…):
 *   TextDecoder with the matching label;
 * - ISO 2022 terms or several terms: `dicom-character-set` (escape sequences, G0/G1 switching, reset at delimiters).
 *
 * Multi-valued values must be decoded as a whole and split afterwards: in GB18030/GBK and ISO 2022 IR 87 a
 * backslash byte can be the second byte of a character.
 *
 * @param bytes - the raw value bytes (from `byteArray.subarray(dataOffset, dataOffset + length)`)
 * @param specificCharacterSet - the (0008,0005) value as stored (backslash-separated), or undefined
 * @param vr - the VR of the value; only PN/LO/SH/LT/ST/UT/UC use the character set, others decode as ASCII
 * @returns the decoded text (padding is not removed here)
 */
export function decodeText(bytes: Uint8Array, specificCharacterSet: string | undefined, vr = 'LO'): string {
  if (bytes.length === 0) return '';
  if (isPlainAscii(bytes)) return decodeLatin1(bytes);
  const terms = CHARSET_VRS.has(vr) ? parseSpecificCharacterSet(specificCharacterSet) : [];
  const single = terms.length === 1 ? SINGLE_BYTE_AND_UNICODE[terms[0] as string] : undefined;
  if (terms.length === 0 || (terms.length === 1 && terms[0] === 'ISO_IR 6')) return decodeUndeclared(bytes);
  if (single) {
    try {
      return decoder(single).decode(bytes);
    } catch {
      return decodeLatin1(bytes);
    }
  }
  try {
    const normalised = (specificCharacterSet ?? '')
      .split('\\')
      .map((t) => t.trim().toUpperCase())
      .join('\\');
    return convertBytes(normalised, bytes, { vr });
  } catch {
    // Unknown defined term or broken escape sequence: keep the text readable rather than fail the whole file.
    return decodeUndeclared(bytes);
  }
}

function decodeUndeclared(bytes: Uint8Array): string {
  try {
    return decoder('utf-8', true).decode(bytes);
  } catch {
    return decodeLatin1(bytes);
  }
}

/**
 * Is a Specific Character Set value understood by {@link decodeText} (every term known)?
 *
 * @param specificCharacterSet - the (0008,0005) value as stored
 * @returns true when every defined term is known
 */
export function isKnownCharacterSet(specificCharacterSet: string | undefined): boolean {
  return parseSpecificCharacterSet(specificCharacterSet).every(
    (t) => t === '' || t in SINGLE_BYTE_AND_UNICODE || t.startsWith('ISO 2022 IR '),
  );
}
