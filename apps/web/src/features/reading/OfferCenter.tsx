import type { OfferMade, ReferralDetailView, TurnaroundWarning } from '@zhiyin/contracts';
import { PRIORITY_LABELS, SERVICE_LABELS } from '@zhiyin/workflow';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useNavigate } from 'react-router';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { alert, clearTitle } from '../../lib/alert';
import { useNow } from '../../lib/hooks';
import { useRealtime } from '../../lib/realtime';
import { fireEvent, getReferral } from '../../shared/referrals/api';
import { worklist } from './api';
import { READING_ERRORS } from './errors';
import { useShortcuts } from './hooks';
import { ageOn } from './time';
import { useErrorText } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

/** An offer as this page keeps it: the fields of the router's offer.made event. */
type Offer = Pick<OfferMade, 'referralId' | 'number' | 'priority' | 'service' | 'expiresAt'>;

/**
 * Offers the router makes to this reader pop up wherever they are in the reading room, with the
 * seconds left before the offer lapses; accept opens the workspace. Offers made before the page
 * opened come from the worklist; offer.withdrawn (lapsed, reassigned) takes one away.
 * A new offer sounds, shows a desktop notification (if allowed) and marks the tab title; the card
 * names the patient's age and sex, the modality and the clinical question, read from the referral
 * (an audited read: the referral is offered to this reader).
 */
export function OfferCenter() {
  const { session } = useAuth();
  const me = session?.user.id;
  const { t, labelOf } = useI18n();
  const navigate = useNavigate();
  const now = useNow(1000);
  const errorText = useErrorText(READING_ERRORS);
  const [offers, setOffers] = useState<Offer[]>([]);
  const { busy, error, run, reset } = useAction();
  const [details, setDetails] = useState<Record<string, ReferralDetailView>>({});
  const asked = useRef(new Set<string>());

  const load = useCallback(() => {
    worklist().then(
      (res) =>
        setOffers(
          res.items
            .filter((r) => r.state === 'offered' && r.offeredTo === me)
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
      reset();
      alert({
        userId: me,
        title: t('reading.offerAlert'),
        body: `${labelOf(PRIORITY_LABELS[o.priority])} · ${labelOf(SERVICE_LABELS[o.service])} · ${o.number}`,
        tag: `offer-${o.referralId}`,
      });
    } else if (event === 'offer.withdrawn') {
      setOffers((list) => list.filter((x) => x.referralId !== p.referralId));
    } else if ('state' in p && p.state !== 'offered') {
      setOffers((list) => list.filter((x) => x.referralId !== p.referralId));
    }
  });

  // The reader is told, like the coordinator, when a case of theirs passes its warning or limit
  // (the server sends turnaround.warning to the assignee's own room).
  useRealtime(['turnaround.warning'], (_event, w: TurnaroundWarning) => {
    alert({
      userId: me,
      title: t(w.event === 'report_due_soon' ? 'reading.urgency.near' : 'reading.urgency.overdue'),
      body: w.number,
      tag: `turnaround-${w.referralId}-${w.timer}`,
    });
  });

  // An offer whose time is up lapses on the server; drop it here too rather than offer a dead button.
  const live = offers.filter((o) => !o.expiresAt || Date.parse(o.expiresAt) > now - 1000);
  const offer = live[0];

  // Details of the offer shown, fetched once per offer.
  useEffect(() => {
    if (!offer || asked.current.has(offer.referralId)) return;
    asked.current.add(offer.referralId);
    getReferral(offer.referralId).then(
      (d) => setDetails((all) => ({ ...all, [d.id]: d })),
      () => undefined,
    );
  }, [offer]);

  // The tab title stays marked until every offer is answered (or the tab gets focus).
  const waiting = live.length > 0;
  useEffect(() => {
    if (!waiting) clearTitle();
  }, [waiting]);

  const act = (type: 'accept' | 'decline') => {
    if (!offer) return;
    return run(async () => {
      try {
        await fireEvent(offer.referralId, { type });
        setOffers((list) => list.filter((x) => x.referralId !== offer.referralId));
        if (type === 'accept') void navigate(`/reading/${offer.referralId}`);
      } catch (err) {
        // An offer that could not be taken (taken by someone else, expired) goes.
        if (type === 'accept') setOffers((list) => list.filter((x) => x.referralId !== offer.referralId));
        throw err;
      }
    });
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
    return error !== undefined ? (
      <div className="reading-offer" role="alert">
        <p className="error">{errorText(error)}</p>
        <button type="button" className="secondary" onClick={reset}>
          {t('reading.dismiss')}
        </button>
      </div>
    ) : null;
  const d = details[offer.referralId];
  const age = d ? ageOn(d.patientBirthDate, new Date(now)) : undefined;
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
        <span className={`reading-priority ${offer.priority}`}>{labelOf(PRIORITY_LABELS[offer.priority])}</span>{' '}
        {labelOf(SERVICE_LABELS[offer.service])}
        {d?.modality ? ` · ${d.modality}` : ''} · <span className="mono">{offer.number}</span>
      </p>
      {d && (
        <p data-testid="offer-patient">
          {t(`sex.${d.patientSex}`)}
          {age !== undefined ? ` · ${t('reading.age', { age })}` : ''}
        </p>
      )}
      {d?.clinicalQuestion && (
        <p data-testid="offer-question">
          <span className="muted">{t('reading.offerQuestion')}</span> {d.clinicalQuestion}
        </p>
      )}
      {seconds !== undefined && (
        <p className="reading-offer-left" data-testid="offer-seconds" data-seconds={seconds}>
          {t('reading.offerSecondsLeft', { seconds })}
        </p>
      )}
      {live.length > 1 && <p className="muted small">{t('reading.moreOffers', { n: live.length - 1 })}</p>}
      {error !== undefined && (
        <p className="error" role="alert">
          {errorText(error)}
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
