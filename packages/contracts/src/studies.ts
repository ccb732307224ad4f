/** A study's patient identity, and a referral's studies as the API lists them. */

/** A patient's identity as a DICOM file carries it or as the referral's patient record holds it. */
export interface PatientIdentityView {
  /** the file's PatientID, or the record number (MRN) */
  readonly patientId: string | null;
  /** as the file writes it (`Wang^Jianguo=王^建国`), or the record's Chinese name */
  readonly name: string | null;
  /** the record's pinyin (record side only) */
  readonly namePinyin?: string | null;
  readonly sex: string | null;
  /** YYYY-MM-DD */
  readonly birthDate: string | null;
}

/** Identity fields compared before a file joins a referral (the rule is `comparePatientIdentity`). */
export type PatientIdentityFieldName = 'patientId' | 'name' | 'sex' | 'birthDate';

/**
 * `details` of a `PATIENT_MISMATCH` refusal (409): the file's patient is not shown to be the referral's patient.
 * Send it again with an override and a reason (`X-Zhiyin-Patient-Override` on STOW-RS, `patientOverride` in
 * the tus upload's metadata, `patientOverrideReason` when attaching) to let it join all the same.
 */
export interface PatientMismatchDetails {
  readonly referralId: string;
  readonly referralNumber: string;
  /** `mismatch`: a field differs; `unconfirmed`: nothing in the file identifies the patient */
  readonly verdict: 'mismatch' | 'unconfirmed';
  readonly differing: readonly PatientIdentityFieldName[];
  readonly unknown: readonly PatientIdentityFieldName[];
  readonly file: PatientIdentityView & {
    readonly studyInstanceUid: string;
    /** when the file was recorded: acquisition date-time, else study date and time (ISO-like, local to the device) */
    readonly acquiredAt: string | null;
  };
  readonly patient: PatientIdentityView;
}

/** A confirmation that a file of another identity is this referral's patient's, kept on the study's link. */
export interface PatientOverrideView {
  readonly reason: string;
  readonly differing: readonly PatientIdentityFieldName[];
  readonly by: string;
  readonly byName: string | null;
  readonly at: string;
}

/** One study of a referral as `GET /api/referrals/:id` lists it, with the file's own identity beside the record's. */
export interface ReferralStudyView {
  readonly studyInstanceUid: string;
  readonly modalities: readonly string[];
  readonly seriesCount: number;
  readonly instanceCount: number;
  readonly studyDate: string | null;
  readonly studyTime: string | null;
  readonly studyDescription: string | null;
  /** when the file was recorded: acquisition date-time, else study date and time */
  readonly acquiredAt: string | null;
  /** the patient the file itself names */
  readonly filePatient: PatientIdentityView;
  /** the comparison with the referral's patient */
  readonly identity: {
    readonly verdict: 'match' | 'mismatch' | 'unconfirmed';
    readonly differing: readonly PatientIdentityFieldName[];
  };
  readonly override: PatientOverrideView | null;
  /** Manufacturer, ManufacturerModelName, StationName, InstitutionName of its first series, when recorded */
  readonly device: {
    readonly manufacturer: string | null;
    readonly model: string | null;
    readonly station: string | null;
    readonly institution: string | null;
  };
  /** the centre that sent it */
  readonly sendingCentre: { readonly id: string; readonly nameZh: string; readonly nameEn: string };
  /** whole days between the study date and now; null when the file has no date */
  readonly ageDays: number | null;
  /** older than the network's `STUDY_MAX_AGE_DAYS` */
  readonly old: boolean;
  readonly maxAgeDays: number;
}

/** Whose study it is on file (`GET /api/studies/:studyUid/filing`): the patient record and referral it joined. */
export interface StudyFiling {
  readonly studyInstanceUid: string;
  /** the patient record the study is filed under; null while it joined none */
  readonly patient: {
    readonly id: string;
    readonly mrn: string;
    readonly nameZh: string;
    readonly namePinyin: string;
    readonly sex: string;
    readonly birthDate: string;
  } | null;
  readonly referral: { readonly id: string; readonly number: string } | null;
  /** the patient the file itself names */
  readonly filePatient: PatientIdentityView;
  /** the file's patient compared with the record's (null without a record) */
  readonly identity: {
    readonly verdict: 'match' | 'mismatch' | 'unconfirmed';
    readonly differing: readonly PatientIdentityFieldName[];
  } | null;
}

/**
 * `GET /api/referrals/{id}/first-image`: the image the reading room opens the case on (frame 1 of the first image
 * of the first series, in slice order), rendered as PNG with the image's own window — the same bytes as WADO-RS
 * `…/instances/{uid}/frames/1/rendered` with `Accept: image/png` — and these headers naming it. 204 when the case
 * has no image to draw first (an ECG, a document).
 */
export const CASE_FIRST_IMAGE_HEADERS = {
  study: 'X-Study-Instance-UID',
  series: 'X-Series-Instance-UID',
  instance: 'X-SOP-Instance-UID',
} as const;
