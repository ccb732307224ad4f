import { useI18n } from '../i18n/i18n';
import { useRealtimeConnected } from '../lib/realtime';

/** "Live" while events flow, "reconnecting" while the connection is down (read out when it changes). */
export function LiveIndicator() {
  const { t } = useI18n();
  const connected = useRealtimeConnected();
  return (
    <span className={`live-indicator${connected ? ' on' : ''}`} role="status" data-testid="live" data-live={connected}>
      <span className="dot" aria-hidden="true" />
      {connected ? t('live.on') : t('live.reconnecting')}
    </span>
  );
}
