// What sign-in needs from the patients module, as interfaces of its own: auth imports nothing from patients
// (which uses auth's token hashing and session revocation), and the app module binds these to the patients'
// repository.

/** A patient as their sign-in sees them: who, which centre, the birth date they confirm, the name shown. */
export interface PatientSignInRecord {
  id: string;
  homeFacilityId: string;
  /** YYYY-MM-DD */
  birthDate: string;
  familyNameZh: string;
  givenNameZh: string;
  namePinyin: string;
}

/** A one-time access code a community doctor handed to the patient. */
export interface PatientAccessCodeRecord {
  id: string;
  patientId: string;
  revokedAt: Date | null;
  expiresAt: Date;
}

/**
 * Reads patients and their access codes for sign-in, refresh, sign-out and "me"; `tx` is the caller's open
 * transaction when it has one (a refresh reads the code under the lock of its refresh token).
 */
export interface PatientSignIn<Tx> {
  patient(id: string, tx?: Tx): Promise<PatientSignInRecord | null>;
  accessCode(id: string, tx?: Tx): Promise<PatientAccessCodeRecord | null>;
}
export const PATIENT_SIGN_IN = Symbol('PATIENT_SIGN_IN');
