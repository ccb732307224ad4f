import iconv from 'iconv-lite';

// A small writer for C-FIND response identifiers (PS3.5 7.1, 7.5): Implicit or Explicit VR Little Endian,
// sequences of undefined length. Text is encoded in the identifier's Specific Character Set: the library's
// own writer knows only UTF-8, and a worklist for a GB18030 modality must be GB18030 (PS3.5 6.1.2.5.3).
/** The Specific Character Sets (0008,0005) an answer is written in: UTF-8, or GB18030 for older Chinese devices. */
export type Charset = 'ISO_IR 192' | 'GB18030';

/** One element of an identifier: text, or a sequence of items. */
export type Element = { tag: number; vr: 'SQ'; items: Element[][] } | { tag: number; vr: TextVr; value: string };

/** The VRs a query answer carries as text (numbers in IS/DS are text too). */
export type TextVr =
  'AE' | 'AS' | 'CS' | 'DA' | 'DS' | 'DT' | 'IS' | 'LO' | 'LT' | 'PN' | 'SH' | 'ST' | 'TM' | 'UC' | 'UI' | 'UR' | 'UT';

const LONG_VRS = new Set(['SQ', 'OB', 'OW', 'UN', 'UT', 'UC', 'UR']);
// Text VRs whose value is in the Specific Character Set (the others are the default repertoire).
const CHARSET_VRS = new Set(['SH', 'LO', 'PN', 'ST', 'LT', 'UC', 'UT']);

function header(tag: number, vr: string, length: number, explicit: boolean): Buffer {
  const long = explicit && LONG_VRS.has(vr);
  const b = Buffer.alloc(explicit ? (long ? 12 : 8) : 8);
  b.writeUInt16LE(tag >>> 16, 0);
  b.writeUInt16LE(tag & 0xffff, 2);
  if (!explicit) b.writeUInt32LE(length, 4);
  else if (long) {
    b.write(vr, 4, 'latin1');
    b.writeUInt32LE(length, 8);
  } else {
    b.write(vr, 4, 'latin1');
    b.writeUInt16LE(length, 6);
  }
  return b;
}

function encodeValue(vr: string, value: string, charset: Charset): Buffer {
  let bytes = CHARSET_VRS.has(vr)
    ? charset === 'GB18030'
      ? iconv.encode(value, 'gb18030')
      : Buffer.from(value, 'utf8')
    : Buffer.from(value, 'latin1');
  if (bytes.length % 2) bytes = Buffer.concat([bytes, Buffer.from(vr === 'UI' ? [0] : [0x20])]);
  return bytes;
}

/**
 * Encodes elements (sorted by tag here) as a data set.
 *
 * @param elements - the identifier's elements, in any order
 * @param explicit - Explicit VR Little Endian (else Implicit), as the presentation context's transfer syntax says
 * @param charset - the Specific Character Set the identifier declares: text of SH, LO, PN, ST, LT, UC, UT is in it
 * @returns the data set's bytes
 */
export function writeIdentifier(elements: Element[], explicit: boolean, charset: Charset): Buffer {
  const out: Buffer[] = [];
  for (const e of [...elements].sort((a, b) => a.tag - b.tag)) {
    if (e.vr === 'SQ') {
      out.push(header(e.tag, 'SQ', 0xffffffff, explicit));
      for (const item of e.items) {
        const body = writeIdentifier(item, explicit, charset);
        const head = Buffer.alloc(8);
        head.writeUInt16LE(0xfffe, 0);
        head.writeUInt16LE(0xe000, 2);
        head.writeUInt32LE(body.length, 4);
        out.push(head, body);
      }
      const end = Buffer.alloc(8);
      end.writeUInt16LE(0xfffe, 0);
      end.writeUInt16LE(0xe0dd, 2);
      out.push(end);
    } else {
      const value = encodeValue(e.vr, e.value, charset);
      out.push(header(e.tag, e.vr, value.length, explicit), value);
    }
  }
  return Buffer.concat(out);
}
