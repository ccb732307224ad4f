import { REASON_LABELS } from '@zhiyin/workflow';
import type { ErrorWording } from '../../lib/errors';

/**
 * Why the API refused a referral action: the referral rules' own label when the API names a reason
 * (a stale plan version, no studies yet…); the common error text otherwise.
 */
export const REFERRAL_REFUSALS: ErrorWording = { reasonLabels: REASON_LABELS };
