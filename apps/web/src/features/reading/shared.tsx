import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { claimNext } from './api';
import { READING_ERRORS } from './errors';
import { useErrorText } from '../../lib/errors';

/** Claims the most urgent waiting referral of the pool (or the one offered to me) and opens it. */
export function useNextCase() {
  const navigate = useNavigate();
  const { t } = useI18n();
  const errorText = useErrorText(READING_ERRORS);
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<string>();
  const next = async () => {
    if (busy) return;
    setBusy(true);
    setMessage(undefined);
    try {
      const r = await claimNext();
      void navigate(`/reading/${r.id}`);
    } catch (err) {
      setMessage(err instanceof ApiError && err.code === 'NOT_FOUND' ? t('reading.nothingWaiting') : errorText(err));
    } finally {
      setBusy(false);
    }
  };
  return { next, busy, message };
}
