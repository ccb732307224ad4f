import { APPOINTMENT_DISPOSITIONS, REFER_UP_DISPOSITIONS, isOneOf, type Disposition, type Role } from './vocabulary.js';
import { PLAN_SIGNERS, type PlanSigner, type PlanSnapshot } from './types.js';

/**
 * Which signature slot a role fills on a treatment plan.
 *
 * @param role - the actor's role
 * @returns `community_doctor` or `specialist`, or null for roles that do not sign plans
 */
export function planSignerOf(role: Role): PlanSigner | null {
  return isOneOf(PLAN_SIGNERS, role) ? role : null;
}

/**
 * The other signer: whose signature a signer waits for.
 *
 * @param signer - one signer
 * @returns the other one
 */
export function otherSigner(signer: PlanSigner): PlanSigner {
  return signer === 'community_doctor' ? 'specialist' : 'community_doctor';
}

/**
 * Whether a plan is binding: both the community doctor and the reading specialist have signed its current version.
 *
 * @param plan - the plan, or null when none has been proposed
 * @returns true only when both signatures are present and both are for `plan.version`
 */
export function isPlanAgreed(plan: PlanSnapshot | null): boolean {
  if (plan === null) return false;
  return PLAN_SIGNERS.every((signer) => plan.signatures[signer]?.version === plan.version);
}

/**
 * Whether a disposition sends the patient to the hub.
 *
 * @param disposition - the disposition
 * @returns true for the three refer-up dispositions
 */
export function refersUp(disposition: Disposition): boolean {
  return isOneOf(REFER_UP_DISPOSITIONS, disposition);
}

/**
 * Whether a plan with this disposition needs a booked hub appointment before it can be signed (outpatient and
 * inpatient; an emergency goes to the hub at once).
 *
 * @param disposition - the disposition
 * @returns true for refer-up outpatient and inpatient
 */
export function needsHubAppointment(disposition: Disposition): boolean {
  return isOneOf(APPOINTMENT_DISPOSITIONS, disposition);
}
