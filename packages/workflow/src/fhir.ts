import type { ReferralSnapshot } from './types.js';
import type { ReferralState } from './vocabulary.js';

/** FHIR R4 `ServiceRequest.status` codes (value set request-status). */
export const FHIR_SERVICE_REQUEST_STATUSES = [
  'draft',
  'active',
  'on-hold',
  'revoked',
  'completed',
  'entered-in-error',
  'unknown',
] as const;
/** A FHIR R4 `ServiceRequest.status` code. */
export type FhirServiceRequestStatus = (typeof FHIR_SERVICE_REQUEST_STATUSES)[number];

/** FHIR R4 `Task.status` codes (value set task-status). */
export const FHIR_TASK_STATUSES = [
  'draft',
  'requested',
  'received',
  'accepted',
  'rejected',
  'ready',
  'cancelled',
  'in-progress',
  'on-hold',
  'failed',
  'completed',
  'entered-in-error',
] as const;
/** A FHIR R4 `Task.status` code. */
export type FhirTaskStatus = (typeof FHIR_TASK_STATUSES)[number];

/**
 * Each state as the FHIR R4 `ServiceRequest.status` of the referral request. The request stays `active` from
 * submission until the referral closes (the plan and the patient's acknowledgement still fulfil it); a cancelled
 * referral's request is `revoked`.
 */
export const SERVICE_REQUEST_STATUS: Readonly<Record<ReferralState, FhirServiceRequestStatus>> = {
  draft: 'draft',
  submitted: 'active',
  offered: 'active',
  accepted: 'active',
  in_review: 'active',
  info_requested: 'active',
  reported: 'active',
  plan_agreed: 'active',
  acknowledged: 'active',
  closed: 'completed',
  cancelled: 'revoked',
};

/**
 * Each state as the FHIR R4 `Task.status` of the Task that tracks fulfilment of the whole referral (as in referral
 * implementation guides, where `Task.businessStatus` carries the finer local state; see {@link fhirStatus}).
 * An offer awaiting a reader's answer is still `requested` (the owner has not taken it on); waiting for the community
 * doctor's answer is `on-hold`; the report, plan and acknowledgement are `in-progress` until the referral closes.
 */
export const TASK_STATUS: Readonly<Record<ReferralState, FhirTaskStatus>> = {
  draft: 'draft',
  submitted: 'requested',
  offered: 'requested',
  accepted: 'accepted',
  in_review: 'in-progress',
  info_requested: 'on-hold',
  reported: 'in-progress',
  plan_agreed: 'in-progress',
  acknowledged: 'in-progress',
  closed: 'completed',
  cancelled: 'cancelled',
};

/** A referral's FHIR statuses. */
export interface FhirStatus {
  readonly serviceRequest: FhirServiceRequestStatus;
  readonly task: FhirTaskStatus;
  /** The local state, for `Task.businessStatus` (code system of the network's choosing). */
  readonly taskBusinessStatus: ReferralState;
}

/**
 * The FHIR R4 statuses of a referral. Like the state maps, except that a referral cancelled as `entered_in_error`
 * becomes `entered-in-error` (FHIR distinguishes a withdrawn request from one that should never have existed).
 *
 * @param snapshot - the referral
 * @returns the `ServiceRequest.status`, `Task.status` and `Task.businessStatus` values
 */
export function fhirStatus(snapshot: Pick<ReferralSnapshot, 'state' | 'cancellation'>): FhirStatus {
  if (snapshot.state === 'cancelled' && snapshot.cancellation?.reason === 'entered_in_error') {
    return { serviceRequest: 'entered-in-error', task: 'entered-in-error', taskBusinessStatus: snapshot.state };
  }
  return {
    serviceRequest: SERVICE_REQUEST_STATUS[snapshot.state],
    task: TASK_STATUS[snapshot.state],
    taskBusinessStatus: snapshot.state,
  };
}
