import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { ecgFileInvalid } from './ecg-file-error.js';
import { scpCodeOf, leadOrder, type EcgRecord, type EcgRecordLead } from './ecg-record.js';

// HL7 aECG (HL7 v3 Annotated ECG, the FDA XML format, ANSI/HL7 V3 ECG R1-2004): the rhythm series'
// sequence set holds one time sequence (GLIST_TS or GLIST_PQ: head and increment) and one SLIST_PQ per
// lead (origin + scale × digits). The median beats (series/derivation) are not read: DICOM keeps them
// as a derived group, and the reader measures on the rhythm.

const MAX_XML_BYTES = 64 * 1024 * 1024;
const bad = (reason: string) => ecgFileInvalid('HL7 aECG', reason);

type Node = Record<string, unknown>;
const ARRAYS = new Set(['component', 'sequence', 'controlVariable', 'series']);

function obj(v: unknown): Node | undefined {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Node) : undefined;
}
function list(v: unknown): Node[] {
  if (Array.isArray(v)) return v.map(obj).filter((x): x is Node => !!x);
  const o = obj(v);
  return o ? [o] : [];
}
function attr(n: Node | undefined, name: string): string | undefined {
  const v = n?.[`@_${name}`];
  return typeof v === 'string' ? v : undefined;
}
function text(v: unknown): string | undefined {
  if (typeof v === 'string') return v.trim() || undefined;
  const o = obj(v);
  const t = o?.['#text'];
  return typeof t === 'string' ? t.trim() || undefined : undefined;
}
function path(n: Node | undefined, ...keys: string[]): Node | undefined {
  let cur = n;
  for (const k of keys) cur = list(cur?.[k])[0];
  return cur;
}

/** A physical quantity in microvolts (aECG scale and origin units: V, mV, uV, nV). */
function microvolts(n: Node | undefined, what: string): number {
  const value = Number(attr(n, 'value'));
  const unit = attr(n, 'unit') ?? '';
  const factor: Record<string, number> = { V: 1e6, mV: 1e3, uV: 1, µV: 1, nV: 1e-3 };
  if (!Number.isFinite(value) || factor[unit] === undefined) throw bad(`the ${what} is not a voltage.`);
  return value * factor[unit];
}

/** The sampling interval in seconds, from the time sequence's increment (s or ms). */
function seconds(n: Node | undefined): number {
  const value = Number(attr(n, 'value'));
  const unit = attr(n, 'unit') ?? 's';
  const factor: Record<string, number> = { s: 1, ms: 1e-3, us: 1e-6 };
  if (!(value > 0) || factor[unit] === undefined) throw bad('the time sequence has no usable increment.');
  return value * factor[unit];
}

function dateTime(v: string | undefined): string | undefined {
  const m = v ? /^(\d{8})(\d{6})?/.exec(v) : null;
  return m ? m[1]! + (m[2] ?? '') : undefined;
}

function digits(raw: string | undefined, lead: string): Int32Array {
  if (!raw) throw bad(`lead ${lead} has no samples.`);
  const parts = raw.trim().split(/\s+/);
  const out = new Int32Array(parts.length);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (!/^-?\d{1,9}$/.test(p)) throw bad(`lead ${lead} has a sample that is not an integer.`);
    out[i] = Number(p);
  }
  return out;
}

function filters(series: Node): EcgRecord['filters'] {
  const out: EcgRecord['filters'] = {};
  for (const cv of list(series.controlVariable)) {
    const inner = path(cv, 'controlVariable');
    const code = attr(path(inner, 'code'), 'code');
    const cutoff = Number(attr(path(inner, 'component', 'controlVariable', 'value'), 'value'));
    if (!Number.isFinite(cutoff)) continue;
    if (code === 'MDC_ATTR_FILTER_LOW_PASS') out.highHz = cutoff;
    else if (code === 'MDC_ATTR_FILTER_HIGH_PASS') out.lowHz = cutoff;
    else if (code === 'MDC_ATTR_FILTER_NOTCH') out.notchHz = cutoff;
  }
  return out;
}

/**
 * Decodes an HL7 aECG file: the rhythm leads as integer samples with their resolution, the sampling rate,
 * the acquisition time and what the file says of the patient and the device. Throws ECG_FILE_INVALID
 * with the reason for anything that is not a well-formed aECG with equally long leads.
 */
export function decodeAecg(bytes: Buffer): EcgRecord {
  if (bytes.length > MAX_XML_BYTES) throw bad(`it is larger than ${MAX_XML_BYTES} bytes.`);
  const xml = bytes.toString('utf8');
  const valid = XMLValidator.validate(xml);
  if (valid !== true) throw bad(`the XML is not well-formed (line ${valid.err.line}: ${valid.err.msg}).`);
  let doc: Node;
  try {
    doc = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: '@_',
      removeNSPrefix: true,
      // No entity expansion: an aECG needs none, and expanding them is how XML bombs work.
      processEntities: false,
      parseTagValue: false,
      parseAttributeValue: false,
      isArray: (name) => ARRAYS.has(name),
    }).parse(xml) as Node;
  } catch {
    throw bad('the XML cannot be parsed.');
  }
  const root = obj(doc.AnnotatedECG);
  if (!root) throw bad('its root element is not AnnotatedECG.');

  const allSeries = list(root.component).flatMap((c) => list(c.series));
  const series = allSeries.find((s) => attr(path(s, 'code'), 'code') === 'RHYTHM') ?? allSeries[0];
  if (!series) throw bad('it has no series of waveforms.');
  const sequences = list(series.component)
    .flatMap((c) => list(c.sequenceSet))
    .flatMap((set) => list(set.component))
    .flatMap((c) => list(c.sequence));
  let intervalS: number | undefined;
  let head: string | undefined;
  const leads: EcgRecordLead[] = [];
  for (const seq of sequences) {
    const code = attr(path(seq, 'code'), 'code') ?? '';
    const value = path(seq, 'value');
    if (code === 'TIME_ABSOLUTE' || code === 'TIME_RELATIVE') {
      intervalS = seconds(path(value, 'increment'));
      head = attr(path(value, 'head'), 'value');
      continue;
    }
    const m = /^MDC_ECG_LEAD_(.+)$/i.exec(code);
    if (!m) continue;
    const name = m[1]!;
    const scpCode = scpCodeOf(name);
    if (scpCode === undefined) throw bad(`lead ${name.slice(0, 20)} is not a lead Zhiyin knows.`);
    if (leads.some((l) => l.scpCode === scpCode)) throw bad(`lead ${name} appears twice.`);
    const scale = microvolts(path(value, 'scale'), `scale of lead ${name}`);
    if (!(scale > 0)) throw bad(`the scale of lead ${name} is not positive.`);
    const origin = value?.origin === undefined ? 0 : microvolts(path(value, 'origin'), `origin of lead ${name}`);
    leads.push({
      label: name.toUpperCase().startsWith('AV') ? `aV${name.slice(2).toUpperCase()}` : name.toUpperCase(),
      scpCode,
      samples: digits(text(value?.digits), name),
      microvoltsPerLsb: scale,
      originMicrovolts: origin,
    });
  }
  if (intervalS === undefined) throw bad('it has no time sequence (TIME_ABSOLUTE or TIME_RELATIVE).');
  if (leads.length === 0) throw bad('it has no ECG leads.');
  const sampleCount = leads[0]!.samples.length;
  if (leads.some((l) => l.samples.length !== sampleCount)) throw bad('its leads have different numbers of samples.');
  const sampleRateHz = Math.round((1 / intervalS) * 1000) / 1000;

  const subject = path(
    root,
    'componentOf',
    'timepointEvent',
    'componentOf',
    'subjectAssignment',
    'subject',
    'trialSubject',
  );
  const person = path(subject, 'subjectDemographicPerson');
  const name = path(person, 'name');
  const sex = attr(path(person, 'administrativeGenderCode'), 'code');
  const model = text(path(series, 'author', 'seriesAuthor', 'manufacturedSeriesDevice')?.manufacturerModelName);
  const maker = text(path(series, 'author', 'seriesAuthor', 'manufacturerOrganization')?.name);
  return {
    format: 'aecg',
    sampleRateHz,
    sampleCount,
    leads: leads.sort(leadOrder),
    acquiredAt: dateTime(attr(path(root, 'effectiveTime', 'low'), 'value')) ?? dateTime(head),
    patient: {
      id: attr(path(subject, 'id'), 'extension'),
      familyName: text(name?.family),
      givenName: text(name?.given),
      birthDate: dateTime(attr(path(person, 'birthTime'), 'value'))?.slice(0, 8),
      sex: sex === 'M' || sex === 'F' ? sex : undefined,
    },
    filters: filters(series),
    device: { manufacturer: maker, model },
  };
}
