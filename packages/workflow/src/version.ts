/**
 * Version of the referral rules. The API stores it on each referral row; `decide` refuses a snapshot written under
 * another version, so moving in-flight referrals to new rules is always an explicit migration.
 *
 * Bump it whenever a change would decide differently for an existing snapshot: a new or removed state, event,
 * transition, role, guard or timer, or a different meaning for a stored field.
 */
export const REFERRAL_WORKFLOW_VERSION = 2;
