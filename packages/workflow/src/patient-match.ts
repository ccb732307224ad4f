/**
 * Whether a DICOM file belongs to the patient of the referral it is about to join.
 *
 * A file of another patient read as this patient's is a wrong diagnosis for both, so the rule holds a
 * file unless its own identity positively agrees with the referral's patient:
 *
 * - a field present in the file that differs from the patient's record is a mismatch, whichever field it
 *   is. A Patient ID alone differing (name and birth date agreeing) may be another numbering scheme of
 *   the same person, but it may as well be a namesake: it is held too, and the person who knows says so
 *   with an override;
 * - a field missing from the file (or one the record cannot be compared with, such as a Latin name when
 *   the record has no pinyin) is unknown, never a match;
 * - a file with no field that differs and at least one identifying field (ID, name or birth date) that
 *   agrees is a match; one with nothing that agrees is unconfirmed, and held like a mismatch.
 *
 * Names are compared in every component group of the file (alphabetic, ideographic, phonetic),
 * ignoring case, spaces, accents and the `^`/`=` separators; a group in Han characters is compared
 * with the record's Chinese name, a Latin one with its stored pinyin.
 */

/** The identity fields compared, in the order a person reads them. */
export const PATIENT_IDENTITY_FIELDS = ['patientId', 'name', 'sex', 'birthDate'] as const;
/** One compared identity field. */
export type PatientIdentityField = (typeof PATIENT_IDENTITY_FIELDS)[number];

/** A DICOM person name in its component groups (the DICOM JSON model's PN value). */
export interface PersonNameGroups {
  /** e.g. `Wang^Jianguo` */
  Alphabetic?: string;
  /** e.g. `王^建国` */
  Ideographic?: string;
  /** e.g. `おう^けんこく` */
  Phonetic?: string;
}

/** The patient identity a DICOM file carries; every field may be missing. */
export interface FilePatientIdentity {
  /** (0010,0020) PatientID */
  patientId?: string | null;
  /** (0010,0010) PatientName */
  name?: PersonNameGroups | null;
  /** (0010,0040) PatientSex: M, F or O */
  sex?: string | null;
  /** (0010,0030) PatientBirthDate, YYYYMMDD (YYYY-MM-DD accepted) */
  birthDate?: string | null;
}

/** The referral's patient as the record holds it. */
export interface RecordPatientIdentity {
  /** the record number, which is the DICOM PatientID the centre's devices are given */
  mrn: string;
  familyNameZh: string;
  givenNameZh: string;
  /** e.g. `wang jian guo`; empty when not known */
  namePinyin?: string | null;
  /** M, F, O or U (unknown) */
  sex: string;
  /** YYYY-MM-DD */
  birthDate: string;
}

/** The verdict: `held` unless the file is shown to be this patient's and nothing says otherwise. */
export interface PatientMatch {
  verdict: 'match' | 'mismatch' | 'unconfirmed';
  /** true when the file may not join without an override */
  held: boolean;
  /** fields present on both sides that differ */
  differing: PatientIdentityField[];
  /** fields the file lacks or that cannot be compared */
  unknown: PatientIdentityField[];
  /** identifying fields that agree */
  agreeing: PatientIdentityField[];
}

type FieldResult = 'agree' | 'differ' | 'unknown';

const HAN = /\p{Script=Han}/u;
const LATIN = /^[a-z]+$/;

/** Case, accents, spaces and name separators removed; ü and v read alike (pinyin writes ü as v). */
function plain(value: string): string {
  return value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[\s^=,.·'’-]/g, '')
    .replace(/v/g, 'u');
}

function compareId(file: string | null | undefined, record: string): FieldResult {
  const f = file?.trim();
  if (!f) return 'unknown';
  return f.toLowerCase() === record.trim().toLowerCase() ? 'agree' : 'differ';
}

function compareName(file: PersonNameGroups | null | undefined, record: RecordPatientIdentity): FieldResult {
  if (!file) return 'unknown';
  const zh = plain(`${record.familyNameZh}${record.givenNameZh}`);
  const py = record.namePinyin ? plain(record.namePinyin) : '';
  let compared = 0;
  let differ = 0;
  for (const group of [file.Alphabetic, file.Ideographic, file.Phonetic]) {
    if (!group) continue;
    const value = plain(group);
    if (!value) continue;
    if (HAN.test(group)) {
      compared++;
      if (value !== zh) differ++;
    } else if (LATIN.test(value) && py) {
      compared++;
      if (value !== py) differ++;
    }
    // kana, hangul, or Latin with no pinyin on record: nothing to compare with
  }
  if (compared === 0) return 'unknown';
  return differ > 0 ? 'differ' : 'agree';
}

function compareSex(file: string | null | undefined, record: string): FieldResult {
  const f = file?.trim().toUpperCase();
  const r = record.trim().toUpperCase();
  if (!f || !['M', 'F', 'O'].includes(f) || !['M', 'F', 'O'].includes(r)) return 'unknown';
  return f === r ? 'agree' : 'differ';
}

function compareBirthDate(file: string | null | undefined, record: string): FieldResult {
  const f = file?.replace(/[-.]/g, '').trim() ?? '';
  if (!/^\d{8}$/.test(f)) return 'unknown';
  return f === record.replace(/-/g, '') ? 'agree' : 'differ';
}

/**
 * Compares a file's patient identity with the referral's patient.
 *
 * @param file - the identity the file carries
 * @param record - the referral's patient
 * @returns the verdict with the fields that differ, are unknown and agree (field names only, no values)
 */
export function comparePatientIdentity(file: FilePatientIdentity, record: RecordPatientIdentity): PatientMatch {
  const results: Record<PatientIdentityField, FieldResult> = {
    patientId: compareId(file.patientId, record.mrn),
    name: compareName(file.name, record),
    sex: compareSex(file.sex, record.sex),
    birthDate: compareBirthDate(file.birthDate, record.birthDate),
  };
  const pick = (r: FieldResult) => PATIENT_IDENTITY_FIELDS.filter((f) => results[f] === r);
  const differing = pick('differ');
  const unknown = pick('unknown');
  // Sex alone identifies nobody.
  const agreeing = pick('agree').filter((f) => f !== 'sex');
  const verdict = differing.length > 0 ? 'mismatch' : agreeing.length > 0 ? 'match' : 'unconfirmed';
  return { verdict, held: verdict !== 'match', differing, unknown, agreeing };
}

/** The longest override reason kept; a reason is required and said in a sentence, not an essay. */
export const PATIENT_OVERRIDE_REASON_MAX = 500;

/**
 * The override reason as given, trimmed, or null when none (or only blanks) was given.
 *
 * @param reason - what the caller sent
 */
export function patientOverrideReason(reason: string | null | undefined): string | null {
  const r = reason?.trim();
  return r ? r.slice(0, PATIENT_OVERRIDE_REASON_MAX) : null;
}
