import { decodeEcg, parseFull, type EcgGroup } from '@zhiyin/dicom';
import { sample } from '../../../test/support/dicom-files.js';
import { decodeAecg } from './aecg.js';
import type { EcgRecord } from './ecg-record.js';
import { crcCcitt, decodeScpEcg } from './scp-ecg.js';

const AECG = 'ecg/real_mortara_12lead_aecg.xml';
const SCP = 'ecg/real_mortara_12lead_scpecg.scp';
const DICOM = 'ecg/real_mortara_12lead_waveform_ecg.dcm';

const original = (): EcgGroup => decodeEcg(parseFull(sample(DICOM))).groups.find((g) => g.label === 'RHYTHM')!;
const codeOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    return (e as { code?: string }).code;
  }
  return 'NO ERROR';
};

/** The largest difference, in µV, between a decoded lead and the DICOM original's same lead. */
function worstDifference(r: EcgRecord, g: EcgGroup): { lead: string; uv: number } {
  let worst = { lead: '', uv: 0 };
  for (const l of r.leads) {
    const o = g.leads.find((x) => x.label === l.label)!;
    for (let i = 0; i < r.sampleCount; i++) {
      const d = Math.abs(l.samples[i]! * l.microvoltsPerLsb + l.originMicrovolts - o.microvolts[i]!);
      if (d > worst.uv) worst = { lead: l.label, uv: d };
    }
  }
  return worst;
}

const TWELVE = ['I', 'II', 'III', 'aVR', 'aVL', 'aVF', 'V1', 'V2', 'V3', 'V4', 'V5', 'V6'];

describe('HL7 aECG decoder', () => {
  it('gives the 12 leads of the real Mortara ECG in the same microvolts as its DICOM original', () => {
    const r = decodeAecg(sample(AECG));
    const g = original();
    expect(r.leads.map((l) => l.label)).toEqual(TWELVE);
    expect(r.sampleRateHz).toBe(g.samplingFrequency);
    expect(r.sampleCount).toBe(g.numberOfSamples);
    expect(r.leads.every((l) => l.microvoltsPerLsb === 1.25)).toBe(true);
    // the format's resolution is the file's scale, 1.25 µV: equal to well within it
    expect(worstDifference(r, g).uv).toBeLessThan(1e-6);
    expect(r.acquiredAt).toBe('20130125105918');
    expect(r.patient.id).toBe('642341');
    expect(r.filters).toMatchObject({ lowHz: 0.05, highHz: 150 });
  });

  it('refuses what is not a well-formed aECG with the reason', () => {
    const xml = sample(AECG).toString('utf8');
    expect(codeOf(() => decodeAecg(Buffer.from(xml.slice(0, 5000))))).toBe('ECG_FILE_INVALID');
    expect(codeOf(() => decodeAecg(Buffer.from('<?xml version="1.0"?><ClinicalDocument/>')))).toBe('ECG_FILE_INVALID');
    expect(codeOf(() => decodeAecg(Buffer.from(xml.replace('<digits>80 65', '<digits>80 6x'))))).toBe(
      'ECG_FILE_INVALID',
    );
    // one lead shorter than the others
    expect(codeOf(() => decodeAecg(Buffer.from(xml.replace('<digits>80 65 ', '<digits>'))))).toBe('ECG_FILE_INVALID');
    expect(codeOf(() => decodeAecg(Buffer.from(xml.replace(/TIME_ABSOLUTE/g, 'SOMETHING'))))).toBe('ECG_FILE_INVALID');
  });

  it('does not expand XML entities (no entity bomb)', () => {
    const bomb =
      '<?xml version="1.0"?><!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>' +
      '<AnnotatedECG xmlns="urn:hl7-org:v3"><code code="&b;"/></AnnotatedECG>';
    expect(codeOf(() => decodeAecg(Buffer.from(bomb)))).toBe('ECG_FILE_INVALID');
  });
});

describe('SCP-ECG decoder', () => {
  it('gives the 12 leads of the real Mortara ECG (SCP-ECG v3, section 12) within the file resolution of the DICOM original', () => {
    const r = decodeScpEcg(sample(SCP));
    const g = original();
    expect(r.leads.map((l) => l.label)).toEqual(TWELVE);
    expect(r.sampleRateHz).toBe(1000);
    expect(r.sampleCount).toBe(10000);
    // the writer rounded the amplitude multiplier up to 1251 nV: the samples are the original's, each
    // differs by at most 0.08 % of its value
    let worstRatio = 0;
    for (const l of r.leads) {
      const ol = g.leads.find((x) => x.label === l.label)!;
      for (let i = 0; i < r.sampleCount; i++) {
        const uv = l.samples[i]! * l.microvoltsPerLsb;
        const ref = ol.microvolts[i]!;
        if (ref !== 0) worstRatio = Math.max(worstRatio, Math.abs(uv - ref) / Math.abs(ref));
        else expect(uv).toBe(0);
      }
    }
    expect(worstRatio).toBeLessThanOrEqual(0.0008 + 1e-12);
    expect(worstDifference(r, g).uv).toBeLessThan(l1(r));
    expect(r.acquiredAt).toBe('20130125105918');
    expect(r.patient.id).toBe('642341');
    expect(r.device.model).toBe('Cart1');
  });

  it('decodes Huffman-coded (default table) second-difference rhythm data of section 6 to the same microvolts', () => {
    const g = original();
    const file = scpWithSection6(g);
    const r = decodeScpEcg(file);
    expect(r.leads.map((l) => l.label)).toEqual(TWELVE);
    expect(r.sampleRateHz).toBe(1000);
    expect(worstDifference(r, g).uv).toBeLessThan(1e-6);
  });

  it('refuses a damaged record with the reason', () => {
    const file = Buffer.from(sample(SCP));
    expect(codeOf(() => decodeScpEcg(file.subarray(0, 1000)))).toBe('ECG_FILE_INVALID');
    const flipped = Buffer.from(file);
    flipped[5000] = flipped[5000]! ^ 0xff;
    expect(codeOf(() => decodeScpEcg(flipped))).toBe('ECG_FILE_INVALID');
    expect(codeOf(() => decodeScpEcg(Buffer.from('not an ecg at all, just some text')))).toBe('ECG_FILE_INVALID');
  });

  it('refuses bimodal compression rather than showing a wrong tracing', () => {
    const file = scpWithSection6(original(), { bimodal: true });
    expect(codeOf(() => decodeScpEcg(file))).toBe('ECG_FILE_UNSUPPORTED');
  });
});

/** The largest sample step of the record: its resolution. */
function l1(r: EcgRecord): number {
  return Math.max(...r.leads.map((l) => l.microvoltsPerLsb)) * 2;
}

// A record as an EN 1064 cart writes it: sections 0, 1, 2 (default Huffman table), 3 and 6 (second
// differences, Huffman-coded), so that the decoder is checked on the encoding most carts use.
function scpWithSection6(g: EcgGroup, opts: { bimodal?: boolean } = {}): Buffer {
  const leadCodes: Record<string, number> = {
    I: 1,
    II: 2,
    V1: 3,
    V2: 4,
    V3: 5,
    V4: 6,
    V5: 7,
    V6: 8,
    III: 61,
    aVR: 62,
    aVL: 63,
    aVF: 64,
  };
  const n = g.numberOfSamples;
  const section = (id: number, data: Buffer) => {
    const h = Buffer.alloc(16);
    h.writeUInt16LE(id, 2);
    h.writeUInt32LE(16 + data.length, 4);
    h[8] = 20;
    h[9] = 20;
    if (id === 0) h.write('SCPECG', 10, 'latin1');
    const s = Buffer.concat([h, data]);
    s.writeUInt16LE(crcCcitt(s.subarray(2)), 0);
    return s;
  };
  const s1 = Buffer.from([2, 4, 0, ...Buffer.from('X1\0\0'), 255, 0, 0]);
  const s2 = Buffer.alloc(2);
  s2.writeUInt16LE(19999, 0);
  const s3 = Buffer.alloc(2 + 9 * g.leads.length);
  s3[0] = g.leads.length;
  s3[1] = 0b0110_0100;
  g.leads.forEach((l, i) => {
    s3.writeUInt32LE(1, 2 + 9 * i);
    s3.writeUInt32LE(n, 6 + 9 * i);
    s3[10 + 9 * i] = leadCodes[l.label]!;
  });
  const encoded = g.leads.map((l) => {
    const x = Array.from(l.microvolts, (uv) => Math.round(uv / 1.25));
    const bits: number[] = [];
    const put = (v: number, width: number) => {
      for (let b = width - 1; b >= 0; b--) bits.push((v >> b) & 1);
    };
    x.forEach((_, i) => {
      const d = i < 2 ? x[i]! : x[i]! - 2 * x[i - 1]! + x[i - 2]!;
      if (d === 0) bits.push(0);
      else if (Math.abs(d) <= 8) {
        for (let k = 0; k < Math.abs(d); k++) bits.push(1);
        bits.push(0, d < 0 ? 1 : 0);
      } else if (d >= -128 && d <= 127) {
        put(0b1111111110, 10);
        put(d & 0xff, 8);
      } else {
        put(0b1111111111, 10);
        put(d & 0xffff, 16);
      }
    });
    const out = Buffer.alloc(Math.ceil(bits.length / 8));
    bits.forEach((b, i) => {
      if (b) out[i >> 3]! |= 0x80 >> (i & 7);
    });
    return out;
  });
  const s6 = Buffer.alloc(6 + 2 * encoded.length);
  s6.writeUInt16LE(1250, 0);
  s6.writeUInt16LE(1000, 2);
  s6[4] = 2;
  s6[5] = opts.bimodal ? 1 : 0;
  encoded.forEach((e, i) => s6.writeUInt16LE(e.length, 6 + 2 * i));
  const bodies = new Map<number, Buffer>([
    [1, section(1, s1)],
    [2, section(2, s2)],
    [3, section(3, s3)],
    [6, section(6, Buffer.concat([s6, ...encoded]))],
  ]);
  const pointers = Buffer.alloc(12 * 10);
  let at = 6 + 16 + pointers.length;
  for (let id = 0; id < 12; id++) {
    pointers.writeUInt16LE(id, id * 10);
    const b = id === 0 ? undefined : bodies.get(id);
    if (id === 0) {
      pointers.writeUInt32LE(16 + pointers.length, 2);
      pointers.writeUInt32LE(7, 6);
    } else if (b) {
      pointers.writeUInt32LE(b.length, id * 10 + 2);
      pointers.writeUInt32LE(at + 1, id * 10 + 6);
      at += b.length;
    }
  }
  const file = Buffer.concat([Buffer.alloc(6), section(0, pointers), ...bodies.values()]);
  file.writeUInt32LE(file.length, 2);
  file.writeUInt16LE(crcCcitt(file.subarray(2)), 0);
  return file;
}
