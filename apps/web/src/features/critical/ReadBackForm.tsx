import type { CriticalResultView } from '@zhiyin/contracts';
import { useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useErrorText } from '../../lib/errors';
import { confirmCritical } from './api';
import { useCriticalPolicy } from '../../shared/critical-results/useCriticalPolicy';
import { useAction } from '../../lib/useAction';
import { CRITICAL_ERRORS } from './errors';

/**
 * The referring doctor's read-back: they choose the finding they read in the report from the whole list of the
 * service (nothing chosen beforehand) and say what they will do. The server compares; a wrong one is refused.
 */
export function ReadBackForm({ item, onDone }: { item: CriticalResultView; onDone: () => void }) {
  const { t, labelOf } = useI18n();
  const ids = useId();
  const policy = useCriticalPolicy();
  const errorText = useErrorText(CRITICAL_ERRORS);
  const [readBack, setReadBack] = useState('');
  const [action, setAction] = useState('');
  const { busy, error, run } = useAction();
  const findings = policy.data?.policy.findings[item.service] ?? [];
  // A finding removed from the list since it was reported can still be read back.
  const options = findings.some((f) => f.code === item.findingCode)
    ? findings
    : [...findings, { code: item.findingCode, label: { 'zh-CN': item.findingZh, en: item.findingEn } }];

  const submit = () =>
    run(async () => {
      await confirmCritical(item.id, { readBack, plannedAction: action.trim() });
      onDone();
    });

  return (
    <form
      className="critical-readback"
      data-testid="critical-readback"
      onSubmit={(e) => {
        e.preventDefault();
        if (readBack && action.trim()) void submit();
      }}
    >
      <label htmlFor={`${ids}-rb`}>{t('critical.readBack')}</label>
      <select
        id={`${ids}-rb`}
        value={readBack}
        onChange={(e) => setReadBack(e.target.value)}
        data-testid="critical-readback-finding"
        required
      >
        <option value="">{t('critical.choose')}</option>
        {options.map((f) => (
          <option key={f.code} value={f.code}>
            {labelOf(f.label)}
          </option>
        ))}
      </select>
      <p className="hint">{t('critical.readBackHint')}</p>
      <label htmlFor={`${ids}-act`}>{t('critical.plannedAction')}</label>
      <textarea
        id={`${ids}-act`}
        rows={2}
        value={action}
        placeholder={t('critical.action.placeholder')}
        onChange={(e) => setAction(e.target.value)}
        data-testid="critical-readback-action"
        required
      />
      {error !== undefined && (
        <p className="error" role="alert" data-testid="critical-readback-error">
          {errorText(error)}
        </p>
      )}
      <button type="submit" disabled={busy || !readBack || !action.trim()} data-testid="critical-readback-submit">
        {t('critical.confirm')}
      </button>
    </form>
  );
}
