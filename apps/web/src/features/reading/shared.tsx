import { useNavigate } from 'react-router';
import { claimNext } from './api';
import { READING_ERRORS } from './errors';
import { type ErrorWording, useErrorText } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

// An empty pool is not an error when asking for the next case.
const NEXT_CASE_ERRORS: ErrorWording = { ...READING_ERRORS, codes: { NOT_FOUND: 'reading.nothingWaiting' } };

/** Claims the most urgent waiting referral of the pool (or the one offered to me) and opens it. */
export function useNextCase() {
  const navigate = useNavigate();
  const errorText = useErrorText(NEXT_CASE_ERRORS);
  const { busy, error, run } = useAction();
  const next = () =>
    run(async () => {
      const r = await claimNext();
      void navigate(`/reading/${r.id}`);
    });
  return { next, busy, message: error === undefined ? undefined : errorText(error) };
}
