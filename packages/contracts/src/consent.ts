/** The patient's consent to remote diagnosis, as a referral records it. */

/** How the patient consented to remote diagnosis: a signed form (photographed or scanned), or verbally. */
export const CONSENT_KINDS = ['form', 'verbal'] as const;
/** One of {@link CONSENT_KINDS}. */
export type ConsentKind = (typeof CONSENT_KINDS)[number];

/** The file types a signed consent form may be uploaded as. */
export const CONSENT_FORM_MEDIA_TYPES = ['image/jpeg', 'image/png', 'application/pdf'] as const;
/** One of {@link CONSENT_FORM_MEDIA_TYPES}. */
export type ConsentFormMediaType = (typeof CONSENT_FORM_MEDIA_TYPES)[number];

/** The largest consent form accepted (a phone photo of an A4 page fits well under it). */
export const CONSENT_FORM_MAX_BYTES = 10 * 1024 * 1024;

/** `POST /api/referrals/{id}/consent/verbal`: consent given aloud before a witness. */
export interface RecordVerbalConsentRequest {
  /** Who witnessed it (a nurse, a relative…), as they sign their name. */
  readonly witnessName: string;
  /** When the patient consented (ISO 8601), not in the future. */
  readonly consentedAt: string;
}

/**
 * The patient's consent on a referral, as the referral detail (`consent`) and `GET …/consent` return it. The
 * signed form itself is read from `GET …/consent/form`.
 */
export interface ConsentView {
  readonly kind: ConsentKind;
  /** Verbal consent: the witness; null for a form. */
  readonly witnessName: string | null;
  /** Verbal consent: when it was given; null for a form. */
  readonly consentedAt: string | null;
  /** A form: its file type and size; null for verbal consent. */
  readonly form: { readonly mediaType: ConsentFormMediaType; readonly sizeBytes: number } | null;
  /** The doctor who recorded it, and when. */
  readonly recordedBy: { readonly id: string; readonly nameZh: string | null; readonly nameEn: string | null };
  readonly recordedAt: string;
}
