import { useId, useState, type FormEvent } from 'react';
import { useSearchParams } from 'react-router';
import { useAuth } from '../../lib/auth';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import type { Role } from '../../lib/session';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { searchStudies } from '../../shared/dicomweb/qido';
import { StudyTable } from '../../shared/studies/StudyTable';

const MODALITIES = ['', 'CT', 'MR', 'CR', 'DX', 'US', 'XA', 'ECG'];

// What the list holds for each reader: the server answers only the studies in the caller's read scope, and the
// page says which, so that an empty search is not mistaken for a missing study.
const SCOPE_NOTE: Record<Role, MessageKey | null> = {
  community_doctor: 'studies.scope.community_doctor',
  specialist: 'studies.scope.specialist',
  coordinator: 'studies.scope.coordinator',
  admin: null,
  patient: null,
};

// Finds studies by patient, accession, modality and date (QIDO-RS), within the caller's read scope.
export default function StudiesPage() {
  const { t } = useI18n();
  const { session } = useAuth();
  const scopeNote = session ? SCOPE_NOTE[session.user.role] : null;
  const [params, setParams] = useSearchParams();
  const ids = useId();
  const [name, setName] = useState(params.get('name') ?? '');
  const [accession, setAccession] = useState(params.get('accession') ?? '');
  const [modality, setModality] = useState(params.get('modality') ?? '');
  const [from, setFrom] = useState(params.get('from') ?? '');
  const [to, setTo] = useState(params.get('to') ?? '');
  usePageTitle('studies.title');

  const key = params.toString();
  const result = useAsync(
    (signal) => {
      const p = Object.fromEntries(params);
      const d = (v?: string) => (v ? v.replace(/-/g, '') : '');
      const range = p.from || p.to ? `${d(p.from)}-${d(p.to)}` : undefined;
      return searchStudies(
        {
          PatientName: p.name ? `${p.name}*` : undefined,
          AccessionNumber: p.accession || undefined,
          ModalitiesInStudy: p.modality || undefined,
          StudyDate: range,
          limit: 100,
        },
        signal,
      );
    },
    [key],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next: Record<string, string> = {};
    if (name.trim()) next.name = name.trim();
    if (accession.trim()) next.accession = accession.trim();
    if (modality) next.modality = modality;
    if (from) next.from = from;
    if (to) next.to = to;
    setParams(next);
  };

  return (
    <section className="page">
      <h1>{t('studies.title')}</h1>
      {scopeNote && (
        <p className="muted" data-testid="studies-scope">
          {t(scopeNote)}
        </p>
      )}
      <form role="search" className="filters" onSubmit={submit}>
        <div className="field">
          <label htmlFor={`${ids}-n`}>{t('studies.patientName')}</label>
          <input id={`${ids}-n`} value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-a`}>{t('studies.accession')}</label>
          <input id={`${ids}-a`} value={accession} onChange={(e) => setAccession(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-m`}>{t('studies.modality')}</label>
          <select id={`${ids}-m`} value={modality} onChange={(e) => setModality(e.target.value)}>
            {MODALITIES.map((m) => (
              <option key={m} value={m}>
                {m || t('studies.anyModality')}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor={`${ids}-f`}>{t('studies.from')}</label>
          <input id={`${ids}-f`} type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor={`${ids}-t`}>{t('studies.to')}</label>
          <input id={`${ids}-t`} type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
        <button type="submit">{t('common.search')}</button>
      </form>
      <ErrorMessage error={result.error} />
      <p role="status" className="muted">
        {result.loading ? t('common.loading') : t('studies.found', { n: result.data?.length ?? 0 })}
      </p>
      {result.data && result.data.length > 0 && <StudyTable studies={result.data} />}
    </section>
  );
}
