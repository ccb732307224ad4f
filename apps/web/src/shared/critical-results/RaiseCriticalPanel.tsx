import type { CriticalResultView } from '@zhiyin/contracts';
import { CRITICAL_STATE_LABELS, type Service } from '@zhiyin/workflow';
import { useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useErrorText } from '../../lib/errors';
import { useAsync, useNow } from '../../lib/hooks';
import { useRealtime } from '../../lib/realtime';
import { raiseCritical, referralCritical } from './api';
import { DueClock } from './DueClock';
import { useCriticalPolicy } from './useCriticalPolicy';
import './critical.css';
import { useAction } from '../../lib/useAction';

/**
 * The reader's "危急值 Critical result" action in the workspace: at once, before or after signing, the reader picks
 * the finding from the service's list; the referring centre is alerted by the server. Below, this referral's critical
 * results and where each stands (read back, escalated, closed).
 */
export function RaiseCriticalPanel({
  referralId,
  service,
  canRaise,
}: {
  referralId: string;
  service: Service;
  canRaise: boolean;
}) {
  const { t, name, dateTime, labelOf } = useI18n();
  const ids = useId();
  const now = useNow(1000);
  const errorText = useErrorText();
  const policy = useCriticalPolicy();
  const list = useAsync<CriticalResultView[]>(() => referralCritical(referralId), [referralId]);
  const [open, setOpen] = useState(false);
  const [code, setCode] = useState('');
  const [note, setNote] = useState('');
  const { busy, error, run } = useAction();
  const [done, setDone] = useState<string>();

  useRealtime(['critical.raised', 'critical.escalated', 'critical.settled'], (_e, p) => {
    if (p.referralId === referralId) list.reload();
  });

  const findings = policy.data?.policy.findings[service] ?? [];
  const minutes = policy.data?.policy.confirmMinutes[service] ?? 10;
  const items = list.data ?? [];
  if (!canRaise && items.length === 0) return null;

  const submit = () =>
    run(async () => {
      const raised = await raiseCritical(referralId, { findingCode: code, note: note.trim() || undefined });
      setDone(t('critical.raised', { finding: name(raised.findingZh, raised.findingEn) }));
      setOpen(false);
      setCode('');
      setNote('');
      list.reload();
    });

  return (
    <section className="card critical-panel" aria-labelledby={`${ids}-h`} data-testid="critical-panel">
      <h2 id={`${ids}-h`} className="small-title">
        {t('critical.onReferral')}
      </h2>
      {canRaise && !open && (
        <button type="button" className="danger" onClick={() => setOpen(true)} data-testid="critical-open">
          {t('critical.action')}
        </button>
      )}
      {open && (
        <form
          className="critical-raise"
          onSubmit={(e) => {
            e.preventDefault();
            if (code) void submit();
          }}
        >
          <h3>{t('critical.raiseTitle')}</h3>
          <p className="hint">{t('critical.raiseHint', { minutes })}</p>
          <label htmlFor={`${ids}-f`}>{t('critical.finding')}</label>
          <select
            id={`${ids}-f`}
            value={code}
            onChange={(e) => setCode(e.target.value)}
            required
            autoFocus
            data-testid="critical-finding-select"
          >
            <option value="">{t('critical.choose')}</option>
            {findings.map((f) => (
              <option key={f.code} value={f.code}>
                {f.label['zh-CN']} · {f.label.en}
              </option>
            ))}
          </select>
          <label htmlFor={`${ids}-n`}>{t('critical.note')}</label>
          <textarea
            id={`${ids}-n`}
            rows={2}
            value={note}
            onChange={(e) => setNote(e.target.value)}
            data-testid="critical-note"
          />
          {error !== undefined && (
            <p className="error" role="alert">
              {errorText(error)}
            </p>
          )}
          <div className="actions">
            <button type="submit" className="danger" disabled={busy || !code} data-testid="critical-raise">
              {t('critical.raise')}
            </button>
            <button type="button" className="secondary" onClick={() => setOpen(false)}>
              {t('critical.cancel')}
            </button>
          </div>
        </form>
      )}
      {done && (
        <p className="notice" role="status" data-testid="critical-raised">
          {done}
        </p>
      )}
      {items.length > 0 && (
        <ul className="plain" data-testid="critical-list">
          {items.map((c) => (
            <li key={c.id} data-testid="critical-entry" data-state={c.state}>
              <strong>{name(c.findingZh, c.findingEn)}</strong> · {labelOf(CRITICAL_STATE_LABELS[c.state])} ·{' '}
              {t('critical.raisedAt')} {dateTime(c.raisedAt)}
              {c.state === 'raised' && (
                <>
                  {' '}
                  · <DueClock dueAt={c.confirmDueAt} now={now} />
                </>
              )}
              {c.confirmedBy && c.confirmedAt && (
                <>
                  {' '}
                  ·{' '}
                  {t('critical.confirmedBy', {
                    name: name(c.confirmedBy.nameZh, c.confirmedBy.nameEn),
                    time: dateTime(c.confirmedAt),
                  })}
                </>
              )}
              {c.plannedAction && (
                <>
                  {' '}
                  · {t('critical.plannedAction')}: {c.plannedAction}
                </>
              )}
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
