import { CriticalPolicySection } from './CriticalPolicySection';
import {
  PRIORITIES,
  PRIORITY_LABELS,
  SERVICE_LABELS,
  SERVICES,
  TURNAROUND_FIELDS,
  TURNAROUND_SOURCES,
  validateTurnaroundPolicy,
  type Priority,
  type Service,
  type TurnaroundField,
  type PolicyProblem,
  type TurnaroundPolicy,
} from '@zhiyin/workflow';
import type { TurnaroundPolicyView } from '@zhiyin/contracts';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { SecondFactorPolicySection } from './SecondFactorPolicySection';
import { ApiError } from '../../lib/api';
import { usePageTitle } from '../../lib/hooks';
import { getPolicy, putPolicy } from './api';
import { ADMIN_ERRORS, adminKey, StatusNote } from './shared';
import './admin.css';
import { ErrorMessage } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

type Values = Record<string, string>;
const path = (s: Service, p: Priority, f: TurnaroundField) => `${s}.${p}.${f}`;

function valuesOf(policy: TurnaroundPolicy): Values {
  const v: Values = {};
  for (const s of SERVICES)
    for (const p of PRIORITIES) for (const f of TURNAROUND_FIELDS) v[path(s, p, f)] = String(policy[s][p][f]);
  return v;
}

/** The form as a policy; what is not a number is sent as typed, so the rules name the field. */
function policyOf(values: Values): Record<Service, Record<Priority, Record<string, number>>> {
  const out = {} as Record<Service, Record<Priority, Record<string, number>>>;
  for (const s of SERVICES) {
    out[s] = {} as Record<Priority, Record<string, number>>;
    for (const p of PRIORITIES) {
      out[s][p] = {};
      for (const f of TURNAROUND_FIELDS) {
        const raw = values[path(s, p, f)]!.trim();
        out[s][p][f] = /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : (raw as unknown as number);
      }
    }
  }
  return out;
}

export default function PolicyPage() {
  const { t, name, dateTime, labelOf } = useI18n();
  usePageTitle('nav.policy');
  const ids = useId();
  const [view, setView] = useState<TurnaroundPolicyView>();
  const [values, setValues] = useState<Values>({});
  const [problems, setProblems] = useState<Record<string, PolicyProblem>>({});
  const [loadError, setLoadError] = useState<unknown>();
  const [status, setStatus] = useState<string | null>(null);
  const { busy, error: saveError, run, reset } = useAction();

  const load = (signal?: AbortSignal) =>
    getPolicy(signal).then(
      (v) => {
        setView(v);
        setValues(valuesOf(v.policy));
        setProblems({});
      },
      (err: unknown) => {
        if (!signal?.aborted) setLoadError(err);
      },
    );

  useEffect(() => {
    const ctrl = new AbortController();
    void load(ctrl.signal);
    return () => ctrl.abort();
  }, []);

  const problemText = (p: PolicyProblem): string => {
    const field = p.path.split('.')[2] ?? '';
    if (p.code === 'out_of_order') {
      const key = adminKey(`admin.policy.problem.out_of_order.${field}`);
      if (key) return t(key);
    }
    if (p.code === 'slower_than_lower_priority') {
      const more = p.path.split('.')[1] as Priority;
      const less = PRIORITIES[PRIORITIES.indexOf(more) + 1];
      return t('admin.policy.problem.slower_than_lower_priority', {
        priority: less ? labelOf(PRIORITY_LABELS[less]) : '',
      });
    }
    const key = adminKey(`admin.policy.problem.${p.code}`);
    return key ? t(key) : t('admin.policy.problem.other');
  };

  const showProblems = (list: readonly PolicyProblem[]) => {
    const byPath: Record<string, PolicyProblem> = {};
    for (const p of list) byPath[p.path] ??= p;
    setProblems(byPath);
    const first = SERVICES.flatMap((s) => PRIORITIES.flatMap((p) => TURNAROUND_FIELDS.map((f) => path(s, p, f)))).find(
      (k) => byPath[k],
    );
    if (first) document.getElementById(`${ids}-${first}`)?.focus();
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!view) return;
    setStatus(null);
    reset();
    const policy = policyOf(values);
    // The same rules as the API (packages/workflow), so each field says what is wrong at once.
    const found = validateTurnaroundPolicy(policy);
    if (found.length > 0) {
      showProblems(found);
      return;
    }
    setProblems({});
    return run(async () => {
      try {
        const saved = await putPolicy(policy, view.version);
        setStatus(
          saved.version === view.version
            ? t('admin.policy.unchanged')
            : t('admin.policy.saved', { version: saved.version }),
        );
        setView(saved);
        setValues(valuesOf(saved.policy));
      } catch (err) {
        if (err instanceof ApiError && err.code === 'STALE_STATE') {
          await load();
          setStatus(t('admin.policy.stale'));
        } else if (err instanceof ApiError && Array.isArray(err.details?.problems)) {
          showProblems(err.details.problems as PolicyProblem[]);
        } else throw err;
      }
    });
  };

  const duration = (raw: string) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 60) return '';
    const text =
      n >= 1440 && n % 1440 === 0
        ? t('admin.policy.days', { n: n / 1440 })
        : t('admin.policy.hours', { n: Math.round((n / 60) * 10) / 10 });
    return t('admin.policy.duration', { text });
  };
  const problemCount = Object.keys(problems).length;

  return (
    <section className="page wide admin-page">
      <h1>{t('nav.policy')}</h1>
      <p className="muted">{t('admin.policy.intro')}</p>
      <ErrorMessage error={loadError} wording={ADMIN_ERRORS} />
      {view && (
        <p>
          {view.source === 'stored' && view.changedBy && view.changedAt
            ? t('admin.policy.version', {
                version: view.version,
                name: name(view.changedBy.displayNameZh, view.changedBy.displayNameEn),
                at: dateTime(view.changedAt),
              })
            : t('admin.policy.configured')}
        </p>
      )}
      <StatusNote text={status} />
      {view && (
        <form onSubmit={(e) => void submit(e)} noValidate>
          {problemCount > 0 && (
            <p className="error" role="alert">
              {t('admin.fieldErrors', { count: problemCount })}
            </p>
          )}
          {SERVICES.map((s) => (
            <div key={s} className="table-wrap admin-policy-wrap">
              <table className="list admin-policy">
                <caption className="small-title">
                  <h2>{labelOf(SERVICE_LABELS[s])}</h2>
                </caption>
                <thead>
                  <tr>
                    <th scope="col">{t('admin.policy.priority')}</th>
                    {TURNAROUND_FIELDS.map((f) => (
                      <th key={f} scope="col">
                        {t(`admin.policy.field.${f}`)}
                        <span className="admin-sub muted small">{t(`admin.policy.fieldHint.${f}`)}</span>
                      </th>
                    ))}
                  </tr>
                </thead>
                <tbody>
                  {PRIORITIES.map((p) => (
                    <tr key={p}>
                      <th scope="row">
                        {labelOf(PRIORITY_LABELS[p])}
                        <p className="admin-policy-source">
                          {t('admin.policy.source', { text: labelOf(TURNAROUND_SOURCES[s][p]) })}
                        </p>
                      </th>
                      {TURNAROUND_FIELDS.map((f) => {
                        const k = path(s, p, f);
                        const problem = problems[k];
                        const id = `${ids}-${k}`;
                        const hint = duration(values[k] ?? '');
                        return (
                          <td key={f}>
                            <input
                              id={id}
                              name={k}
                              type="number"
                              inputMode="numeric"
                              min={1}
                              step={1}
                              value={values[k] ?? ''}
                              aria-label={t('admin.policy.inputLabel', {
                                service: labelOf(SERVICE_LABELS[s]),
                                priority: labelOf(PRIORITY_LABELS[p]),
                                field: t(`admin.policy.field.${f}`),
                              })}
                              aria-invalid={problem ? true : undefined}
                              aria-describedby={
                                [hint ? `${id}-hint` : '', problem ? `${id}-err` : ''].filter(Boolean).join(' ') ||
                                undefined
                              }
                              onChange={(e) => setValues((v) => ({ ...v, [k]: e.target.value }))}
                            />
                            {hint && (
                              <p className="hint" id={`${id}-hint`}>
                                {hint}
                              </p>
                            )}
                            {problem && (
                              <p className="field-error" id={`${id}-err`}>
                                {problemText(problem)}
                              </p>
                            )}
                          </td>
                        );
                      })}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          ))}
          <ErrorMessage error={saveError} wording={ADMIN_ERRORS} />
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? t('common.saving') : t('common.save')}
            </button>
            <button
              type="button"
              className="secondary"
              onClick={() => {
                setValues(valuesOf(view.configured));
                setProblems({});
              }}
            >
              {t('admin.policy.reset')}
            </button>
          </div>
        </form>
      )}
      <CriticalPolicySection />
      <SecondFactorPolicySection />
    </section>
  );
}
