import type { ErrorWording } from '../../lib/errors';
import { REFERRAL_REFUSALS } from '../../shared/referrals/refusal';

/**
 * What the reading room says of a refused action beyond the common texts: the rules' reason when the
 * API gives one, and the report's missing fields by their names on the form.
 */
export const READING_ERRORS: ErrorWording = {
  ...REFERRAL_REFUSALS,
  missingFields: {
    key: 'reading.missingFields',
    names: {
      findings: 'reading.findings',
      impression: 'reading.impression',
      disposition: 'reading.disposition',
      message: 'reading.question',
    },
  },
};
