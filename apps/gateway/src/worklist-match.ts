import type { ScheduledStep } from './worklist-cache.js';

type Naturalized = Record<string, unknown>;
// never a value of any key (they are printable and at most 64 characters long)
const MALFORMED = '\u0000malformed';
const first = (v: unknown): unknown => (Array.isArray(v) ? v[0] : v);

// A matching key: absent, empty or "*" matches everything (PS3.4 C.2.2.2); otherwise a string value of its pattern.
function key(v: unknown, pattern: RegExp): string | undefined {
  const x = first(v);
  if (x === undefined || x === null || x === '') return undefined;
  if (typeof x !== 'string') return MALFORMED;
  const s = x.trim();
  if (s === '' || s === '*') return undefined;
  return pattern.test(s) ? s : MALFORMED;
}

/**
 * The cached worklist's steps that match a Modality Worklist C-FIND identifier (PS3.4 K.6.1: accession, patient ID,
 * modality, scheduled date or date range), as the response identifiers; 'malformed' for a key that cannot be read.
 */
export function matchWorklist(steps: ScheduledStep[], identifier: Naturalized): Naturalized[] | 'malformed' {
  const sps = (first(identifier.ScheduledProcedureStepSequence) ?? {}) as Naturalized;
  if (typeof sps !== 'object') return 'malformed';
  const accession = key(identifier.AccessionNumber, /^[\x20-\x7e]{1,16}$/);
  const patientId = key(identifier.PatientID, /^[^\\]{1,64}$/);
  const modality = key(sps.Modality, /^[A-Z0-9_ ]{1,16}$/);
  const dates = key(sps.ScheduledProcedureStepStartDate, /^(\d{8})?(-)?(\d{8})?$/);
  if ([accession, patientId, modality, dates].includes(MALFORMED)) return 'malformed';
  const [, from, dash, to] = dates ? /^(\d{8})?(-)?(\d{8})?$/.exec(dates)! : [];
  const until = dash ? to : from;
  return steps
    .filter(
      (s) =>
        (!accession || s.number === accession) &&
        (!patientId || s.mrn === patientId) &&
        (!modality || s.modality === modality) &&
        (!from || s.scheduledDate >= from) &&
        (!until || s.scheduledDate <= until),
    )
    .map((s) => ({
      SpecificCharacterSet: 'ISO_IR 192',
      AccessionNumber: s.number,
      PatientID: s.mrn,
      PatientName: `${s.familyName}^${s.givenName}`,
      PatientBirthDate: s.birthDate,
      PatientSex: s.sex,
      RequestedProcedureID: s.number,
      ScheduledProcedureStepSequence: [
        {
          Modality: s.modality,
          ScheduledProcedureStepStartDate: s.scheduledDate,
          ScheduledProcedureStepStartTime: s.scheduledTime,
          ScheduledProcedureStepID: s.number,
        },
      ],
    }));
}
