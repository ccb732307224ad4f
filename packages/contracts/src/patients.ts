/** A patient record as the REST API answers it (`/api/patients…`), and the bodies that register and edit one. */
import type { PatientSex } from './referrals.js';

/** A patient record: `GET /api/patients/{id}`, a row of `GET /api/patients`. */
export interface PatientView {
  readonly id: string;
  readonly homeFacilityId: string;
  /** medical record number at the home facility */
  readonly mrn: string;
  readonly familyNameZh: string;
  readonly givenNameZh: string;
  readonly namePinyin: string;
  readonly sex: PatientSex;
  /** YYYY-MM-DD */
  readonly birthDate: string;
  readonly phone: string | null;
  /** the resident ID card number, masked; null when none is recorded */
  readonly nationalIdMasked: string | null;
  /** coordinator only: another centre holds a patient with the same national ID */
  readonly possibleDuplicate?: boolean;
  readonly version: number;
  readonly createdAt: string;
  readonly updatedAt: string;
}

/** A page of patients: `GET /api/patients`. */
export interface PatientListView {
  readonly items: readonly PatientView[];
  readonly total: number;
}

/** `POST /api/patients` (mrn, names, sex and birth date required there) and the fields `PATCH` may change. */
export interface PatientInput {
  readonly mrn?: string;
  readonly familyNameZh?: string;
  readonly givenNameZh?: string;
  /** generated from the Chinese name when omitted */
  readonly namePinyin?: string;
  readonly sex?: PatientSex;
  readonly birthDate?: string;
  readonly phone?: string;
  /** stored encrypted, shown masked */
  readonly nationalId?: string;
}

/** `PATCH /api/patients/{id}`: the fields to change and the version read (a stale one is refused). */
export interface PatientUpdateRequest extends Omit<PatientInput, 'mrn'> {
  readonly version: number;
}

/** `POST /api/patients/{id}/access-codes`: the code the patient signs in with, shown this once. */
export interface PatientAccessCodeView {
  readonly code: string;
  readonly expiresAt: string;
}
