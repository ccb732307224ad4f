import { useState } from 'react';
import { useNavigate } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { useRealtimeConnected } from '../../lib/realtime';
import { claimNext } from './api';
import { useActionError } from './errors';

/** "Live" while events flow, "reconnecting" while the connection is down. */
export function LiveIndicator() {
  const { t } = useI18n();
  const connected = useRealtimeConnected();
  return (
    <span
      className={`reading-live ${connected ? 'on' : 'off'}`}
      role="status"
      data-testid="live"
      data-connected={connected}
    >
      <span aria-hidden="true">●</span> {connected ? t('reading.live') : t('reading.reconnecting')}
    </span>
  );
}

/** Claims the most urgent waiting referral of the pool (or the one offered to me) and opens it. */
export function useNextCase() {
  const navigate = useNavigate();
  const { t } = useI18n();
  const errorText = useActionError();
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
