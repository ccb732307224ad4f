import { inStateGroup, PRIORITY_LABELS, SERVICE_LABELS, STATE_LABELS } from '@zhiyin/workflow';
import { useState, type FormEvent } from 'react';
import { Link } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { returnFocusOnClose } from '../../lib/focus';
import type { BoardQueueItemView, DutyShiftView, PoolSpecialistView, PoolView } from '@zhiyin/contracts';
import { reassign } from './api';
import { REFERRAL_REFUSALS } from '../../shared/referrals/refusal';
import { formatDuration, formatNetworkDateTime } from './time';
import { ErrorMessage } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

/**
 * A centre's name without the words every centre shares (the full name is its tooltip), as a name pair
 * for the i18n `name()`.
 */
export function shortCentreName(zh: string, en: string): [zh: string, en: string] {
  return [
    zh.replace(/^[^市]{2,4}市([^区]{2,4}区)?/, '').replace(/社区卫生服务中心$/, '') || zh,
    en.replace(/ Community Health Service Centre/, '') || en,
  ];
}

export const queueRowId = (referralId: string) => `board-row-${referralId}`;

interface Props {
  pool: PoolView;
  now: number;
  /** referrals with a live turnaround warning (warn) or miss (miss) */
  warned: Map<string, 'warn' | 'miss'>;
  /** live presence changes since the last read */
  online: Record<string, boolean>;
  nextShift: (userId: string) => DutyShiftView | undefined;
  onChanged: () => void;
}

/** The turnaround limit a referral is running against: acceptance first, then the report. */
function limitOf(q: BoardQueueItemView): { dueAt: string | null; kind: 'accept' | 'report' | 'missed' | 'none' } {
  const accepted = inStateGroup('heldByReader', q.state);
  if (!accepted && q.timers.accept_deadline) return { dueAt: q.timers.accept_deadline, kind: 'accept' };
  if (q.timers.report_deadline) return { dueAt: q.timers.report_deadline, kind: 'report' };
  if (q.escalatedAt) return { dueAt: null, kind: 'missed' };
  return { dueAt: null, kind: 'none' };
}

export function PoolCard({ pool, now, warned, online, nextShift, onChanged }: Props) {
  const { t, lang, name, labelOf, list } = useI18n();
  const [reassigning, setReassigning] = useState<BoardQueueItemView | null>(null);
  const [done, setDone] = useState<{ number: string; name: string } | null>(null);
  // The pool is named after its reading centres (the administrator may rename them), else after its service.
  const centreNames = list(pool.centres.map((c) => name(c.nameZh, c.nameEn)));
  const poolName = centreNames || t('board.poolTitle', { service: labelOf(SERVICE_LABELS[pool.service]) });
  const titleId = `board-pool-${pool.service}`;
  const isOnline = (s: PoolSpecialistView) => online[s.id] ?? s.online;
  const onDuty = pool.specialists.filter((s) => s.onDuty);
  const reachable = pool.specialists.filter((s) => s.onDuty && isOnline(s)).length;

  return (
    <section className="card board-pool" aria-labelledby={titleId} data-testid={`pool-${pool.service}`}>
      <h2 id={titleId}>
        <span data-testid="pool-name">{poolName}</span>{' '}
        <span className="board-count">{t('board.queueCount', { n: pool.queue.length })}</span>
      </h2>

      <h3 className="board-sub">{t('board.specialistsTitle')}</h3>
      <p className="hint">{t('board.specialistsSummary', { duty: onDuty.length, online: reachable })}</p>
      <ul className="board-specialists">
        {pool.specialists.map((s) => {
          const shift = s.onDuty ? undefined : nextShift(s.id);
          return (
            <li key={s.id} className={isOnline(s) ? 'online' : ''} data-testid={`specialist-${s.id}`}>
              <span className={`board-presence ${isOnline(s) ? 'on' : ''}`} aria-hidden="true" />
              <strong>{name(s.nameZh, s.nameEn)}</strong>
              <span className="board-badges">
                <span className={`board-badge ${s.onDuty ? 'duty' : ''}`}>
                  {s.onDuty ? t('board.onDuty') : t('board.offDuty')}
                </span>
                <span className={`board-badge ${isOnline(s) ? 'online' : ''}`}>
                  {isOnline(s) ? t('board.online') : t('board.offline')}
                </span>
                <span className="board-badge">{t('board.load', { n: s.load })}</span>
                {s.offers > 0 && <span className="board-badge">{t('board.offers', { n: s.offers })}</span>}
              </span>
              {s.onDuty && s.shiftEndsAt && (
                <span className="hint">
                  {t('board.shiftUntil', { time: formatNetworkDateTime(s.shiftEndsAt, lang) })}
                </span>
              )}
              {shift && (
                <span className="hint">
                  {t('board.nextShift', { time: formatNetworkDateTime(shift.startsAt, lang) })}
                </span>
              )}
            </li>
          );
        })}
      </ul>

      <h3 className="board-sub">{t('board.queueTitle')}</h3>
      {done && (
        <p className="notice" role="status">
          {t('board.reassigned', done)}
        </p>
      )}
      {pool.queue.length === 0 ? (
        <p className="muted">{t('board.queueEmpty')}</p>
      ) : (
        <div className="table-wrap">
          <table className="list board-queue">
            <caption className="board-sr">{t('board.queueCaption', { centre: poolName })}</caption>
            <thead>
              <tr>
                <th scope="col">{t('board.col.number')}</th>
                <th scope="col">{t('board.col.centre')}</th>
                <th scope="col">{t('board.col.priority')}</th>
                <th scope="col">{t('board.col.stateHolder')}</th>
                <th scope="col">{t('board.col.times')}</th>
                <th scope="col">
                  <span className="board-sr">{t('board.col.actions')}</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {pool.queue.map((q) => {
                const limit = limitOf(q);
                const left = limit.dueAt ? Date.parse(limit.dueAt) - now : null;
                const live = warned.get(q.id);
                const level =
                  live === 'miss' || q.escalatedAt || (left !== null && left < 0)
                    ? 'miss'
                    : live === 'warn' || (q.timers.report_deadline && !q.timers.report_warning)
                      ? 'warn'
                      : '';
                const waited = q.submittedAt ? now - Date.parse(q.submittedAt) : null;
                return (
                  <tr
                    key={q.id}
                    id={queueRowId(q.id)}
                    className={level ? `board-${level}` : ''}
                    data-testid="queue-row"
                  >
                    <th scope="row">
                      <Link to={`/referrals/${q.id}`} className="mono">
                        {q.number}
                      </Link>
                      {q.modality && <span className="tag board-modality">{q.modality}</span>}
                    </th>
                    <td title={name(q.centre.nameZh, q.centre.nameEn)}>
                      {name(...shortCentreName(q.centre.nameZh, q.centre.nameEn))}
                    </td>
                    <td>
                      <span className={`board-priority ${q.priority}`}>{labelOf(PRIORITY_LABELS[q.priority])}</span>
                    </td>
                    <td>
                      {labelOf(STATE_LABELS[q.state])}
                      <span className="board-block hint">
                        {q.assignee
                          ? name(q.assignee.nameZh, q.assignee.nameEn)
                          : q.offeredTo
                            ? t('board.offeredTo', { name: name(q.offeredTo.nameZh, q.offeredTo.nameEn) })
                            : t('board.unassigned')}
                      </span>
                    </td>
                    <td className="board-left">
                      <span className="board-block">
                        {t('board.waited', { time: waited !== null ? formatDuration(waited, t) : '—' })}
                      </span>
                      {level === 'miss' && (
                        <span className="board-flag miss">
                          <span className="board-icon" aria-hidden="true">
                            !
                          </span>
                          {t('board.missed')}
                        </span>
                      )}
                      {level === 'warn' && (
                        <span className="board-flag warn">
                          <span className="board-icon" aria-hidden="true">
                            !
                          </span>
                          {t('board.dueSoon')}
                        </span>
                      )}
                      {left !== null && (
                        <span className="board-countdown">
                          {left >= 0
                            ? t(limit.kind === 'accept' ? 'board.leftToAccept' : 'board.leftToReport', {
                                time: formatDuration(left, t),
                              })
                            : t('board.over', { time: formatDuration(left, t) })}
                        </span>
                      )}
                      {left === null && limit.kind === 'none' && '—'}
                    </td>
                    <td>
                      {q.availableEvents.includes('reassign') && (
                        <button
                          type="button"
                          className="secondary board-small"
                          aria-label={t('board.reassignFor', { number: q.number })}
                          aria-expanded={reassigning?.id === q.id}
                          onClick={() => {
                            setDone(null);
                            setReassigning(reassigning?.id === q.id ? null : q);
                          }}
                        >
                          {t('board.reassign')}
                        </button>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {reassigning && (
        <ReassignForm
          key={reassigning.id}
          item={reassigning}
          specialists={pool.specialists}
          isOnline={isOnline}
          onCancel={() => setReassigning(null)}
          onDone={(who) => {
            setReassigning(null);
            setDone({ number: reassigning.number, name: who });
            onChanged();
          }}
        />
      )}
    </section>
  );
}

function ReassignForm({
  item,
  specialists,
  isOnline,
  onCancel,
  onDone,
}: {
  item: BoardQueueItemView;
  specialists: readonly PoolSpecialistView[];
  isOnline: (s: PoolSpecialistView) => boolean;
  onCancel: () => void;
  onDone: (name: string) => void;
}) {
  const { t, name } = useI18n();
  const current = item.assignee?.id ?? item.offeredTo?.id;
  const choices = specialists.filter((s) => s.id !== current);
  const [to, setTo] = useState(choices.find((s) => s.onDuty && isOnline(s))?.id ?? choices[0]?.id ?? '');
  const { busy, error, run } = useAction();
  const selectId = `board-reassign-${item.id}`;
  const who = specialists.find((s) => s.id === to);

  function submit(e: FormEvent) {
    e.preventDefault();
    if (!who) return;
    return run(async () => {
      await reassign(item.id, who.id, item.rowVersion);
      onDone(name(who.nameZh, who.nameEn));
    });
  }

  return (
    <form
      ref={returnFocusOnClose}
      className="board-form"
      onSubmit={(e) => void submit(e)}
      aria-labelledby={`${selectId}-title`}
    >
      <h4 id={`${selectId}-title`}>{t('board.reassignTitle', { number: item.number })}</h4>
      <p className="hint">
        {current
          ? t('board.reassignFrom', {
              name: name((item.assignee ?? item.offeredTo)!.nameZh, (item.assignee ?? item.offeredTo)!.nameEn),
            })
          : t('board.reassignFromQueue')}
      </p>
      {choices.length === 0 ? (
        <p className="warning">{t('board.noOtherSpecialist')}</p>
      ) : (
        <>
          <label htmlFor={selectId}>{t('board.reassignTo')}</label>
          <select id={selectId} value={to} onChange={(e) => setTo(e.target.value)}>
            {choices.map((s) => (
              <option key={s.id} value={s.id}>
                {t('board.specialistOption', {
                  name: name(s.nameZh, s.nameEn),
                  duty: s.onDuty ? t('board.onDuty') : t('board.offDuty'),
                  online: isOnline(s) ? t('board.online') : t('board.offline'),
                  load: s.load,
                })}
              </option>
            ))}
          </select>
          {who && !(who.onDuty && isOnline(who)) && <p className="warning">{t('board.reassignNotReachable')}</p>}
          <p className="hint">{t('board.reassignExplain')}</p>
        </>
      )}
      <ErrorMessage error={error} wording={REFERRAL_REFUSALS} />
      <div className="actions">
        <button type="submit" disabled={busy || !who}>
          {busy ? t('common.saving') : t('board.reassignConfirm', { name: who ? name(who.nameZh, who.nameEn) : '' })}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
