import { useState } from 'react';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { isMuted, notificationPermission, requestNotifications, setMuted } from '../../lib/alert';

/**
 * The reader's own alert settings: sound on or off (kept per user in this browser), and a button
 * that asks for desktop notifications. The browser's permission prompt is only ever opened by this
 * click, never on load.
 */
export function AlertControls() {
  const { session } = useAuth();
  const me = session?.user.id;
  const { t } = useI18n();
  const [muted, setMutedState] = useState(() => isMuted(me));
  const [permission, setPermission] = useState(notificationPermission);
  if (!me) return null;
  return (
    <>
      <button
        type="button"
        className="secondary"
        aria-pressed={muted}
        data-testid="alert-sound"
        onClick={() => {
          setMuted(me, !muted);
          setMutedState(!muted);
        }}
      >
        {muted ? t('reading.soundOff') : t('reading.soundOn')}
      </button>
      {permission === 'default' && (
        <button
          type="button"
          className="secondary"
          data-testid="enable-notifications"
          onClick={() => void requestNotifications().then(setPermission)}
        >
          {t('reading.enableNotifications')}
        </button>
      )}
      {permission === 'denied' && <span className="muted small">{t('reading.notificationsBlocked')}</span>}
    </>
  );
}
