import type { Disposition, Label } from '@zhiyin/workflow';
import type { AeCharacterSet } from './admin.js';

// Answers outside the referral screens: health, the gateway's token and worklist, and the patient's own decision.

/** `GET /api/health`: 200 with `ok`, 503 with `unavailable` when the database does not answer. */
export interface HealthView {
  status: 'ok' | 'unavailable';
  database: 'up' | 'down';
  /** how long the database took to answer, when it did */
  databaseLatencyMs?: number;
}

/** `POST /api/auth/service-token`: a gateway's access token for its centre (renewed before `expiresIn` seconds). */
export interface ServiceTokenView {
  accessToken: string;
  expiresIn: number;
  tokenType: 'Bearer';
}

/** A referral that needs an acquisition, as a scheduled procedure step of the centre's modality worklist. */
export interface ScheduledStepView {
  referralId: string;
  /** the referral number, which is the Accession Number */
  number: string;
  patientId: string;
  mrn: string;
  familyName: string;
  givenName: string;
  /** YYYYMMDD */
  birthDate: string;
  sex: string;
  modality: string;
  /** YYYYMMDD */
  scheduledDate: string;
  /** HHMMSS */
  scheduledTime: string;
}

/** `GET /api/gateway/worklist`: the centre's steps and the character set each of its modality AEs is answered in. */
export interface GatewayWorklistView {
  items: ScheduledStepView[];
  aes: { aeTitle: string; characterSet: AeCharacterSet }[];
}

/** `GET /api/me/decision`: the latest decision both doctors signed, in plain words for the patient (404 before). */
export interface PatientDecisionView {
  referralId: string;
  number: string;
  version: number;
  disposition: Disposition;
  dispositionLabel: Label;
  where: Label;
  address: string | null;
  appointment: { at: string; department: string | null; place: string | null } | null;
  diagnosis: string;
  medications: { name: string; dose: string; route: string; frequency: string; duration: string }[];
  tests: string | null;
  followUp: string | null;
  instructions: string | null;
  bring: string | null;
  warningSigns: string | null;
  seekHelpNow: Label;
  acknowledged: boolean;
  acknowledgedAt: string | null;
}
