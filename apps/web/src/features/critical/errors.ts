import type { ErrorWording } from '../../lib/errors';

/** A read-back the server found not to match the reported finding is said as such, not as a conflict. */
export const CRITICAL_ERRORS: ErrorWording = { codes: { READ_BACK_MISMATCH: 'critical.mismatch' } };
