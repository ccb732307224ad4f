/** A referral's joint treatment plan as the REST API answers it (`/api/referrals/{id}/plan…`), and its bodies. */
import type { Disposition, Role } from '@zhiyin/workflow';
import type { PlanSignerRole } from './referrals.js';

/** One medicine of the plan. */
export interface Medication {
  readonly name: string;
  readonly dose: string;
  readonly route: string;
  readonly frequency: string;
  readonly duration: string;
}

/** What the plan says, as the doctors wrote it; `appointmentPlace` is the coordinator's booking. */
export interface PlanContentView {
  readonly diagnosis: string;
  readonly medications: readonly Medication[];
  readonly tests?: string | null;
  readonly followUp?: string | null;
  readonly whereTreated?: string | null;
  readonly instructions?: string | null;
  readonly warningSigns?: string | null;
  readonly bring?: string | null;
  readonly appointmentPlace?: string | null;
}

/** A signature on a plan version. */
export interface PlanSignatureView {
  readonly role: PlanSignerRole;
  readonly userId: string;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly at: string;
}

/** One version of the plan, with who wrote it and who signed it. */
export interface PlanVersionView {
  readonly version: number;
  readonly content: PlanContentView;
  readonly disposition: Disposition;
  readonly hubAppointment: { readonly at: string; readonly department: string | null } | null;
  readonly changedBy: { readonly id: string; readonly role: Role; readonly nameZh: string; readonly nameEn: string };
  readonly changedAt: string;
  readonly signatures: readonly PlanSignatureView[];
}

/** The plan: `GET /api/referrals/{id}/plan`, and the answer of every plan step. */
export interface PlanView {
  /** the latest version; null while none was proposed */
  readonly current: PlanVersionView | null;
  /** both doctors signed the current version */
  readonly agreed: boolean;
  readonly versions: readonly PlanVersionView[];
}

/** A hub appointment as the coordinator books it (`POST …/plan/appointment`) or a plan proposes it. */
export interface HubAppointmentRequest {
  readonly at: string;
  readonly department: string;
  readonly place?: string;
}

/** `POST /api/referrals/{id}/plan`: proposes the plan, or revises it (a new version; signatures start again). */
export interface PlanInput {
  readonly content: Omit<PlanContentView, 'appointmentPlace'>;
  readonly disposition: Disposition;
  readonly hubAppointment?: HubAppointmentRequest;
}

/** `POST /api/referrals/{id}/plan/sign`: the version the caller read and signs. */
export interface SignPlanRequest {
  readonly version: number;
}
