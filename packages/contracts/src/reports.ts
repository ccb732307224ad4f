/** A referral's report as the REST API answers it (`/api/referrals/{id}/report…`), and what the reading room sends. */
import type { Disposition } from '@zhiyin/workflow';

/** A coded diagnosis on a report (ICD-10). */
export interface Diagnosis {
  readonly code: string;
  readonly label: string;
}

/** The specialist's confirmed ECG values, as the report keeps them (ms, bpm, degrees). */
export interface EcgReportMeasurements {
  readonly heartRate?: number;
  readonly pr?: number;
  readonly qrs?: number;
  readonly qt?: number;
  readonly qtc?: number;
  readonly axis?: number;
  readonly rhythm?: string;
}

/** An addendum written after the report was signed. */
export interface ReportAddendumView {
  readonly id: string;
  readonly body: string;
  readonly createdAt: string;
  readonly authorId: string;
}

/** The report: `GET /api/referrals/{id}/report` (an empty body while there is none the caller may see). */
export interface ReportView {
  readonly referralId: string;
  readonly authorId: string;
  readonly findings: string;
  readonly impression: string;
  readonly diagnoses: readonly Diagnosis[];
  readonly measurements: EcgReportMeasurements | null;
  readonly disposition: Disposition | null;
  readonly signedBy: string | null;
  readonly signedAt: string | null;
  readonly signerNameZh: string | null;
  readonly signerNameEn: string | null;
  readonly updatedAt: string;
  readonly addenda: readonly ReportAddendumView[];
}

/** `PUT /api/referrals/{id}/report`: the draft as the specialist types (any subset of fields). */
export interface ReportDraftRequest {
  readonly findings?: string;
  readonly impression?: string;
  readonly diagnoses?: readonly Diagnosis[];
  readonly measurements?: EcgReportMeasurements;
  readonly disposition?: Disposition;
}

/** `POST /api/referrals/{id}/report/addenda`. */
export interface AddendumRequest {
  readonly body: string;
}

/** An ICD-10 code as `GET /api/icd10?q=` finds it, with its Chinese and English names. */
export interface Icd10EntryView {
  readonly code: string;
  readonly zh: string;
  readonly en: string;
}
