import type { ReferralSummaryView } from '@zhiyin/contracts';
import { PRIORITIES, PRIORITY_LABELS, SERVICE_LABELS, STATE_LABELS, type ReferralState } from '@zhiyin/workflow';
import { useEffect, useId, useMemo, useRef } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, useNow, usePageTitle } from '../../lib/hooks';
import { useRealtime } from '../../lib/realtime';
import { listReferrals } from '../../shared/referrals/api';
import { PriorityBadge, StateBadge } from '../../shared/referrals/badges';
import { CLOSED_STATES, NeedBadge, needOf, OPEN_STATES, useDuration } from './shared';
import '../../shared/referrals/referrals.css';
import { LiveIndicator } from '../../shared/LiveIndicator';

const VIEWS = ['open', 'mine', 'closed', 'all'] as const;
type View = (typeof VIEWS)[number];

/** The referrals of the doctor's centre (a coordinator: all of them), live. */
export default function ReferralsPage() {
  const { t, dateTime, labelOf } = useI18n();
  const { session } = useAuth();
  const role = session?.user.role;
  const ids = useId();
  const [params, setParams] = useSearchParams();
  const view = (VIEWS as readonly string[]).includes(params.get('view') ?? '') ? (params.get('view') as View) : 'open';
  const state = params.get('state') ?? '';
  const priority = params.get('priority') ?? '';
  const q = params.get('q') ?? '';
  const now = useNow(30_000);
  const duration = useDuration();
  usePageTitle('referrals.title');

  const states = state ? [state] : view === 'closed' ? CLOSED_STATES : view === 'all' ? [] : OPEN_STATES;
  const result = useAsync(
    (signal) =>
      listReferrals({ state: states.join(',') || undefined, priority: priority || undefined, limit: 200 }, signal),
    [states.join(','), priority],
  );

  // A change anywhere in scope re-reads the list (coalesced: a burst of events is one request).
  const pending = useRef<ReturnType<typeof setTimeout>>(undefined);
  useRealtime(['referral.changed', 'critical.raised', 'critical.escalated', 'critical.settled'], () => {
    clearTimeout(pending.current);
    pending.current = setTimeout(() => result.reload(), 300);
  });
  useEffect(() => () => clearTimeout(pending.current), []);

  const set = (key: string, value: string) => {
    const next = new URLSearchParams(params);
    if (value) next.set(key, value);
    else next.delete(key);
    setParams(next, { replace: true });
  };

  const items = useMemo(() => {
    const text = q.trim().toLowerCase();
    return (result.data?.items ?? []).filter((r) => {
      if (view === 'mine' && !needOf(r, role)) return false;
      if (!text) return true;
      return [r.number, r.patientName, r.patientNamePinyin, r.patientMrn].some((v) =>
        (v ?? '').toLowerCase().includes(text),
      );
    });
  }, [result.data, q, view, role]);

  const needCount = (result.data?.items ?? []).filter((r) => needOf(r, role)).length;

  // The wait ends when the report is signed: from then on the time it took is shown, not a running count.
  const waiting = (r: ReferralSummaryView) => {
    if (r.reportedAt && r.submittedAt)
      return (
        <span className="muted" data-testid="waited" data-stopped="true">
          {t('referrals.took', { d: duration(Date.parse(r.reportedAt) - Date.parse(r.submittedAt)) })}
        </span>
      );
    if (CLOSED_STATES.includes(r.state) || r.state === 'draft') return '—';
    return (
      <span data-testid="waited" data-stopped="false">
        {duration(now - Date.parse(r.submittedAt ?? r.createdAt))}
      </span>
    );
  };
  const limit = (r: ReferralSummaryView) => {
    const due = r.timers?.report_deadline;
    if (!due) return <span className="muted">—</span>;
    const left = Date.parse(due) - now;
    return left >= 0 ? (
      <span title={dateTime(due)}>{t('referrals.left', { d: duration(left) })}</span>
    ) : (
      <span className="ref-overdue" title={dateTime(due)}>
        {t('referrals.overdue', { d: duration(left) })}
      </span>
    );
  };

  return (
    <section className="page wide ref-list-page">
      <div className="page-head">
        <h1>
          {t('referrals.title')} <LiveIndicator />
        </h1>
        {role === 'community_doctor' && (
          <div className="actions">
            <Link className="button" to="/desk/referrals/new">
              {t('referrals.new')}
            </Link>
          </div>
        )}
      </div>

      <div className="ref-views" role="group" aria-label={t('referrals.views')}>
        {VIEWS.map((v) => (
          <button
            key={v}
            type="button"
            className={view === v ? '' : 'secondary'}
            aria-pressed={view === v}
            onClick={() => {
              const next = new URLSearchParams(params);
              next.set('view', v);
              next.delete('state');
              setParams(next, { replace: true });
            }}
          >
            {t(`referrals.view.${v}`)}
            {v === 'mine' && needCount > 0 && <span className="ref-count">{needCount}</span>}
          </button>
        ))}
      </div>

      <form className="filters" role="search" onSubmit={(e) => e.preventDefault()}>
        <div className="field">
          <label htmlFor={`${ids}-q`}>{t('referrals.search')}</label>
          <input
            id={`${ids}-q`}
            type="search"
            value={q}
            autoComplete="off"
            onChange={(e) => set('q', e.target.value)}
          />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-state`}>{t('referrals.state')}</label>
          <select id={`${ids}-state`} value={state} onChange={(e) => set('state', e.target.value)}>
            <option value="">{t('referrals.any')}</option>
            {(view === 'closed' ? CLOSED_STATES : view === 'all' ? [...OPEN_STATES, ...CLOSED_STATES] : OPEN_STATES)
              .filter((s: ReferralState) => role !== 'coordinator' || s !== 'draft')
              .map((s) => (
                <option key={s} value={s}>
                  {labelOf(STATE_LABELS[s])}
                </option>
              ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-prio`}>{t('referrals.priority')}</label>
          <select id={`${ids}-prio`} value={priority} onChange={(e) => set('priority', e.target.value)}>
            <option value="">{t('referrals.any')}</option>
            {PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {labelOf(PRIORITY_LABELS[p])}
              </option>
            ))}
          </select>
        </div>
      </form>

      <ErrorMessage error={result.error} />
      <p role="status" className="muted">
        {result.loading && !result.data ? t('common.loading') : t('referrals.found', { n: items.length })}
      </p>
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="list ref-table" data-testid="referrals">
            <thead>
              <tr>
                <th scope="col">{t('referrals.number')}</th>
                <th scope="col">{t('referrals.patient')}</th>
                <th scope="col">{t('referrals.service')}</th>
                <th scope="col">{t('referrals.priority')}</th>
                <th scope="col">{t('referrals.state')}</th>
                <th scope="col">{t('referrals.waiting')}</th>
                <th scope="col">{t('referrals.turnaround')}</th>
                <th scope="col">{t('referrals.updated')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((r) => {
                const need = needOf(r, role);
                return (
                  <tr
                    key={r.id}
                    className={r.criticalState ? 'ref-critical' : need ? 'ref-needs' : undefined}
                    data-testid="referral-row"
                    data-critical={r.criticalState ?? undefined}
                    data-number={r.number}
                    data-state={r.state}
                  >
                    <td>
                      <Link className="mono" to={`/referrals/${r.id}`}>
                        {r.number}
                      </Link>
                      {r.direction === 'down' && <span className="tag">{t('referrals.down')}</span>}
                      {r.criticalState && (
                        <span className="tag critical-tag" data-testid="critical-tag">
                          {t('critical.name')}
                        </span>
                      )}
                    </td>
                    <td>
                      <span lang="zh-CN">{r.patientName}</span>
                      <span className="muted small">
                        {' '}
                        {r.patientNamePinyin} · <span className="mono">{r.patientMrn}</span>
                      </span>
                    </td>
                    <td>
                      {labelOf(SERVICE_LABELS[r.service])}
                      {r.modality && <span className="muted small"> · {r.modality}</span>}
                    </td>
                    <td>
                      <PriorityBadge priority={r.priority} />
                    </td>
                    <td>
                      <StateBadge state={r.state} />
                      {need && (
                        <>
                          <br />
                          <NeedBadge need={need} />
                        </>
                      )}
                    </td>
                    <td>{waiting(r)}</td>
                    <td>
                      {CLOSED_STATES.includes(r.state) ? (
                        r.submittedAt ? (
                          <span className="muted">
                            {t('referrals.took', {
                              d: duration(Date.parse(r.updatedAt) - Date.parse(r.submittedAt)),
                            })}
                          </span>
                        ) : (
                          <span className="muted">—</span>
                        )
                      ) : (
                        limit(r)
                      )}
                    </td>
                    <td className="small">{dateTime(r.updatedAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {result.data && items.length === 0 && <p className="muted">{t('referrals.none')}</p>}
    </section>
  );
}
