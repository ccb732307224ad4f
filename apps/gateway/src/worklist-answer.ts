import iconv from 'iconv-lite';

/** The character sets a modality's worklist may be answered in (the hub's AE registry sets one per AE). */
export type WorklistCharset = 'ISO_IR 192' | 'GB18030';

type Naturalized = Record<string, unknown>;

// The attributes of a worklist answer (PS3.4 K.6.1.2) with their tags and VRs.
const ATTRIBUTES: Record<string, [number, string]> = {
  SpecificCharacterSet: [0x00080005, 'CS'],
  AccessionNumber: [0x00080050, 'SH'],
  Modality: [0x00080060, 'CS'],
  PatientName: [0x00100010, 'PN'],
  PatientID: [0x00100020, 'LO'],
  PatientBirthDate: [0x00100030, 'DA'],
  PatientSex: [0x00100040, 'CS'],
  ScheduledProcedureStepStartDate: [0x00400002, 'DA'],
  ScheduledProcedureStepStartTime: [0x00400003, 'TM'],
  ScheduledProcedureStepID: [0x00400009, 'SH'],
  ScheduledProcedureStepSequence: [0x00400100, 'SQ'],
  RequestedProcedureID: [0x00401001, 'SH'],
};
// Text VRs whose value is in the Specific Character Set (PS3.5 6.1.2.3); the others are the default repertoire.
const CHARSET_VRS = new Set(['SH', 'LO', 'PN']);

function header(tag: number, vr: string, length: number, explicit: boolean): Buffer {
  const b = Buffer.alloc(explicit && vr === 'SQ' ? 12 : 8);
  b.writeUInt16LE(tag >>> 16, 0);
  b.writeUInt16LE(tag & 0xffff, 2);
  if (!explicit) b.writeUInt32LE(length, 4);
  else if (vr === 'SQ') {
    b.write(vr, 4, 'latin1');
    b.writeUInt32LE(length, 8);
  } else {
    b.write(vr, 4, 'latin1');
    b.writeUInt16LE(length, 6);
  }
  return b;
}

/**
 * A worklist answer (the naturalized identifier the matching made) written as a data set in `charset`: dcmjs, which
 * writes the gateway's other answers, knows only UTF-8, and a modality configured for GB18030 cannot read a UTF-8
 * name (PS3.5 6.1.2.5.3). Implicit or Explicit VR Little Endian, as the presentation context agreed.
 */
export function writeWorklistAnswer(answer: Naturalized, charset: WorklistCharset, explicit: boolean): Buffer {
  return write({ ...answer, SpecificCharacterSet: charset }, charset, explicit);
}

function write(answer: Naturalized, charset: WorklistCharset, explicit: boolean): Buffer {
  const out: Buffer[] = [];
  const entries = Object.entries(answer)
    .filter(([k]) => ATTRIBUTES[k])
    .sort(([a], [b]) => ATTRIBUTES[a]![0] - ATTRIBUTES[b]![0]);
  for (const [keyword, value] of entries) {
    const [tag, vr] = ATTRIBUTES[keyword]!;
    if (vr === 'SQ') {
      out.push(header(tag, vr, 0xffffffff, explicit));
      for (const item of value as Naturalized[]) {
        const body = write(item, charset, explicit);
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
      continue;
    }
    const text = typeof value === 'string' || typeof value === 'number' ? String(value) : '';
    let bytes =
      CHARSET_VRS.has(vr) && charset === 'GB18030' ? iconv.encode(text, 'gb18030') : Buffer.from(text, 'utf8');
    if (bytes.length % 2) bytes = Buffer.concat([bytes, Buffer.from([0x20])]);
    out.push(header(tag, vr, bytes.length, explicit), bytes);
  }
  return Buffer.concat(out);
}
