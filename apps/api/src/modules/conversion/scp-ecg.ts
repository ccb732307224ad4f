import { ecgFileInvalid, ecgFileUnsupported } from './ecg-file-error.js';
import { leadOrder, SCP_LEADS, type EcgRecord, type EcgRecordLead } from './ecg-record.js';

// SCP-ECG (EN 1064:2005+A1, ISO 11073-91064; versions 1.x to 3.0). Read here: section 0 (pointers),
// 1 (patient and acquisition data), 2 (Huffman tables, including the default table of Annex C),
// 3 (lead definition), 6 (rhythm data: uncompressed or Huffman-coded, with first or second differences)
// and 12 (version 3 long-term rhythm data, uncompressed and interleaved). Every section's CRC is checked.
// Reference-beat subtraction and bimodal compression are lossy encodings that need the beat positions
// of sections 4 and 5 to undo: such files are refused with ECG_FILE_UNSUPPORTED rather than shown wrong.

const MAX_FILE_BYTES = 32 * 1024 * 1024;
const MAX_SAMPLES_PER_LEAD = 10_000_000;
const bad = (reason: string) => ecgFileInvalid('SCP-ECG', reason);

/** CRC-CCITT (polynomial 0x1021, initial value 0xFFFF), as EN 1064 §5.3.1 computes it. */
export function crcCcitt(data: Uint8Array): number {
  let crc = 0xffff;
  for (const byte of data) {
    crc ^= byte << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

interface Section {
  id: number;
  version: number;
  /** the section's data after its 16-byte header */
  data: Buffer;
}

function sections(file: Buffer): Map<number, Section> {
  if (file.length < 6 + 16) throw bad('it is too short to be an SCP-ECG record.');
  if (file.length > MAX_FILE_BYTES) throw bad(`it is larger than ${MAX_FILE_BYTES} bytes.`);
  const declared = file.readUInt32LE(2);
  if (declared !== file.length) throw bad(`it is ${file.length} bytes long but says ${declared}.`);
  if (crcCcitt(file.subarray(2)) !== file.readUInt16LE(0)) throw bad('the record CRC does not match its content.');
  const read = (offset: number, expectedId: number | undefined): Section => {
    if (offset < 6 || offset + 16 > file.length) throw bad('a section lies outside the record.');
    const id = file.readUInt16LE(offset + 2);
    const length = file.readUInt32LE(offset + 4);
    if (expectedId !== undefined && id !== expectedId) throw bad(`section ${expectedId} is not where section 0 says.`);
    if (length < 16 || offset + length > file.length) throw bad(`section ${id} has an impossible length.`);
    const whole = file.subarray(offset, offset + length);
    if (crcCcitt(whole.subarray(2)) !== whole.readUInt16LE(0)) throw bad(`the CRC of section ${id} does not match.`);
    return { id, version: file[offset + 8]!, data: whole.subarray(16) };
  };
  const zero = read(6, 0);
  const found = new Map<number, Section>([[0, zero]]);
  for (let p = 0; p + 10 <= zero.data.length; p += 10) {
    const id = zero.data.readUInt16LE(p);
    const length = zero.data.readUInt32LE(p + 2);
    const index = zero.data.readUInt32LE(p + 6);
    if (id === 0 || length === 0) continue;
    if (id > 1023) throw bad('section 0 names an impossible section.');
    // The index is the 1-based byte position of the section in the record.
    const s = read(index - 1, id);
    if (s.data.length + 16 !== length) throw bad(`section ${id} is not as long as section 0 says.`);
    found.set(id, s);
  }
  return found;
}

function cString(b: Buffer): string | undefined {
  const end = b.indexOf(0);
  const raw = end >= 0 ? b.subarray(0, end) : b;
  const s = new TextDecoder('utf-8', { fatal: false }).decode(raw).trim();
  return s || undefined;
}
const pad = (n: number, w = 2) => String(n).padStart(w, '0');

function patientData(s: Section | undefined): Pick<EcgRecord, 'patient' | 'acquiredAt' | 'filters' | 'device'> {
  const out: Pick<EcgRecord, 'patient' | 'acquiredAt' | 'filters' | 'device'> = {
    patient: {},
    acquiredAt: undefined,
    filters: {},
    device: {},
  };
  if (!s) return out;
  let date: string | undefined;
  let time: string | undefined;
  const d = s.data;
  for (let p = 0; p + 3 <= d.length;) {
    const tag = d[p]!;
    const length = d.readUInt16LE(p + 1);
    if (tag === 255) break;
    if (p + 3 + length > d.length) throw bad('a field of section 1 runs past its end.');
    const v = d.subarray(p + 3, p + 3 + length);
    if (tag === 0) out.patient.familyName = cString(v);
    else if (tag === 1) out.patient.givenName = cString(v);
    else if (tag === 2) out.patient.id = cString(v);
    else if (tag === 5 && length >= 4 && v.readUInt16LE(0) > 0)
      out.patient.birthDate = `${pad(v.readUInt16LE(0), 4)}${pad(v[2]!)}${pad(v[3]!)}`;
    else if (tag === 8 && length >= 1) out.patient.sex = v[0] === 1 ? 'M' : v[0] === 2 ? 'F' : undefined;
    else if (tag === 25 && length >= 4 && v.readUInt16LE(0) > 0)
      date = `${pad(v.readUInt16LE(0), 4)}${pad(v[2]!)}${pad(v[3]!)}`;
    else if (tag === 26 && length >= 3) time = `${pad(v[0]!)}${pad(v[1]!)}${pad(v[2]!)}`;
    // Filters (tags 27, 28: hundredths of a hertz; tag 29 bit 0/1: 60/50 Hz notch).
    else if (tag === 27 && length >= 2 && v.readUInt16LE(0) > 0) out.filters.lowHz = v.readUInt16LE(0) / 100;
    else if (tag === 28 && length >= 2 && v.readUInt16LE(0) > 0) out.filters.highHz = v.readUInt16LE(0);
    else if (tag === 29 && length >= 1 && v[0]! & 3) out.filters.notchHz = v[0]! & 1 ? 60 : 50;
    else if (tag === 14 && length > 36) {
      // Acquiring device: the model in bytes 8–13, then text fields, the manufacturer's trade name last.
      out.device.model = cString(v.subarray(8, 14));
      const texts = v
        .subarray(36)
        .toString('latin1')
        .split('\0')
        .map((x) => x.trim())
        .filter(Boolean);
      if (texts.length >= 2) out.device.manufacturer = texts[texts.length - 1];
    }
    p += 3 + length;
  }
  if (date) out.acquiredAt = date + (time ?? '');
  return out;
}

interface LeadDef {
  scpCode: number;
  start: number;
  end: number;
}

function leadDefinition(s: Section | undefined): { leads: LeadDef[]; referenceBeatSubtraction: boolean } {
  if (!s) throw bad('it has no lead definition (section 3).');
  const n = s.data[0] ?? 0;
  if (n === 0 || s.data.length < 2 + 9 * n) throw bad('its lead definition (section 3) is cut short.');
  const leads: LeadDef[] = [];
  for (let i = 0; i < n; i++) {
    const p = 2 + 9 * i;
    leads.push({ start: s.data.readUInt32LE(p), end: s.data.readUInt32LE(p + 4), scpCode: s.data[p + 8]! });
  }
  return { leads, referenceBeatSubtraction: (s.data[1]! & 1) === 1 };
}

interface HuffmanCode {
  prefixBits: number;
  totalBits: number;
  /** 1: a value; 0: switch to the table numbered `base` */
  mode: number;
  base: number;
  /** the prefix as read, most significant bit first */
  code: number;
}

// EN 1064 Annex C default table: 0 → "0"; ±n (n = 1…8) → n ones, then 0, then the sign bit (0 for +);
// then two escapes, ten bits each, followed by the value as 8 or 16 bits two's complement.
function defaultTable(): HuffmanCode[] {
  const t: HuffmanCode[] = [{ prefixBits: 1, totalBits: 1, mode: 1, base: 0, code: 0 }];
  for (let n = 1; n <= 8; n++) {
    const ones = (1 << n) - 1;
    for (const sign of [0, 1]) {
      const code = (((ones << 1) | 0) << 1) | sign;
      t.push({ prefixBits: n + 2, totalBits: n + 2, mode: 1, base: sign ? -n : n, code });
    }
  }
  t.push({ prefixBits: 10, totalBits: 18, mode: 1, base: 0, code: 0b1111111110 });
  t.push({ prefixBits: 10, totalBits: 26, mode: 1, base: 0, code: 0b1111111111 });
  return t;
}

/** Section 2: the default table (19999) or the record's own tables. */
function huffmanTables(s: Section | undefined): HuffmanCode[][] | undefined {
  if (!s) return undefined;
  const d = s.data;
  if (d.length < 2) throw bad('its Huffman tables (section 2) are cut short.');
  const count = d.readUInt16LE(0);
  if (count === 19999) return [defaultTable()];
  if (count === 0 || count > 256) throw bad('its Huffman tables (section 2) are not usable.');
  const tables: HuffmanCode[][] = [];
  let p = 2;
  for (let t = 0; t < count; t++) {
    if (p + 2 > d.length) throw bad('its Huffman tables (section 2) are cut short.');
    const codes = d.readUInt16LE(p);
    p += 2;
    const table: HuffmanCode[] = [];
    for (let c = 0; c < codes; c++) {
      if (p + 9 > d.length) throw bad('its Huffman tables (section 2) are cut short.');
      const prefixBits = d[p]!;
      const totalBits = d[p + 1]!;
      if (prefixBits < 1 || prefixBits > 32 || totalBits < prefixBits || totalBits - prefixBits > 32)
        throw bad('a Huffman code in section 2 has an impossible length.');
      // The base code is stored bit-reversed (its first bit is the least significant one).
      const stored = d.readUInt32LE(p + 5);
      let code = 0;
      for (let b = 0; b < prefixBits; b++) code = (code << 1) | ((stored >>> b) & 1);
      table.push({ prefixBits, totalBits, mode: d[p + 2]!, base: d.readInt16LE(p + 3), code: code >>> 0 });
      p += 9;
    }
    tables.push(table);
  }
  return tables;
}

/** Decodes `count` values of a Huffman-coded lead (bits most significant first). */
function huffmanDecode(data: Buffer, tables: HuffmanCode[][], count: number, lead: string): Int32Array {
  const out = new Int32Array(count);
  let table = tables[0]!;
  let bit = 0;
  const totalBits = data.length * 8;
  const readBits = (n: number): number => {
    if (bit + n > totalBits) throw bad(`the data of lead ${lead} end before its last sample.`);
    let v = 0;
    for (let i = 0; i < n; i++, bit++) v = v * 2 + ((data[bit >> 3]! >> (7 - (bit & 7))) & 1);
    return v;
  };
  for (let i = 0; i < count;) {
    let prefix = 0;
    let length = 0;
    let match: HuffmanCode | undefined;
    while (!match) {
      prefix = prefix * 2 + readBits(1);
      length++;
      if (length > 32) throw bad(`the data of lead ${lead} hold a code that is not in the Huffman table.`);
      match = table.find((c) => c.prefixBits === length && c.code === prefix);
    }
    if (match.mode === 0) {
      const next = tables[match.base - 1];
      if (!next) throw bad(`the data of lead ${lead} switch to a Huffman table that does not exist.`);
      table = next;
      continue;
    }
    const extra = match.totalBits - match.prefixBits;
    if (extra === 0) out[i++] = match.base;
    else {
      const v = readBits(extra);
      out[i++] = v >= 2 ** (extra - 1) ? v - 2 ** extra : v;
    }
  }
  return out;
}

function undoDifferences(d: Int32Array, order: number): Int32Array {
  if (order === 0) return d;
  const x = new Int32Array(d.length);
  for (let i = 0; i < d.length; i++) {
    if (order === 1) x[i] = i === 0 ? d[0]! : d[i]! + x[i - 1]!;
    else x[i] = i < 2 ? d[i]! : d[i]! + 2 * x[i - 1]! - x[i - 2]!;
  }
  return x;
}

function leadLabel(code: number): string {
  const label = SCP_LEADS[code];
  if (!label) throw new Error(`lead ${code}`);
  return label;
}

function checkedLabels(defs: LeadDef[]): string[] {
  return defs.map((l) => {
    try {
      return leadLabel(l.scpCode);
    } catch {
      throw bad(`lead number ${l.scpCode} in section 3 is not a lead Zhiyin knows.`);
    }
  });
}

function rhythmFromSection6(
  s: Section,
  defs: LeadDef[],
  tables: HuffmanCode[][] | undefined,
): { leads: EcgRecordLead[]; rate: number } {
  const d = s.data;
  if (d.length < 6 + 2 * defs.length) throw bad('its rhythm data (section 6) are cut short.');
  const avm = d.readUInt16LE(0);
  const intervalUs = d.readUInt16LE(2);
  const differences = d[4]!;
  if (avm === 0 || intervalUs === 0) throw bad('its rhythm data (section 6) give no amplitude or sampling interval.');
  if (differences > 2) throw bad('its rhythm data (section 6) use an unknown difference encoding.');
  const labels = checkedLabels(defs);
  let p = 6 + 2 * defs.length;
  const leads: EcgRecordLead[] = defs.map((def, i) => {
    const bytes = d.readUInt16LE(6 + 2 * i);
    if (p + bytes > d.length) throw bad(`the data of lead ${labels[i]} run past section 6.`);
    const chunk = d.subarray(p, p + bytes);
    p += bytes;
    const count = def.end - def.start + 1;
    if (!(count > 0) || count > MAX_SAMPLES_PER_LEAD) throw bad(`lead ${labels[i]} has an impossible sample range.`);
    let values: Int32Array;
    if (tables) values = huffmanDecode(chunk, tables, count, labels[i]!);
    else {
      if (bytes < 2 * count) throw bad(`the data of lead ${labels[i]} end before its last sample.`);
      values = new Int32Array(count);
      for (let k = 0; k < count; k++) values[k] = chunk.readInt16LE(2 * k);
    }
    return {
      label: labels[i]!,
      scpCode: def.scpCode,
      samples: undoDifferences(values, differences),
      microvoltsPerLsb: avm / 1000,
      originMicrovolts: 0,
    };
  });
  return { leads, rate: 1e6 / intervalUs };
}

function rhythmFromSection12(s: Section): { leads: EcgRecordLead[]; rate: number; acquiredAt?: string } {
  const d = s.data;
  if (d.length < 70) throw bad('its rhythm data (section 12) are cut short.');
  const rate = d.readUInt32LE(0);
  const n = d[4]!;
  const count = d.readUInt32LE(5);
  const bytesPerSample = d[9]!;
  if (rate === 0 || n === 0 || count === 0 || count > MAX_SAMPLES_PER_LEAD)
    throw bad('its rhythm data (section 12) give no sampling rate, leads or samples.');
  if (![1, 2, 3, 4].includes(bytesPerSample)) throw bad('its rhythm data (section 12) use an unknown sample size.');
  if (d.length < 70 + 4 * n + n * count * bytesPerSample) throw bad('its rhythm data (section 12) are cut short.');
  const year = d.readUInt16LE(10);
  const acquiredAt =
    year > 0 ? `${pad(year, 4)}${pad(d[12]!)}${pad(d[13]!)}${pad(d[14]!)}${pad(d[15]!)}${pad(d[16]!)}` : undefined;
  const defs: { scpCode: number; avm: number }[] = [];
  for (let i = 0; i < n; i++) defs.push({ scpCode: d[70 + 4 * i]!, avm: d.readUInt16LE(71 + 4 * i) });
  const labels = checkedLabels(defs.map((x) => ({ ...x, start: 1, end: count })));
  const base = 70 + 4 * n;
  const leads = defs.map((def, i) => {
    const samples = new Int32Array(count);
    // Samples are interleaved: sample k of every lead, then sample k + 1.
    for (let k = 0; k < count; k++) samples[k] = d.readIntLE(base + (k * n + i) * bytesPerSample, bytesPerSample);
    if (def.avm === 0) throw bad(`lead ${labels[i]} has no amplitude value multiplier.`);
    return { label: labels[i]!, scpCode: def.scpCode, samples, microvoltsPerLsb: def.avm / 1000, originMicrovolts: 0 };
  });
  return { leads, rate, acquiredAt };
}

/**
 * Decodes an SCP-ECG record into its rhythm leads (integer samples with their resolution), sampling rate,
 * acquisition time and what section 1 says of the patient. Throws ECG_FILE_INVALID with the reason for a
 * record that is damaged or inconsistent, ECG_FILE_UNSUPPORTED for a lossy encoding it does not undo.
 */
export function decodeScpEcg(file: Buffer): EcgRecord {
  const found = sections(file);
  const info = patientData(found.get(1));
  let leads: EcgRecordLead[];
  let rate: number;
  let acquiredAt = info.acquiredAt;
  const s12 = found.get(12);
  const s6 = found.get(6);
  if (s6) {
    const def = leadDefinition(found.get(3));
    if (def.referenceBeatSubtraction) throw ecgFileUnsupported('SCP-ECG', 'reference beat subtraction');
    if (s6.data[5]) throw ecgFileUnsupported('SCP-ECG', 'bimodal compression');
    ({ leads, rate } = rhythmFromSection6(s6, def.leads, huffmanTables(found.get(2))));
  } else if (s12) {
    const r = rhythmFromSection12(s12);
    ({ leads, rate } = r);
    acquiredAt ??= r.acquiredAt;
  } else throw bad('it has no rhythm data (section 6 or 12).');
  const sampleCount = leads[0]!.samples.length;
  if (leads.some((l) => l.samples.length !== sampleCount)) throw bad('its leads have different numbers of samples.');
  if (new Set(leads.map((l) => l.scpCode)).size !== leads.length) throw bad('a lead appears twice.');
  return {
    format: 'scp-ecg',
    sampleRateHz: Math.round(rate * 1000) / 1000,
    sampleCount,
    leads: leads.sort(leadOrder),
    acquiredAt,
    patient: info.patient,
    filters: info.filters,
    device: info.device,
  };
}
