import { EVENT_LABELS, STATE_LABELS } from '@zhiyin/workflow';
import type { ReferralDetailView } from '@zhiyin/contracts';
import { useId } from 'react';
import { useI18n } from '../../i18n/i18n';

export function ReferralTimeline({ r }: { r: ReferralDetailView }) {
  const { t, name, dateTime, labelOf } = useI18n();
  const ids = useId();
  return (
    <section className="card ref-timeline" aria-labelledby={`${ids}-h`} data-testid="timeline">
      <h2 id={`${ids}-h`}>{t('referrals.timeline')}</h2>
      <ol>
        {[...r.history].reverse().map((h) => (
          <li key={h.id} data-testid="timeline-entry" data-event={h.event}>
            <strong>
              {h.event === 'created'
                ? t('referrals.createdEvent')
                : // Recording consent is a change of the draft; the timeline names it for what it is.
                  h.event === 'update_draft' && h.details.consent
                  ? t('referrals.consent.recordedEvent')
                  : labelOf(EVENT_LABELS[h.event])}
            </strong>
            {h.from !== h.to && <span className="muted small"> → {labelOf(STATE_LABELS[h.to])}</span>}
            <br />
            <span className="muted small">
              <time dateTime={h.at}>{dateTime(h.at)}</time> ·{' '}
              {h.actorRole === 'system'
                ? t('referrals.system')
                : `${name(h.actorNameZh ?? '', h.actorNameEn ?? '')} (${t(`role.${h.actorRole}`)})`}
            </span>
          </li>
        ))}
      </ol>
    </section>
  );
}
