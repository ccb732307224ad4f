import type { CriticalResultPolicyView } from '@zhiyin/contracts';
import {
  SERVICE_LABELS,
  SERVICES,
  type CriticalFinding,
  type CriticalResultPolicy,
  type Service,
} from '@zhiyin/workflow';
import { useEffect, useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { useCriticalPolicy } from '../../shared/critical-results/useCriticalPolicy';
import { saveCriticalPolicy } from './api';
import { useAction } from '../../lib/useAction';

/**
 * The administrator's critical-result settings on the policy page: the read-back limit and the list of critical
 * findings per service. Saved as a new version (a stale edit is refused), audited.
 */
export function CriticalPolicySection() {
  const { t, labelOf } = useI18n();
  const ids = useId();
  const loaded = useCriticalPolicy();
  const [view, setView] = useState<CriticalResultPolicyView>();
  const [draft, setDraft] = useState<CriticalResultPolicy>();
  const { busy, error, run } = useAction();
  const [saved, setSaved] = useState<number>();

  useEffect(() => {
    if (loaded.data) {
      setView(loaded.data);
      setDraft(structuredClone<CriticalResultPolicy>(loaded.data.policy));
    }
  }, [loaded.data]);

  if (!draft || !view) return <ErrorMessage error={loaded.error} />;

  const setFindings = (s: Service, list: CriticalFinding[]) =>
    setDraft({ ...draft, findings: { ...draft.findings, [s]: list } });
  const setFinding = (s: Service, i: number, f: CriticalFinding) =>
    setFindings(
      s,
      draft.findings[s].map((x, j) => (j === i ? f : x)),
    );

  const save = () => {
    setSaved(undefined);
    return run(async () => {
      const next = await saveCriticalPolicy(draft, view.version);
      setView(next);
      setDraft(structuredClone<CriticalResultPolicy>(next.policy));
      setSaved(next.version);
    });
  };

  return (
    <section className="card" aria-labelledby={`${ids}-h`} data-testid="critical-policy">
      <h2 id={`${ids}-h`}>{t('critical.policyTitle')}</h2>
      <p className="muted">{t('critical.policyIntro')}</p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void save();
        }}
      >
        {SERVICES.map((s) => (
          <fieldset key={s} data-testid={`critical-policy-${s}`}>
            <legend>{labelOf(SERVICE_LABELS[s])}</legend>
            <label htmlFor={`${ids}-${s}-min`}>{t('critical.confirmMinutes')}</label>
            <input
              id={`${ids}-${s}-min`}
              type="number"
              min={1}
              max={60}
              value={draft.confirmMinutes[s]}
              onChange={(e) =>
                setDraft({ ...draft, confirmMinutes: { ...draft.confirmMinutes, [s]: Number(e.target.value) } })
              }
              data-testid={`critical-minutes-${s}`}
            />
            <table className="data">
              <thead>
                <tr>
                  <th scope="col">{t('critical.code')}</th>
                  <th scope="col">{t('critical.labelZh')}</th>
                  <th scope="col">{t('critical.labelEn')}</th>
                  <th scope="col">{t('critical.remove')}</th>
                </tr>
              </thead>
              <tbody>
                {draft.findings[s].map((f, i) => (
                  <tr key={i} data-testid="critical-policy-finding" data-code={f.code}>
                    <td>
                      <input
                        aria-label={t('critical.code')}
                        value={f.code}
                        onChange={(e) => setFinding(s, i, { ...f, code: e.target.value })}
                      />
                    </td>
                    <td>
                      <input
                        aria-label={t('critical.labelZh')}
                        value={f.label['zh-CN']}
                        onChange={(e) => setFinding(s, i, { ...f, label: { ...f.label, 'zh-CN': e.target.value } })}
                      />
                    </td>
                    <td>
                      <input
                        aria-label={t('critical.labelEn')}
                        value={f.label.en}
                        onChange={(e) => setFinding(s, i, { ...f, label: { ...f.label, en: e.target.value } })}
                      />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="secondary"
                        onClick={() =>
                          setFindings(
                            s,
                            draft.findings[s].filter((_, j) => j !== i),
                          )
                        }
                      >
                        {t('critical.remove')}
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            <button
              type="button"
              className="secondary"
              onClick={() => setFindings(s, [...draft.findings[s], { code: '', label: { 'zh-CN': '', en: '' } }])}
              data-testid={`critical-add-${s}`}
            >
              {t('critical.addFinding')}
            </button>
          </fieldset>
        ))}
        <ErrorMessage error={error} />
        {saved !== undefined && (
          <p className="notice" role="status">
            {t('critical.saved', { version: saved })}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={busy} data-testid="critical-policy-save">
            {busy ? t('common.saving') : t('critical.save')}
          </button>
          <button
            type="button"
            className="secondary"
            onClick={() => setDraft(structuredClone<CriticalResultPolicy>(view.defaults))}
          >
            {t('critical.reset')}
          </button>
        </div>
      </form>
    </section>
  );
}
