import { PRIORITY_LABELS, SERVICE_LABELS, type Priority, type Service } from '@zhiyin/workflow';
import { useCallback, useEffect, useState } from 'react';
import { useNavigate } from 'react-router';
import { useAuth } from '../../app/auth';
import { useI18n } from '../../i18n/i18n';
import { useNow } from '../../lib/hooks';
import { useRealtime } from '../../lib/realtime';
import { fireEvent } from '../referrals/api';
import { worklist } from './api';
import { useActionError } from './errors';
import { useShortcuts } from './hooks';

interface Offer {
  referralId: string;
  number: string;
  priority: Priority;
  service: Service;
  expiresAt: string | null;
}

/**
 * Offers the router makes to this reader pop up wherever they are in the reading room, with the
 * seconds left before the offer lapses; accept opens the workspace. Offers made before the page
 * opened come from the worklist; offer.withdrawn (lapsed, reassigned) takes one away.
 */
export function OfferCenter() {
  const { session } = useAuth();
  const me = session?.user.id;
  const { t, lang } = useI18n();
  const navigate = useNavigate();
  const now = useNow(1000);
  const errorText = useActionError();
  const [offers, setOffers] = useState<Offer[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string>();

  const load = useCallback(() => {
    worklist().then(
      (res) =>
        setOffers(
          res.items
            .filter((r) => r.state === 'offered' && r.offered_to === me)
            .map((r) => ({
              referralId: r.id,
              number: r.number,
              priority: r.priority,
              service: r.service,
              expiresAt: r.timers?.offer_timeout ?? null,
            })),
        ),
      () => undefined,
    );
  }, [me]);
  useEffect(load, [load]);

  useRealtime(['offer.made', 'offer.withdrawn', 'referral.changed'], (event, p) => {
    if (event === 'offer.made') {
      const o = p as Offer;
      setOffers((list) => [
        ...list.filter((x) => x.referralId !== o.referralId),
        {
          referralId: o.referralId,
          number: o.number,
          priority: o.priority,
          service: o.service,
          expiresAt: o.expiresAt,
        },
      ]);
      setError(undefined);
    } else if (event === 'offer.withdrawn') {
      setOffers((list) => list.filter((x) => x.referralId !== p.referralId));
    } else if ('state' in p && p.state !== 'offered') {
      setOffers((list) => list.filter((x) => x.referralId !== p.referralId));
    }
  });

  // An offer whose time is up lapses on the server; drop it here too rather than offer a dead button.
  const live = offers.filter((o) => !o.expiresAt || Date.parse(o.expiresAt) > now - 1000);
  const offer = live[0];

  const act = async (type: 'accept' | 'decline') => {
    if (!offer || busy) return;
    setBusy(true);
    setError(undefined);
    try {
      await fireEvent(offer.referralId, { type });
      setOffers((list) => list.filter((x) => x.referralId !== offer.referralId));
      if (type === 'accept') void navigate(`/reading/${offer.referralId}`);
    } catch (err) {
      setError(errorText(err));
      if (type === 'accept') setOffers((list) => list.filter((x) => x.referralId !== offer.referralId));
    } finally {
      setBusy(false);
    }
  };

  useShortcuts(
    offer
      ? [
          { key: 'a', run: () => void act('accept') },
          { key: 'd', run: () => void act('decline') },
        ]
      : [],
  );

  if (!offer)
    return error ? (
      <div className="reading-offer" role="alert">
        <p className="error">{error}</p>
        <button type="button" className="secondary" onClick={() => setError(undefined)}>
          {t('reading.dismiss')}
        </button>
      </div>
    ) : null;
  const seconds = offer.expiresAt ? Math.max(0, Math.ceil((Date.parse(offer.expiresAt) - now) / 1000)) : undefined;
  return (
    <div
      className={`reading-offer priority-${offer.priority}`}
      role="alertdialog"
      aria-labelledby="reading-offer-title"
      aria-describedby="reading-offer-text"
      data-testid="offer"
      data-referral={offer.referralId}
    >
      <h2 id="reading-offer-title">{t('reading.offerTitle')}</h2>
      <p id="reading-offer-text">
        <span className={`reading-priority ${offer.priority}`}>{PRIORITY_LABELS[offer.priority][lang]}</span>{' '}
        {SERVICE_LABELS[offer.service][lang]} · <span className="mono">{offer.number}</span>
      </p>
      {seconds !== undefined && (
        <p className="reading-offer-left" data-testid="offer-seconds" data-seconds={seconds}>
          {t('reading.offerSecondsLeft', { seconds })}
        </p>
      )}
      {live.length > 1 && <p className="muted small">{t('reading.moreOffers', { n: live.length - 1 })}</p>}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="actions">
        <button type="button" onClick={() => void act('accept')} disabled={busy} data-testid="offer-accept">
          {t('reading.accept')} <kbd>A</kbd>
        </button>
        <button
          type="button"
          className="secondary"
          onClick={() => void act('decline')}
          disabled={busy}
          data-testid="offer-decline"
        >
          {t('reading.decline')} <kbd>D</kbd>
        </button>
      </div>
    </div>
  );
}
