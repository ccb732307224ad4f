/** The bodies of the critical-result (危急值) routes; the answers are `CriticalResultView`. */

/** `POST /api/referrals/{id}/critical-results`: the reader raises a critical result on the referral. */
export interface RaiseCriticalRequest {
  /** a code from the service's list of critical findings */
  readonly findingCode: string;
  /** the reader's own words: leads, measurements, what to do at once */
  readonly note?: string;
}

/** `POST /api/critical-results/{id}/confirm`: the referring doctor's read-back. */
export interface ConfirmCriticalRequest {
  /** the finding, chosen (its code) or typed (its name), as the doctor reads it back */
  readonly readBack: string;
  /** what the doctor will do now */
  readonly plannedAction: string;
}

/** `POST /api/critical-results/{id}/calls`: a coordinator's phone call for an escalated critical result. */
export interface RecordCriticalCallRequest {
  /** whom the coordinator called: name, role, number */
  readonly callee: string;
  /** when the call was made (ISO 8601); not in the future */
  readonly calledAt: string;
  readonly reached: boolean;
  /** what the doctor read back (required when reached) */
  readonly readBack?: string;
  /** what was agreed, or why nobody answered */
  readonly note?: string;
}
