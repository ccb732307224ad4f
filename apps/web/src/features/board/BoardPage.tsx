import type { BoardView, DutyShiftView, TurnaroundWarning } from '@zhiyin/contracts';
import { EVENT_LABELS, PRIORITY_LABELS, SERVICE_LABELS, type Service } from '@zhiyin/workflow';
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import { Link } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, useNow, usePageTitle } from '../../lib/hooks';
import { usePresence, useRealtime, useRealtimeConnected } from '../../lib/realtime';
import { loadBoard, loadShifts } from './api';
import { AppointmentsSection } from './AppointmentsSection';
import { PoolCard, queueRowId } from './PoolCard';
import { formatNetworkTime } from './time';
import './board.css';
import { LiveIndicator } from '../../shared/LiveIndicator';

/** Turnaround events the board lists: misses are serious, the others are heads-ups. */
export type WarningKind = TurnaroundWarning['event'];
export const isMiss = (event: string) => event === 'acceptance_overdue' || event === 'report_overdue';

export interface LiveWarning {
  id: string;
  at: string;
  referralId: string;
  number: string;
  event: WarningKind;
  service: Service | null;
}

const MAX_WARNINGS = 30;

export default function BoardPage() {
  const { t, lang, labelOf } = useI18n();
  usePageTitle('nav.board');
  const connected = useRealtimeConnected();
  // When each read started: a presence event that arrived after it is newer than what the read says.
  const board = useAsync(async (signal) => ({ startedAt: Date.now(), board: await loadBoard(signal) }), []);
  const shifts = useAsync((signal) => loadShifts(new Date(), new Date(Date.now() + 86_400_000), signal), []);
  const [data, setData] = useState<BoardView | undefined>();
  const [skew, setSkew] = useState(0);
  const [warnings, setWarnings] = useState<LiveWarning[]>([]);
  const [latest, setLatest] = useState<LiveWarning | null>(null);
  const [online, setOnline] = useState<Record<string, { online: boolean; at: number }>>({});
  const now = useNow(1000) + skew;

  useEffect(() => {
    if (!board.data) return;
    const { board: fresh, startedAt } = board.data;
    setData(fresh);
    setSkew(Date.parse(fresh.now) - Date.now());
    // The fresh read is the truth, except for presence changes that arrived after it started.
    setOnline((m) => Object.fromEntries(Object.entries(m).filter(([, v]) => v.at > startedAt)));
  }, [board.data]);

  // Several events often arrive together (one transition emits a few): re-read once for all of them.
  const reloadTimer = useRef<ReturnType<typeof setTimeout> | undefined>(undefined);
  const boardRef = useRef(board);
  boardRef.current = board;
  const scheduleReload = useCallback(() => {
    if (reloadTimer.current) clearTimeout(reloadTimer.current);
    reloadTimer.current = setTimeout(() => boardRef.current.reload(), 250);
  }, []);
  useEffect(() => () => clearTimeout(reloadTimer.current), []);

  // Presence is not replayed after a reconnection, and online status lapses without an event: re-read now and then.
  useEffect(() => {
    const id = setInterval(scheduleReload, 30_000);
    return () => clearInterval(id);
  }, [scheduleReload]);
  const wasConnected = useRef(connected);
  useEffect(() => {
    if (connected && !wasConnected.current) scheduleReload();
    wasConnected.current = connected;
  }, [connected, scheduleReload]);

  const serviceOf = useCallback(
    (referralId: string): Service | null =>
      data?.pools.find((p) => p.queue.some((q) => q.id === referralId))?.service ?? null,
    [data],
  );

  useRealtime(
    ['worklist.changed', 'referral.changed', 'turnaround.warning', 'reading_centre.changed'],
    (event, payload) => {
      if (event === 'turnaround.warning') {
        const w = payload as TurnaroundWarning;
        const item: LiveWarning = {
          id: w.id,
          at: w.at,
          referralId: w.referralId,
          number: w.number,
          event: w.event,
          service: serviceOf(w.referralId),
        };
        setWarnings((list) => [item, ...list.filter((x) => x.id !== item.id)].slice(0, MAX_WARNINGS));
        setLatest(item);
      }
      scheduleReload();
    },
  );
  usePresence((p) => setOnline((m) => ({ ...m, [p.userId]: { online: p.online, at: Date.now() } })));
  const onlineNow = useMemo(
    () => Object.fromEntries(Object.entries(online).map(([id, v]) => [id, v.online])),
    [online],
  );

  const warnedIds = useMemo(() => {
    const m = new Map<string, 'warn' | 'miss'>();
    for (const w of [...warnings].reverse()) {
      const kind = isMiss(w.event) ? 'miss' : w.event === 'report_due_soon' ? 'warn' : undefined;
      if (kind && m.get(w.referralId) !== 'miss') m.set(w.referralId, kind);
    }
    return m;
  }, [warnings]);

  const escalations = useMemo(
    () =>
      (data?.pools ?? [])
        .flatMap((p) => p.queue)
        .filter((q) => q.escalatedAt)
        .sort((a, b) => Date.parse(a.escalatedAt!) - Date.parse(b.escalatedAt!)),
    [data],
  );

  const nextShift = useCallback(
    (userId: string): DutyShiftView | undefined =>
      (shifts.data ?? [])
        .filter((s) => s.userId === userId && Date.parse(s.startsAt) > now)
        .sort((a, b) => Date.parse(a.startsAt) - Date.parse(b.startsAt))[0],
    [shifts.data, now],
  );

  return (
    <section className="page wide board">
      <div className="page-head">
        <h1>{t('nav.board')}</h1>
        <LiveIndicator />
      </div>

      {/* Announced once per arrival; the full list follows. */}
      <div role="alert" className="board-alert-region">
        {latest && (
          <p className={`board-alert ${isMiss(latest.event) ? 'miss' : 'warn'}`} key={latest.id}>
            <span className="board-icon" aria-hidden="true">
              !
            </span>
            {t('board.alertArrived', {
              number: latest.number,
              what: labelOf(EVENT_LABELS[latest.event]),
              time: formatNetworkTime(latest.at, lang),
            })}
          </p>
        )}
      </div>

      <ErrorMessage error={board.error} />
      {!data && board.loading && (
        <p className="loading" role="status">
          {t('common.loading')}
        </p>
      )}

      {data && (
        <>
          <div className="board-summary">
            <section className="card board-warnings" aria-labelledby="board-warnings-title">
              <h2 id="board-warnings-title">{t('board.warningsTitle')}</h2>
              {warnings.length === 0 ? (
                <p className="muted">{t('board.noWarnings')}</p>
              ) : (
                <ul className="board-warning-list" data-testid="board-warnings">
                  {warnings.map((w) => (
                    <li key={w.id} className={isMiss(w.event) ? 'miss' : w.event === 'report_due_soon' ? 'warn' : ''}>
                      <time dateTime={w.at}>{formatNetworkTime(w.at, lang)}</time>{' '}
                      <Link to={`/referrals/${w.referralId}`} className="mono">
                        {w.number}
                      </Link>{' '}
                      {w.service && <span className="tag">{labelOf(SERVICE_LABELS[w.service])}</span>}
                      <strong>{labelOf(EVENT_LABELS[w.event])}</strong>
                    </li>
                  ))}
                </ul>
              )}
            </section>
            <section className="card board-escalations" aria-labelledby="board-escalations-title">
              <h2 id="board-escalations-title">{t('board.escalationsTitle')}</h2>
              {escalations.length === 0 ? (
                <p className="muted">{t('board.noEscalations')}</p>
              ) : (
                <ul className="board-warning-list" data-testid="board-escalations">
                  {escalations.map((q) => (
                    <li key={q.id} className="miss">
                      <a href={`#${queueRowId(q.id)}`} className="mono">
                        {q.number}
                      </a>{' '}
                      <span className="tag">{labelOf(SERVICE_LABELS[q.service])}</span>
                      <span className="tag">{labelOf(PRIORITY_LABELS[q.priority])}</span>
                      {t('board.escalatedSince', { time: formatNetworkTime(q.escalatedAt!, lang) })}
                    </li>
                  ))}
                </ul>
              )}
            </section>
          </div>

          <div className="board-pools">
            {data.pools.map((pool) => (
              <PoolCard
                key={pool.service}
                pool={pool}
                now={now}
                warned={warnedIds}
                online={onlineNow}
                nextShift={nextShift}
                onChanged={scheduleReload}
              />
            ))}
          </div>

          <AppointmentsSection items={data.appointments} now={now} onChanged={scheduleReload} />
        </>
      )}
    </section>
  );
}
