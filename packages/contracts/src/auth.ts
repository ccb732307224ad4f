/**
 * Signing in and the session: staff with a password (and a second factor where it applies), patients with the
 * one-time code handed to them. The refresh token never appears in a body: it travels in an HttpOnly cookie.
 */
import type { Role, Specialty } from '@zhiyin/workflow';

/** Whoever is signed in, as the session and `GET /api/auth/me` describe them. */
export interface SessionUserView {
  /** the user id, or the patient id for role `patient` */
  readonly id: string;
  readonly role: Exclude<Role, 'system'>;
  readonly facilityId: string | null;
  readonly specialty: Specialty | null;
  readonly readingCentreId: string | null;
  readonly displayNameZh: string;
  readonly displayNameEn: string;
}

/** A started (or renewed) session: a short-lived access token for the `Authorization` header. */
export interface SessionView {
  readonly accessToken: string;
  /** seconds */
  readonly expiresIn: number;
  readonly user: SessionUserView;
}

/** `POST /api/auth/login`. */
export interface LoginRequest {
  readonly username: string;
  readonly password: string;
}

/** `POST /api/auth/patient-login`: the code handed to the patient and their birth date (YYYY-MM-DD). */
export interface PatientLoginRequest {
  readonly code: string;
  readonly birthDate: string;
}

/** The answer to a right password when a second factor applies (POST /api/auth/login). */
export interface SecondFactorChallenge {
  /** verify: send a TOTP or recovery code; enroll: the role requires a second factor, set one up first */
  readonly secondFactor: 'verify' | 'enroll';
  /** sent back with the code to /api/auth/second-factor/verify or .../challenge-enrolment */
  readonly challengeToken: string;
  /** seconds */
  readonly expiresIn: number;
}

/** A TOTP secret being set up (RFC 6238); active only after a right code from it is confirmed. */
export interface TotpEnrolment {
  /** otpauth://totp/... for an authenticator app */
  readonly otpauthUri: string;
  /** the same URI as a QR code, an SVG data URL */
  readonly qrCode: string;
  /** the Base32 secret, for typing into an app that cannot scan */
  readonly secret: string;
}

/** A user's own second factor (GET /api/auth/second-factor). */
export interface SecondFactorStatus {
  readonly enabled: boolean;
  /** the user's role requires it: it cannot be turned off */
  readonly required: boolean;
  readonly recoveryCodesLeft: number;
}

/** `POST /api/auth/login`: a session, or (a second factor applies) the challenge to answer first. */
export type SignInAnswer = SessionView | SecondFactorChallenge;

/** Second-factor calls that carry the sign-in's challenge (`…/challenge-enrolment`). */
export interface SecondFactorChallengeRequest {
  /** from the sign-in answer */
  readonly challengeToken: string;
}

/** `POST /api/auth/second-factor/verify` and `…/challenge-enrolment/confirm`: the challenge and a code. */
export interface SecondFactorChallengeCodeRequest extends SecondFactorChallengeRequest {
  /** the 6-digit code of the authenticator app, or a recovery code */
  readonly code: string;
}

/** A signed-in user's own second-factor calls (confirm, disable, new recovery codes): a code. */
export interface SecondFactorCodeRequest {
  readonly code: string;
}

/** New recovery codes, shown this once (`…/enrolment/confirm`, `…/recovery-codes`). */
export interface RecoveryCodesView {
  readonly recoveryCodes: readonly string[];
}

/** The end of an enrolment forced at sign-in: the session, and the recovery codes shown this once. */
export type EnrolledSessionView = SessionView & RecoveryCodesView;
