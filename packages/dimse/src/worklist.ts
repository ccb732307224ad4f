import type { ScheduledStepView } from '@zhiyin/contracts';
import type { Charset, Element } from './identifier-writer.js';

/**
 * One scheduled procedure step: an open referral of a community centre that still needs its acquisition. The hub
 * reads them from its database; the gateway keeps the hub's list (GET /api/gateway/worklist, the contracts'
 * GatewayWorklistView) and answers from it. The one type of the contracts, not a copy.
 */
export type ScheduledStep = ScheduledStepView;

/** The matching keys of a Modality Worklist C-FIND identifier Zhiyin matches on; absent matches everything. */
export interface WorklistKeys {
  accessionNumber?: string;
  patientId?: string;
  modality?: string;
  /** YYYYMMDD, inclusive */
  from?: string;
  /** YYYYMMDD, inclusive */
  to?: string;
  /** Scheduled Station AE Title: every step of a centre is scheduled for each of its stations */
  stationAeTitle?: string;
}

type Naturalized = Record<string, unknown>;

const DATE_RANGE = /^(\d{8})?(?:(-)(\d{8})?)?$/;
const validDate = (d: string) => {
  const t = Date.UTC(+d.slice(0, 4), +d.slice(4, 6) - 1, +d.slice(6, 8));
  return new Date(t).toISOString().slice(0, 10).replace(/-/g, '') === d;
};
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

class MalformedKey extends Error {}

// A matching key: absent, empty or "*" matches everything (PS3.4 C.2.2.2); otherwise a string value of its pattern.
function key(v: unknown, pattern: RegExp): string | undefined {
  const x = first(v);
  if (x === undefined || x === null || x === '') return undefined;
  if (typeof x !== 'string') throw new MalformedKey();
  const s = x.trim();
  if (s === '' || s === '*') return undefined;
  if (!pattern.test(s)) throw new MalformedKey();
  return s;
}

/**
 * Reads the matching keys of a Modality Worklist C-FIND identifier (PS3.4 K.6.1.2): Accession Number, Patient ID,
 * and in the Scheduled Procedure Step Sequence the Modality, the Scheduled Station AE Title and the start date or
 * date range (PS3.4 C.2.2.2.5). A key of another type, or a value outside its VR (the hub puts them into SQL
 * parameters, the gateway compares them), makes the whole identifier malformed.
 *
 * @param identifier - the request identifier, naturalised by dcmjs-dimse
 * @returns the keys, or 'malformed' (answered 0xA900)
 */
export function parseWorklistKeys(identifier: Naturalized): WorklistKeys | 'malformed' {
  try {
    const sps = (first(identifier.ScheduledProcedureStepSequence) ?? {}) as Naturalized;
    if (typeof sps !== 'object') throw new MalformedKey();
    const dates = key(sps.ScheduledProcedureStepStartDate, DATE_RANGE);
    const [, from, dash, to] = dates ? DATE_RANGE.exec(dates)! : [];
    if ((from && !validDate(from)) || (to && !validDate(to)) || (dates && !from && !to)) throw new MalformedKey();
    return {
      modality: key(sps.Modality, /^[A-Z0-9_ ]{1,16}$/),
      from,
      to: dash ? to : from,
      accessionNumber: key(identifier.AccessionNumber, /^[\x20-\x7e]{1,16}$/),
      patientId: key(identifier.PatientID, /^[^\\]{1,64}$/),
      stationAeTitle: key(sps.ScheduledStationAETitle, /^[\x20-\x5b\x5d-\x7e]{1,16}$/),
    };
  } catch (e) {
    if (e instanceof MalformedKey) return 'malformed';
    throw e;
  }
}

/**
 * Whether the steps scheduled for a station can match: another station's title matches none.
 *
 * @param keys - the parsed keys
 * @param aeTitle - the calling station's AE title
 */
export function forStation(keys: WorklistKeys, aeTitle: string): boolean {
  return !keys.stationAeTitle || keys.stationAeTitle === aeTitle;
}

/**
 * The steps that match the keys, in the list's order: what the hub's worklist query selects, in memory (the
 * gateway answers from its copy of the list).
 *
 * @param steps - the centre's scheduled steps
 * @param keys - the parsed keys
 * @param aeTitle - the calling station's AE title
 */
export function matchWorklist(steps: readonly ScheduledStep[], keys: WorklistKeys, aeTitle: string): ScheduledStep[] {
  if (!forStation(keys, aeTitle)) return [];
  return steps.filter(
    (s) =>
      (!keys.accessionNumber || s.number === keys.accessionNumber) &&
      (!keys.patientId || s.mrn === keys.patientId) &&
      (!keys.modality || s.modality === keys.modality) &&
      (!keys.from || s.scheduledDate >= keys.from) &&
      (!keys.to || s.scheduledDate <= keys.to),
  );
}

/**
 * The Study Instance UID a step's acquisition is to use: derived from the referral's id (a UUID-derived UID,
 * PS3.5 B.2), so that the hub and the gateway hand a modality the same one.
 *
 * @param referralId - the referral's UUID
 */
export const studyUidOf = (referralId: string): string =>
  `2.25.${BigInt(`0x${referralId.replace(/-/g, '')}`).toString()}`;

/**
 * The response identifier for one matching step: the return keys the query asked for (PS3.4 C.2.2.1.2), plus
 * Specific Character Set; to be encoded with `writeIdentifier` in that character set.
 *
 * @param s - the matching step
 * @param identifier - the request identifier (its keys say which attributes to return)
 * @param station - the calling station's AE title and the character set it reads
 */
export function worklistAnswer(
  s: ScheduledStep,
  identifier: Naturalized,
  station: { aeTitle: string; characterSet: Charset },
): Element[] {
  const asked = new Set(Object.keys(identifier));
  const sps = (first(identifier.ScheduledProcedureStepSequence) ?? {}) as Naturalized;
  const askedSps = new Set(typeof sps === 'object' ? Object.keys(sps) : []);
  const top: [string, Element][] = [
    ['AccessionNumber', { tag: 0x00080050, vr: 'SH', value: s.number }],
    ['PatientName', { tag: 0x00100010, vr: 'PN', value: `${s.familyName}^${s.givenName}` }],
    ['PatientID', { tag: 0x00100020, vr: 'LO', value: s.mrn }],
    ['PatientBirthDate', { tag: 0x00100030, vr: 'DA', value: s.birthDate }],
    ['PatientSex', { tag: 0x00100040, vr: 'CS', value: s.sex }],
    ['StudyInstanceUID', { tag: 0x0020000d, vr: 'UI', value: studyUidOf(s.referralId) }],
    ['RequestedProcedureID', { tag: 0x00401001, vr: 'SH', value: s.number }],
    ['RequestedProcedureDescription', { tag: 0x00321060, vr: 'LO', value: s.modality }],
  ];
  const item: [string, Element][] = [
    ['Modality', { tag: 0x00080060, vr: 'CS', value: s.modality }],
    ['ScheduledStationAETitle', { tag: 0x00400001, vr: 'AE', value: station.aeTitle }],
    ['ScheduledProcedureStepStartDate', { tag: 0x00400002, vr: 'DA', value: s.scheduledDate }],
    ['ScheduledProcedureStepStartTime', { tag: 0x00400003, vr: 'TM', value: s.scheduledTime }],
    ['ScheduledProcedureStepID', { tag: 0x00400009, vr: 'SH', value: s.number }],
    ['ScheduledProcedureStepDescription', { tag: 0x00400007, vr: 'LO', value: s.modality }],
  ];
  const out: Element[] = [{ tag: 0x00080005, vr: 'CS', value: station.characterSet }];
  for (const [name, e] of top) if (asked.has(name)) out.push(e);
  if (asked.has('ScheduledProcedureStepSequence'))
    out.push({ tag: 0x00400100, vr: 'SQ', items: [item.filter(([n]) => askedSps.has(n)).map(([, e]) => e)] });
  return out;
}
