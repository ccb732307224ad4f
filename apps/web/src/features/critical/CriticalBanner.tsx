import type { CriticalResultEvent, CriticalResultView } from '@zhiyin/contracts';
import { CRITICAL_STATE_LABELS } from '@zhiyin/workflow';
import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { alert, clearTitle } from '../../lib/alert';
import { useNow } from '../../lib/hooks';
import { useRealtime } from '../../lib/realtime';
import { listCritical } from './api';
import { DueClock } from '../../shared/critical-results/DueClock';
import { ReadBackForm } from './ReadBackForm';
import '../../shared/critical-results/critical.css';

/**
 * The critical-result alert on every page of the desk: a referring centre's doctors see each open critical result of
 * their centre with its read-back form until one of them confirms; coordinators see the escalated ones to phone.
 * A new or escalated one sounds, notifies and marks the tab title, like a reader's offer.
 */
export function CriticalBanner() {
  const { session } = useAuth();
  const role = session?.user.role;
  const me = session?.user.id;
  const { t, name, labelOf } = useI18n();
  const now = useNow(1000);
  const [items, setItems] = useState<CriticalResultView[]>([]);
  const watching = role === 'community_doctor' || role === 'coordinator';

  const load = useCallback(() => {
    if (!watching) return;
    listCritical().then(setItems, () => undefined);
  }, [watching]);
  useEffect(load, [load]);

  useRealtime(['critical.raised', 'critical.escalated', 'critical.settled'], (event, p: CriticalResultEvent) => {
    if (!watching) return;
    load();
    if (event === 'critical.settled') return;
    // Coordinators act once it is escalated; the centre's doctors from the first moment.
    if (role === 'coordinator' && event !== 'critical.escalated') return;
    alert({
      userId: me,
      title: t(event === 'critical.escalated' ? 'critical.alertEscalated' : 'critical.alertTitle'),
      body: p.number,
      tag: `critical-${p.criticalResultId}`,
    });
  });

  const open = items.filter((c) =>
    role === 'coordinator' ? c.state === 'escalated' : c.state !== 'confirmed' && c.state !== 'closed',
  );
  const waiting = open.length > 0;
  useEffect(() => {
    if (!waiting) clearTitle();
  }, [waiting]);

  if (!watching || !waiting) return null;
  if (role === 'coordinator') {
    return (
      <div className="critical-banner" role="alert" data-testid="critical-banner">
        <strong>{t('critical.bannerEscalated', { n: open.length })}</strong>{' '}
        {open.map((c) => (
          <span key={c.id} className="mono">
            {c.number}{' '}
          </span>
        ))}
        <Link to="/critical-results" data-testid="critical-banner-link">
          {t('critical.openList')}
        </Link>
      </div>
    );
  }
  return (
    <div className="critical-banner" role="alert" data-testid="critical-banner">
      <h2>{t('critical.bannerTitle')}</h2>
      {open.map((c) => (
        <article
          key={c.id}
          className="critical-item"
          data-testid="critical-item"
          data-state={c.state}
          data-number={c.number}
        >
          <p className="critical-finding">
            <strong data-testid="critical-finding">{name(c.findingZh, c.findingEn)}</strong> ·{' '}
            <Link to={`/referrals/${c.referralId}`} className="mono">
              {c.number}
            </Link>{' '}
            · {c.patientNameZh} · {labelOf(CRITICAL_STATE_LABELS[c.state])}
          </p>
          {c.note && <p className="critical-note">{c.note}</p>}
          <p className="muted small">
            {t('critical.raisedBy')}: {name(c.raisedBy.nameZh, c.raisedBy.nameEn)} ·{' '}
            <DueClock dueAt={c.confirmDueAt} now={now} />
          </p>
          <ReadBackForm item={c} onDone={load} />
        </article>
      ))}
    </div>
  );
}
