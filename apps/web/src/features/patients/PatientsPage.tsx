import { useEffect, useId, useState } from 'react';
import { Link, useSearchParams } from 'react-router';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { ageOf, PAGE_SIZE, searchPatients } from '../../shared/patients/api';

export default function PatientsPage() {
  const { t } = useI18n();
  const { session } = useAuth();
  const [params, setParams] = useSearchParams();
  const q = params.get('q') ?? '';
  const offset = Number(params.get('offset') ?? 0) || 0;
  const [text, setText] = useState(q);
  const ids = useId();
  usePageTitle('patients.title');

  // Search as the doctor types (debounced); the query lives in the URL so "back" keeps it.
  useEffect(() => {
    if (text === q) return;
    const timer = setTimeout(() => setParams(text ? { q: text } : {}, { replace: true }), 250);
    return () => clearTimeout(timer);
  }, [text, q, setParams]);

  const result = useAsync((signal) => searchPatients(q, offset, signal), [q, offset]);
  const canRegister = session?.user.role === 'community_doctor';
  const items = result.data?.items ?? [];
  const total = result.data?.total ?? 0;

  return (
    <section className="page">
      <div className="page-head">
        <h1>{t('patients.title')}</h1>
        {canRegister && (
          <Link className="button" to="/desk/patients/new">
            {t('patients.register')}
          </Link>
        )}
      </div>
      <form role="search" className="search" onSubmit={(e) => e.preventDefault()}>
        <label htmlFor={`${ids}-q`}>{t('patients.search')}</label>
        <input
          id={`${ids}-q`}
          type="search"
          value={text}
          autoComplete="off"
          aria-describedby={`${ids}-qh`}
          onChange={(e) => setText(e.target.value)}
        />
        <p id={`${ids}-qh`} className="hint">
          {t('patients.searchHint')}
        </p>
      </form>
      <ErrorMessage error={result.error} />
      <p role="status" className="muted">
        {result.loading ? t('common.loading') : t('patients.found', { n: total })}
      </p>
      {items.length > 0 && (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('patients.name')}</th>
                <th scope="col">{t('patients.mrn')}</th>
                <th scope="col">{t('patients.sex')}</th>
                <th scope="col">{t('patients.birthDate')}</th>
                <th scope="col">{t('patients.nationalId')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.id}>
                  <td>
                    <Link to={`/desk/patients/${p.id}`}>
                      <span lang="zh-CN">
                        {p.familyNameZh}
                        {p.givenNameZh}
                      </span>
                    </Link>
                    <span className="muted small"> {p.namePinyin}</span>
                  </td>
                  <td className="mono">{p.mrn}</td>
                  <td>{t(`sex.${p.sex}`)}</td>
                  <td>
                    {p.birthDate} <span className="muted small">({t('patients.age', { n: ageOf(p.birthDate) })})</span>
                  </td>
                  <td className="mono">{p.nationalIdMasked ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {total > PAGE_SIZE && (
        <nav className="pager" aria-label={t('common.pages')}>
          <button
            type="button"
            className="secondary"
            disabled={offset === 0}
            onClick={() => setParams({ ...(q ? { q } : {}), offset: String(Math.max(0, offset - PAGE_SIZE)) })}
          >
            {t('common.previous')}
          </button>
          <span>
            {t('common.range', {
              from: offset + 1,
              to: Math.min(total, offset + PAGE_SIZE),
              total,
            })}
          </span>
          <button
            type="button"
            className="secondary"
            disabled={offset + PAGE_SIZE >= total}
            onClick={() => setParams({ ...(q ? { q } : {}), offset: String(offset + PAGE_SIZE) })}
          >
            {t('common.next')}
          </button>
        </nav>
      )}
      {!result.loading && total === 0 && q && canRegister && (
        <p>
          {t('patients.noneFound')} <Link to="/desk/patients/new">{t('patients.register')}</Link>
        </p>
      )}
    </section>
  );
}
