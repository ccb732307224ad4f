import type { CriticalResultView } from '@zhiyin/contracts';
import { useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useErrorText } from '../../lib/errors';
import { recordCall } from './api';
import { useCriticalPolicy } from '../../shared/critical-results/useCriticalPolicy';
import { useAction } from '../../lib/useAction';
import { CRITICAL_ERRORS } from './errors';

/** `datetime-local` wants local wall time without a zone. */
function localInput(d: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

/** The coordinator's log of one phone call about an escalated critical result. */
export function CallLogForm({ item, onDone }: { item: CriticalResultView; onDone: () => void }) {
  const { t, labelOf } = useI18n();
  const ids = useId();
  const errorText = useErrorText(CRITICAL_ERRORS);
  const policy = useCriticalPolicy();
  const [callee, setCallee] = useState('');
  const [calledAt, setCalledAt] = useState(() => localInput(new Date()));
  const [reached, setReached] = useState(true);
  const [readBack, setReadBack] = useState('');
  const [note, setNote] = useState('');
  const { busy, error, run } = useAction();
  const findings = policy.data?.policy.findings[item.service] ?? [];
  const options = findings.some((f) => f.code === item.findingCode)
    ? findings
    : [...findings, { code: item.findingCode, label: { 'zh-CN': item.findingZh, en: item.findingEn } }];
  const ready = callee.trim() && calledAt && (!reached || readBack);

  const submit = () =>
    run(async () => {
      await recordCall(item.id, {
        callee: callee.trim(),
        calledAt: new Date(calledAt).toISOString(),
        reached,
        ...(reached ? { readBack } : {}),
        ...(note.trim() ? { note: note.trim() } : {}),
      });
      // The next call is a new entry: its own time, and reached until said otherwise.
      setCallee('');
      setReadBack('');
      setNote('');
      setReached(true);
      setCalledAt(localInput(new Date()));
      onDone();
    });

  return (
    <form
      className="critical-call"
      data-testid="critical-call"
      onSubmit={(e) => {
        e.preventDefault();
        if (ready) void submit();
      }}
    >
      <label htmlFor={`${ids}-who`}>{t('critical.callee')}</label>
      <input
        id={`${ids}-who`}
        value={callee}
        onChange={(e) => setCallee(e.target.value)}
        data-testid="call-callee"
        required
      />
      <label htmlFor={`${ids}-at`}>{t('critical.calledAt')}</label>
      <input
        id={`${ids}-at`}
        type="datetime-local"
        value={calledAt}
        onChange={(e) => setCalledAt(e.target.value)}
        data-testid="call-at"
        required
      />
      <label className="critical-row">
        <input
          type="checkbox"
          checked={reached}
          onChange={(e) => setReached(e.target.checked)}
          data-testid="call-reached"
        />
        {t('critical.reached')}
      </label>
      {reached && (
        <>
          <label htmlFor={`${ids}-rb`}>{t('critical.callReadBack')}</label>
          <select
            id={`${ids}-rb`}
            value={readBack}
            onChange={(e) => setReadBack(e.target.value)}
            data-testid="call-readback"
          >
            <option value="">{t('critical.choose')}</option>
            {options.map((f) => (
              <option key={f.code} value={f.code}>
                {labelOf(f.label)}
              </option>
            ))}
          </select>
        </>
      )}
      <label htmlFor={`${ids}-note`}>{t('critical.callNote')}</label>
      <textarea
        id={`${ids}-note`}
        rows={2}
        value={note}
        onChange={(e) => setNote(e.target.value)}
        data-testid="call-note"
      />
      {error !== undefined && (
        <p className="error" role="alert">
          {errorText(error)}
        </p>
      )}
      <button type="submit" disabled={busy || !ready} data-testid="call-submit">
        {t('critical.recordCall')}
      </button>
    </form>
  );
}
