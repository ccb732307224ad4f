/**
 * 12-lead (and general) ECG waveform decoding: Waveform Sequence (5400,0100) → microvolts per lead, and the
 * Waveform Annotation Sequence (0040,B020) → statements and coded measurements. PS3.3 C.10.9 (Waveform),
 * C.10.10 (Waveform Annotation), A.34 (ECG IODs); lead codes CID 3001 (SCPECG 5.6.3-9-n and MDC 2:n).
 */
import type { DicomDataset, ValueContext } from './dataset.js';
import { firstNumber, firstString, itemContext, items, numbers, parserTag, rootContext } from './dataset.js';
import { DicomError } from './errors.js';
import type { ParserDataSet } from './parser-api.js';

/** A coded concept (Code Value, Coding Scheme Designator, Code Meaning). */
export interface CodedConcept {
  /** (0008,0100) Code Value (or Long Code Value / URN Code Value). */
  value: string;
  /** (0008,0102) Coding Scheme Designator, e.g. `SCPECG`, `MDC`, `UCUM`. */
  scheme: string;
  /** (0008,0104) Code Meaning (free text: do not match on it). */
  meaning: string | undefined;
  /** (0008,0103) Coding Scheme Version. */
  version: string | undefined;
}

/** Filters applied by the device, per channel. */
export interface EcgFilterInfo {
  /** (003A,0220) Filter Low Frequency in Hz (high-pass corner). */
  lowHz: number | undefined;
  /** (003A,0221) Filter High Frequency in Hz (low-pass corner). */
  highHz: number | undefined;
  /** (003A,0222) Notch Filter Frequency in Hz; 0 or undefined when off. */
  notchHz: number | undefined;
  /** (003A,0223) Notch Filter Bandwidth in Hz. */
  notchBandwidthHz: number | undefined;
}

/** One channel (lead) of a multiplex group, decoded. */
export interface EcgLead {
  /** `I`, `II`, `III`, `aVR`, `aVL`, `aVF`, `V1`…`V6` (and V7–V9, V3R…, X/Y/Z) from the lead code; otherwise the
   * Channel Label, the Code Meaning or `Channel n`. */
  label: string;
  /** True when `label` comes from a recognised lead code (SCPECG 5.6.3-9-n or MDC 2:n / 1313nn). */
  standardLead: boolean;
  /** (003A,0208) Channel Source code. */
  code: CodedConcept | undefined;
  /** 1-based channel number within the group (order of the Channel Definition Sequence). */
  channel: number;
  /** The samples in microvolts: (raw + baseline) × sensitivity × correction factor, converted from the units.
   * Padding samples are NaN. For non-voltage channels (`isVoltage` false) the values are in `units`. */
  microvolts: Float32Array;
  /** True when the sensitivity units are a voltage (UCUM uV, mV, V, nV). */
  isVoltage: boolean;
  /** (003A,0211) sensitivity units code value, e.g. `uV`. */
  units: string | undefined;
  /** (003A,0210) Channel Sensitivity (units per LSB; 1 when absent). */
  sensitivity: number;
  /** (003A,0212) Channel Sensitivity Correction Factor (1 when absent). */
  correctionFactor: number;
  /** (003A,0213) Channel Baseline (0 when absent), in LSB. */
  baseline: number;
  /** Microvolts per LSB: sensitivity × correction factor × unit conversion. */
  microvoltsPerLsb: number;
  /** (003A,021A) Waveform Bits Stored. */
  bitsStored: number | undefined;
  /** Filters. */
  filter: EcgFilterInfo;
}

/** One multiplex group (e.g. `RHYTHM`, `MEDIAN BEAT`). */
export interface EcgGroup {
  /** (003A,0020) Multiplex Group Label. */
  label: string | undefined;
  /** (003A,0004) `ORIGINAL` or `DERIVED`. */
  originality: string | undefined;
  /** (003A,001A) Sampling Frequency in Hz. */
  samplingFrequency: number;
  /** (003A,0010) Number of Waveform Samples (per channel). */
  numberOfSamples: number;
  /** (003A,0005) Number of Waveform Channels. */
  numberOfChannels: number;
  /** (5400,1004) Waveform Bits Allocated: 8, 16 or 32. */
  bitsAllocated: number;
  /** (5400,1006) Waveform Sample Interpretation: SB, UB, SS, US, SL, UL. */
  sampleInterpretation: string;
  /** numberOfSamples / samplingFrequency. */
  durationSeconds: number;
  /** The channels, in stored order. */
  leads: EcgLead[];
}

/** One item of the Waveform Annotation Sequence. */
export interface EcgAnnotation {
  /** `text` (free text), `measurement` (coded name + numeric value), `point` (coded name + sample positions or
   * time offsets), `coded` (coded name + coded value), `other`. */
  kind: 'text' | 'measurement' | 'point' | 'coded' | 'other';
  /** (0040,A180) Annotation Group Number. */
  group: number | undefined;
  /** (0070,0006) Unformatted Text Value, decoded per character set. */
  text: string | undefined;
  /** (0040,A043) Concept Name Code. */
  concept: CodedConcept | undefined;
  /** (0040,A168) Concept Code (coded value). */
  conceptValue: CodedConcept | undefined;
  /** (0040,A30A) Numeric Value(s). */
  values: number[] | undefined;
  /** (0040,08EA) Measurement Units Code. */
  unit: CodedConcept | undefined;
  /** (0040,A130) Temporal Range Type, e.g. `POINT`. */
  temporalRangeType: string | undefined;
  /** (0040,A132) Referenced Sample Positions, 1-based. */
  samplePositions: number[] | undefined;
  /** (0040,A138) Referenced Time Offsets, seconds. */
  timeOffsets: number[] | undefined;
  /** (0040,A0B0) Referenced Waveform Channels: pairs of (multiplex group, channel), channel 0 = all. */
  referencedChannels: number[] | undefined;
}

/** A measurement value with its unit code (e.g. `ms`, `deg`). */
export interface EcgMeasurement {
  /** The value. */
  value: number;
  /** Unit code value (UCUM), e.g. `ms`. */
  unit: string | undefined;
  /** The concept it was read from. */
  concept: CodedConcept;
}

/** The global measurements recognised by code. */
export interface EcgMeasurements {
  /** RR interval (SCPECG 5.10.2.1-3, MDC 2:16000), usually ms. */
  RR?: EcgMeasurement;
  /** PP interval (SCPECG 5.10.2.1-5, MDC 2:16140). */
  PP?: EcgMeasurement;
  /** PR interval (SCPECG 5.13.5-7, MDC 2:15872). */
  PR?: EcgMeasurement;
  /** P duration (SCPECG 5.13.5-5, MDC 2:16184). */
  P?: EcgMeasurement;
  /** QRS duration (SCPECG 5.13.5-9, MDC 2:16156). */
  QRS?: EcgMeasurement;
  /** QT interval (SCPECG 5.13.5-11, MDC 2:16160). */
  QT?: EcgMeasurement;
  /** Corrected QT (SCPECG 5.10.2.5-5). */
  QTc?: EcgMeasurement;
  /** P axis (SCPECG 5.10.3-11), usually deg. */
  PAxis?: EcgMeasurement;
  /** QRS axis (SCPECG 5.10.3-13). */
  QRSAxis?: EcgMeasurement;
  /** T axis (SCPECG 5.10.3-15). */
  TAxis?: EcgMeasurement;
}

/** Everything decoded from an ECG object. */
export interface EcgWaveforms {
  /** The multiplex groups in stored order. */
  groups: EcgGroup[];
  /** Every annotation item, in stored order. */
  annotations: EcgAnnotation[];
  /** Free-text statements (annotations of kind `text`), decoded per character set. */
  statements: string[];
  /** Recognised global measurements (by SCPECG or MDC code, never by meaning). */
  measurements: EcgMeasurements;
}

/** SCP-ECG lead numbers (also the MDC 2:n term numbers of CID 3001) → lead names. */
const LEAD_BY_NUMBER: Record<number, string> = {
  1: 'I',
  2: 'II',
  3: 'V1',
  4: 'V2',
  5: 'V3',
  6: 'V4',
  7: 'V5',
  8: 'V6',
  9: 'V7',
  10: 'V2R',
  11: 'V3R',
  12: 'V4R',
  13: 'V5R',
  14: 'V6R',
  15: 'V7R',
  16: 'X',
  17: 'Y',
  18: 'Z',
  61: 'III',
  62: 'aVR',
  63: 'aVL',
  64: 'aVF',
  65: '-aVR',
  66: 'V8',
  67: 'V9',
  68: 'V8R',
  69: 'V9R',
};

/** MDC term codes are partition 2 (× 65536) plus the term number; ECG leads start at 0x100. */
const MDC_PARTITION_2 = 2 * 65536;
const MDC_LEAD_BASE = MDC_PARTITION_2 + 0x100;

/**
 * Maps an ECG lead code to its lead name by code value and scheme (never by meaning): SCPECG `5.6.3-9-n`,
 * MDC `2:n`, or MDC decimal `131328 + n` (e.g. `131329` = I, `131389` = III).
 *
 * @param code - the Channel Source code
 * @returns the lead name, or undefined when the code is not a known lead code
 */
export function leadNameFromCode(code: Pick<CodedConcept, 'value' | 'scheme'>): string | undefined {
  const scheme = code.scheme.toUpperCase();
  const value = code.value.trim();
  let n: number | undefined;
  if (scheme === 'SCPECG') {
    const m = /^5\.6\.3-9-(\d+)$/.exec(value);
    if (m) n = Number(m[1]);
  } else if (scheme === 'MDC') {
    const colon = /^2:(\d+)$/.exec(value);
    if (colon) n = Number(colon[1]);
    else if (/^\d+$/.test(value)) {
      const d = Number(value) - MDC_LEAD_BASE;
      if (d >= 0 && d < 256) n = d;
    }
  }
  return n === undefined ? undefined : LEAD_BY_NUMBER[n];
}

type MeasurementKey = keyof EcgMeasurements;

const SCPECG_MEASUREMENTS: Record<string, MeasurementKey> = {
  '5.10.2.1-3': 'RR',
  '5.10.2.1-5': 'PP',
  '5.13.5-7': 'PR',
  '5.13.5-5': 'P',
  '5.13.5-9': 'QRS',
  '5.13.5-11': 'QT',
  '5.10.2.5-5': 'QTc',
  '5.10.3-11': 'PAxis',
  '5.10.3-13': 'QRSAxis',
  '5.10.3-15': 'TAxis',
};

/** CID 3689 ECG Global Waveform Durations (MDC_ECG_TIME_PD_*_GL), term numbers in partition 2. */
const MDC_MEASUREMENTS: Record<number, MeasurementKey> = {
  16000: 'RR',
  16140: 'PP',
  15872: 'PR',
  16184: 'P',
  16156: 'QRS',
  16160: 'QT',
};

function measurementKey(code: CodedConcept): MeasurementKey | undefined {
  const scheme = code.scheme.toUpperCase();
  if (scheme === 'SCPECG') return SCPECG_MEASUREMENTS[code.value.trim()];
  if (scheme === 'MDC') {
    const v = code.value.trim();
    const colon = /^2:(\d+)$/.exec(v);
    const term = colon ? Number(colon[1]) : /^\d+$/.test(v) ? Number(v) - MDC_PARTITION_2 : undefined;
    return term === undefined ? undefined : MDC_MEASUREMENTS[term];
  }
  return undefined;
}

function readCode(ctx: ValueContext, ds: ParserDataSet, sequenceTag: string): CodedConcept | undefined {
  const item = items(ds, sequenceTag)[0];
  if (!item) return undefined;
  const c = itemContext(ctx, item);
  const value =
    firstString(c, item, '00080100') ?? firstString(c, item, '00080119') ?? firstString(c, item, '00080120');
  const scheme = firstString(c, item, '00080102') ?? '';
  if (value === undefined) return undefined;
  return { value, scheme, meaning: firstString(c, item, '00080104'), version: firstString(c, item, '00080103') };
}

const MICROVOLTS_PER_UNIT: Record<string, number> = { uV: 1, µV: 1, UV: 1, mV: 1000, MV: 1000, V: 1e6, nV: 1e-3 };

function sampleReader(view: DataView, bits: number, interpretation: string, le: boolean): (index: number) => number {
  const signed = interpretation.startsWith('S');
  if (bits === 8) return signed ? (i) => view.getInt8(i) : (i) => view.getUint8(i);
  if (bits === 16) return signed ? (i) => view.getInt16(i * 2, le) : (i) => view.getUint16(i * 2, le);
  if (bits === 32) return signed ? (i) => view.getInt32(i * 4, le) : (i) => view.getUint32(i * 4, le);
  throw new DicomError('INVALID_VALUE', `Waveform Bits Allocated ${bits} is not supported`, { tag: '54001004' });
}

function decodeGroup(ds: DicomDataset, ctx: ValueContext, g: ParserDataSet, index: number): EcgGroup {
  const num = (tag: string): number | undefined => firstNumber(ctx, g, tag);
  const channels = num('003A0005');
  const samples = num('003A0010');
  const fs = num('003A001A');
  const bits = num('54001004');
  const interpretation = firstString(ctx, g, '54001006') ?? (bits === 8 ? 'SB' : 'SS');
  const where = `multiplex group ${index + 1}`;
  if (channels === undefined)
    throw new DicomError('MISSING_ATTRIBUTE', `Number of Waveform Channels missing in ${where}`, { tag: '003A0005' });
  if (samples === undefined)
    throw new DicomError('MISSING_ATTRIBUTE', `Number of Waveform Samples missing in ${where}`, { tag: '003A0010' });
  if (fs === undefined || fs <= 0)
    throw new DicomError('MISSING_ATTRIBUTE', `Sampling Frequency missing in ${where}`, { tag: '003A001A' });
  if (bits === undefined)
    throw new DicomError('MISSING_ATTRIBUTE', `Waveform Bits Allocated missing in ${where}`, { tag: '54001004' });
  if (interpretation === 'MB' || interpretation === 'AB') {
    throw new DicomError('INVALID_VALUE', `Sample interpretation ${interpretation} (audio) is not supported`, {
      tag: '54001006',
    });
  }
  const dataEl = g.elements[parserTag('54001010')];
  if (!dataEl) throw new DicomError('MISSING_ATTRIBUTE', `Waveform Data missing in ${where}`, { tag: '54001010' });
  const bytesPerSample = bits / 8;
  const expected = channels * samples * bytesPerSample;
  if (dataEl.length < expected || dataEl.dataOffset + expected > ds.bytes.length) {
    throw new DicomError(
      'INVALID_VALUE',
      `Waveform Data of ${where} holds ${dataEl.length} bytes; channels × samples × bits / 8 = ${expected}`,
      { tag: '54001010' },
    );
  }
  const view = new DataView(ds.bytes.buffer, ds.bytes.byteOffset + dataEl.dataOffset, expected);
  const read = sampleReader(view, bits, interpretation, ctx.littleEndian);
  // (5400,100A) Waveform Padding Value: same encoding as the samples; padded samples become NaN.
  const paddingEl = g.elements[parserTag('5400100A')];
  const paddingValue =
    paddingEl && paddingEl.length >= bytesPerSample
      ? sampleReader(
          new DataView(ds.bytes.buffer, ds.bytes.byteOffset + paddingEl.dataOffset, bytesPerSample),
          bits,
          interpretation,
          ctx.littleEndian,
        )(0)
      : undefined;

  const defs = items(g, '003A0200');
  const leads: EcgLead[] = [];
  for (let c = 0; c < channels; c++) {
    const def = defs[c];
    const dctx = def ? itemContext(ctx, def) : ctx;
    const dnum = (tag: string): number | undefined => (def ? firstNumber(dctx, def, tag) : undefined);
    const code = def ? readCode(dctx, def, '003A0208') : undefined;
    const unitsCode = def ? readCode(dctx, def, '003A0211') : undefined;
    const units = unitsCode?.value;
    const perUnit = units !== undefined ? MICROVOLTS_PER_UNIT[units] : undefined;
    const sensitivity = dnum('003A0210') ?? 1;
    const correctionFactor = dnum('003A0212') ?? 1;
    const baseline = dnum('003A0213') ?? 0;
    const scale = sensitivity * correctionFactor * (perUnit ?? 1);
    const out = new Float32Array(samples);
    for (let s = 0, i = c; s < samples; s++, i += channels) {
      const raw = read(i);
      out[s] = raw === paddingValue ? Number.NaN : (raw + baseline) * scale;
    }
    const standard = code ? leadNameFromCode(code) : undefined;
    const channelLabel = def ? firstString(dctx, def, '003A0203') : undefined;
    leads.push({
      label: standard ?? channelLabel ?? code?.meaning ?? `Channel ${c + 1}`,
      standardLead: standard !== undefined,
      code,
      channel: c + 1,
      microvolts: out,
      isVoltage: perUnit !== undefined,
      units,
      sensitivity,
      correctionFactor,
      baseline,
      microvoltsPerLsb: scale,
      bitsStored: dnum('003A021A'),
      filter: {
        lowHz: dnum('003A0220'),
        highHz: dnum('003A0221'),
        notchHz: dnum('003A0222'),
        notchBandwidthHz: dnum('003A0223'),
      },
    });
  }
  return {
    label: firstString(ctx, g, '003A0020'),
    originality: firstString(ctx, g, '003A0004'),
    samplingFrequency: fs,
    numberOfSamples: samples,
    numberOfChannels: channels,
    bitsAllocated: bits,
    sampleInterpretation: interpretation,
    durationSeconds: samples / fs,
    leads,
  };
}

function decodeAnnotation(ctx: ValueContext, a: ParserDataSet): EcgAnnotation {
  const c = itemContext(ctx, a);
  const has = (tag: string): boolean => a.elements[parserTag(tag)] !== undefined;
  const list = (tag: string): number[] | undefined => (has(tag) ? numbers(c, a, tag) : undefined);
  const text = firstString(c, a, '00700006');
  const concept = readCode(c, a, '0040A043');
  const conceptValue = readCode(c, a, '0040A168');
  const values = list('0040A30A');
  const samplePositions = list('0040A132');
  const timeOffsets = list('0040A138');
  let kind: EcgAnnotation['kind'] = 'other';
  if (text !== undefined) kind = 'text';
  else if (concept && values !== undefined) kind = 'measurement';
  else if (concept && (samplePositions !== undefined || timeOffsets !== undefined || has('0040A13A'))) kind = 'point';
  else if (concept && conceptValue) kind = 'coded';
  return {
    kind,
    group: firstNumber(c, a, '0040A180'),
    text,
    concept,
    conceptValue,
    values,
    unit: readCode(c, a, '004008EA'),
    temporalRangeType: firstString(c, a, '0040A130'),
    samplePositions,
    timeOffsets,
    referencedChannels: list('0040A0B0'),
  };
}

/**
 * Decodes the waveforms and annotations of an ECG object (12-lead, general, ambulatory…; any object with a
 * Waveform Sequence). Samples are interleaved sample by sample (sample s of channel c is value s × channels + c)
 * in the data set's byte order; 8-, 16- and 32-bit signed/unsigned samples are supported.
 *
 * @param ds - a fully parsed data set ({@link parseFull}); a header does not contain the waveform data
 * @returns groups with microvolts per lead, annotations, statements and recognised measurements; throws
 *   `NO_WAVEFORM`, `MISSING_ATTRIBUTE` or `INVALID_VALUE`
 */
export function decodeEcg(ds: DicomDataset): EcgWaveforms {
  const ctx = rootContext(ds);
  const waveformEl = ds.raw.elements[parserTag('54000100')];
  if (!waveformEl || !waveformEl.items) {
    throw new DicomError(
      'NO_WAVEFORM',
      ds.complete
        ? 'This object has no Waveform Sequence'
        : 'The waveform data is not in a header; parse the whole file',
      {
        tag: '54000100',
      },
    );
  }
  const groups = items(ds.raw, '54000100').map((g, i) => decodeGroup(ds, itemContext(ctx, g), g, i));
  const annotations = items(ds.raw, '0040B020').map((a) => decodeAnnotation(ctx, a));
  const measurements: EcgMeasurements = {};
  for (const a of annotations) {
    if (a.kind !== 'measurement' || !a.concept || a.values === undefined || a.values.length === 0) continue;
    const key = measurementKey(a.concept);
    if (key && measurements[key] === undefined) {
      measurements[key] = { value: a.values[0] as number, unit: a.unit?.value, concept: a.concept };
    }
  }
  const statements = annotations.flatMap((a) => (a.kind === 'text' && a.text ? [a.text] : []));
  return { groups, annotations, statements, measurements };
}
