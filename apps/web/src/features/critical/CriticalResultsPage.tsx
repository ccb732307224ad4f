import type { CriticalResultView } from '@zhiyin/contracts';
import { CRITICAL_STATE_LABELS } from '@zhiyin/workflow';
import { Link } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, useNow, usePageTitle } from '../../lib/hooks';
import { useRealtime } from '../../lib/realtime';
import { listCritical } from './api';
import { CallLogForm } from './CallLogForm';
import { DueClock } from '../../shared/critical-results/DueClock';
import '../../shared/critical-results/critical.css';

/** The coordinator's critical results: escalated ones first, each with its calls and the form to log the next. */
export default function CriticalResultsPage() {
  const { t, name, dateTime, labelOf } = useI18n();
  usePageTitle('critical.pageTitle');
  const now = useNow(1000);
  const list = useAsync<CriticalResultView[]>(() => listCritical(true), []);
  useRealtime(['critical.raised', 'critical.escalated', 'critical.settled'], () => list.reload());
  const items = list.data ?? [];
  const open = items.filter((c) => c.state === 'raised' || c.state === 'escalated');
  const settled = items.filter((c) => c.state === 'confirmed' || c.state === 'closed');

  const entry = (c: CriticalResultView) => (
    <article key={c.id} data-testid="critical-case" data-state={c.state} data-number={c.number}>
      <h2 className="small-title">
        <strong>{name(c.findingZh, c.findingEn)}</strong> ·{' '}
        <Link to={`/referrals/${c.referralId}`} className="mono">
          {c.number}
        </Link>{' '}
        · <span data-testid="critical-case-state">{labelOf(CRITICAL_STATE_LABELS[c.state])}</span>
      </h2>
      <p>
        {t('critical.centre')}: {name(c.originFacilityNameZh, c.originFacilityNameEn)} · {t('critical.patient')}:{' '}
        {c.patientNameZh} ({c.patientMrn}) · {t('critical.raisedBy')}: {name(c.raisedBy.nameZh, c.raisedBy.nameEn)} ·{' '}
        {t('critical.raisedAt')} {dateTime(c.raisedAt)}
        {c.state === 'raised' && (
          <>
            {' '}
            · <DueClock dueAt={c.confirmDueAt} now={now} />
          </>
        )}
      </p>
      {c.note && <p className="critical-note">{c.note}</p>}
      {c.escalatedAt && (
        <p className="critical-overdue" data-testid="critical-escalated-at">
          {t('critical.escalatedAt', { due: dateTime(c.confirmDueAt), time: dateTime(c.escalatedAt) })}
        </p>
      )}
      {c.confirmedBy && c.confirmedAt && (
        <p>
          {t('critical.confirmedBy', {
            name: name(c.confirmedBy.nameZh, c.confirmedBy.nameEn),
            time: dateTime(c.confirmedAt),
          })}
        </p>
      )}
      {c.calls.length > 0 && (
        <>
          <h3 className="small-title">{t('critical.calls')}</h3>
          <ol data-testid="critical-calls">
            {c.calls.map((k) => (
              <li key={k.id}>
                {dateTime(k.calledAt)} · {name(k.callerNameZh, k.callerNameEn)} → {k.callee} ·{' '}
                {k.reached ? t('critical.callReached', { readBack: k.readBack ?? '' }) : t('critical.callMissed')}
                {k.note ? ` · ${k.note}` : ''}
              </li>
            ))}
          </ol>
        </>
      )}
      {c.state === 'escalated' && <CallLogForm item={c} onDone={() => list.reload()} />}
    </article>
  );

  return (
    <section className="page">
      <h1>{t('critical.pageTitle')}</h1>
      <p className="hint">{t('critical.pageIntro')}</p>
      <ErrorMessage error={list.error} />
      <div className="critical-list" data-testid="critical-open">
        {open.length === 0 && !list.loading && <p className="notice">{t('critical.none')}</p>}
        {open.map(entry)}
      </div>
      {settled.length > 0 && (
        <div className="critical-list" data-testid="critical-settled">
          <h2>{t('critical.recent')}</h2>
          {settled.map(entry)}
        </div>
      )}
    </section>
  );
}
