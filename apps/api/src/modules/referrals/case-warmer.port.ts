// The port through which the referral module says a reader is about to open a case, without importing the reading
// room's module (which reads referrals): bound in the app module to the service that makes the case's first image
// ahead, so that the reader's first request for it is answered from memory.

/** Told when a case is submitted to a pool, accepted or claimed: its reader will open it in a moment. */
export interface CaseWarmer {
  warm(referralId: string): void;
}
export const CASE_WARMER = Symbol('CASE_WARMER');
