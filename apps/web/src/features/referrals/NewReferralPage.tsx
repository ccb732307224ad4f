import type { PatientView } from '@zhiyin/contracts';
import { PRIORITIES, PRIORITY_LABELS, SERVICE_LABELS, SERVICES, type Priority, type Service } from '@zhiyin/workflow';
import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { clearFormDraft, loadFormDraft, saveFormDraft } from '../../lib/formDraft';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { ageOf, getPatient, searchPatients } from '../../shared/patients/api';
import { createReferral } from './api';
import '../../shared/referrals/referrals.css';
import { useAction } from '../../lib/useAction';

const MODALITIES = ['CT', 'MR', 'DX', 'CR', 'US', 'MG', 'XA', 'NM', 'PT'] as const;

type Field = 'patient' | 'modality' | 'clinicalQuestion';

const DRAFT = 'new-referral';

/** What the doctor typed or chose, as kept across a refresh: the patient by id only, never their name. */
interface FormDraft {
  patientId: string;
  service: Service;
  modality: string;
  priority: Priority;
  question: string;
  history: string;
}

const text = (v: unknown, max: number) => (typeof v === 'string' ? v.slice(0, max) : '');

/** A kept draft, each value checked as the form would take it (anything else is left at its default). */
function draftOf(raw: Record<string, unknown> | null): FormDraft | null {
  if (!raw) return null;
  const patientId = text(raw.patientId, 64);
  return {
    patientId: /^[0-9a-f-]{36}$/i.test(patientId) ? patientId : '',
    service: (SERVICES as readonly unknown[]).includes(raw.service) ? (raw.service as Service) : 'ECG',
    modality: (MODALITIES as readonly unknown[]).includes(raw.modality) ? (raw.modality as string) : '',
    priority: (PRIORITIES as readonly unknown[]).includes(raw.priority) ? (raw.priority as Priority) : 'ROUTINE',
    question: text(raw.question, 2000),
    history: text(raw.history, 4000),
  };
}

/** Opens a referral for a patient of the doctor's centre; studies are added on the referral's page. */
export default function NewReferralPage() {
  const { t, labelOf } = useI18n();
  const navigate = useNavigate();
  const ids = useId();
  const [params] = useSearchParams();
  const userId = useAuth().session?.user.id ?? '';
  // Read once: what this doctor had typed before the page was reloaded.
  const [kept] = useState(() => (userId ? draftOf(loadFormDraft(DRAFT, userId)) : null));
  // A patient named in the address (from their record) wins over the one in the draft.
  const preset = params.get('patient') || kept?.patientId || null;
  const [patient, setPatient] = useState<PatientView>();
  const [search, setSearch] = useState('');
  const [debounced, setDebounced] = useState('');
  const [service, setService] = useState<Service>(kept?.service ?? 'ECG');
  const [modality, setModality] = useState(kept?.modality ?? '');
  const [priority, setPriority] = useState<Priority>(kept?.priority ?? 'ROUTINE');
  const [question, setQuestion] = useState(kept?.question ?? '');
  const [history, setHistory] = useState(kept?.history ?? '');
  const [errors, setErrors] = useState<Partial<Record<Field, true>>>({});
  const { busy, error: submitError, run, reset } = useAction();
  usePageTitle('referrals.newTitle');

  const presetPatient = useAsync(
    (signal) => (preset ? getPatient(preset, signal) : Promise.resolve(undefined)),
    [preset],
  );
  useEffect(() => {
    if (presetPatient.data) setPatient(presetPatient.data);
  }, [presetPatient.data]);

  // Every change is kept (a chosen patient by id), so a refresh brings the form back as it was.
  const patientId = patient?.id ?? (presetPatient.loading ? (preset ?? '') : '');
  useEffect(() => {
    if (!userId) return;
    const typed = patientId || question || history || modality || service !== 'ECG' || priority !== 'ROUTINE';
    saveFormDraft(
      DRAFT,
      userId,
      typed ? ({ patientId, service, modality, priority, question, history } satisfies FormDraft) : null,
    );
  }, [userId, patientId, service, modality, priority, question, history]);

  useEffect(() => {
    const timer = setTimeout(() => setDebounced(search.trim()), 250);
    return () => clearTimeout(timer);
  }, [search]);
  const found = useAsync(
    (signal) => (debounced ? searchPatients(debounced, 0, signal) : Promise.resolve(undefined)),
    [debounced],
  );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const missing: Partial<Record<Field, true>> = {};
    if (!patient) missing.patient = true;
    if (service === 'IMAGING' && !modality) missing.modality = true;
    if (!question.trim()) missing.clinicalQuestion = true;
    setErrors(missing);
    reset();
    const firstMissing = Object.keys(missing)[0];
    if (firstMissing) {
      document.getElementById(`${ids}-${firstMissing}`)?.focus();
      return;
    }
    return run(async () => {
      const created = await createReferral({
        patientId: patient!.id,
        service,
        priority,
        ...(service === 'IMAGING' ? { modality } : {}),
        clinicalQuestion: question.trim(),
        ...(history.trim() ? { history: history.trim() } : {}),
      });
      clearFormDraft(DRAFT, userId);
      void navigate(`/referrals/${created.id}`, { replace: true });
    });
  };

  const fieldError = (f: Field) =>
    errors[f] ? (
      <p className="field-error" id={`${ids}-${f}-err`}>
        {t(`referrals.newForm.need.${f}`)}
      </p>
    ) : null;

  return (
    <section className="page narrow">
      <nav aria-label={t('common.breadcrumb')} className="crumbs">
        <Link to="/desk/referrals">{t('referrals.title')}</Link> <span aria-hidden="true">›</span>
      </nav>
      <h1>{t('referrals.newTitle')}</h1>
      <form onSubmit={(e) => void submit(e)} noValidate className="form-grid">
        <fieldset className={`field${errors.patient ? ' invalid' : ''}`}>
          <legend>{t('referrals.patient')}</legend>
          {patient ? (
            <div className="ref-chosen" data-testid="chosen-patient">
              <strong lang="zh-CN">
                {patient.familyNameZh}
                {patient.givenNameZh}
              </strong>{' '}
              <span className="muted">
                {patient.namePinyin} · <span className="mono">{patient.mrn}</span> · {t(`sex.${patient.sex}`)} ·{' '}
                {t('patients.age', { n: ageOf(patient.birthDate) })}
              </span>{' '}
              <button type="button" className="secondary" onClick={() => setPatient(undefined)}>
                {t('referrals.newForm.changePatient')}
              </button>
            </div>
          ) : (
            <>
              <label htmlFor={`${ids}-patient`}>{t('referrals.newForm.findPatient')}</label>
              <input
                id={`${ids}-patient`}
                type="search"
                value={search}
                autoComplete="off"
                aria-describedby={`${ids}-patient-hint${errors.patient ? ` ${ids}-patient-err` : ''}`}
                aria-invalid={errors.patient ? true : undefined}
                onChange={(e) => setSearch(e.target.value)}
              />
              <p className="hint" id={`${ids}-patient-hint`}>
                {t('patients.searchHint')}
              </p>
              {fieldError('patient')}
              <ErrorMessage error={presetPatient.error ?? found.error} />
              {found.data && (
                <ul className="ref-picks" aria-label={t('referrals.newForm.results')}>
                  {found.data.items.map((p) => (
                    <li key={p.id}>
                      <button type="button" className="secondary" onClick={() => setPatient(p)}>
                        <span lang="zh-CN">
                          {p.familyNameZh}
                          {p.givenNameZh}
                        </span>
                        <span className="muted small">
                          {p.namePinyin} · {p.mrn} · {p.birthDate}
                        </span>
                      </button>
                    </li>
                  ))}
                  {found.data.items.length === 0 && <li className="muted">{t('patients.noneFound')}</li>}
                </ul>
              )}
              <p className="small">
                <Link to="/desk/patients/new">{t('referrals.newForm.register')}</Link>
              </p>
            </>
          )}
        </fieldset>

        <fieldset className="field">
          <legend>{t('referrals.service')}</legend>
          <div className="choices">
            {SERVICES.map((s) => (
              <label key={s} className="choice">
                <input type="radio" name="service" value={s} checked={service === s} onChange={() => setService(s)} />
                {labelOf(SERVICE_LABELS[s])}
              </label>
            ))}
          </div>
        </fieldset>
        {service === 'IMAGING' && (
          <div className={`field${errors.modality ? ' invalid' : ''}`}>
            <label htmlFor={`${ids}-modality`}>{t('referrals.modality')}</label>
            <select
              id={`${ids}-modality`}
              value={modality}
              aria-invalid={errors.modality ? true : undefined}
              aria-describedby={errors.modality ? `${ids}-modality-err` : undefined}
              onChange={(e) => setModality(e.target.value)}
            >
              <option value="">{t('referrals.newForm.chooseModality')}</option>
              {MODALITIES.map((m) => (
                <option key={m} value={m}>
                  {m} · {t(`referrals.mod.${m}`)}
                </option>
              ))}
            </select>
            {fieldError('modality')}
          </div>
        )}

        <div className={`field${errors.clinicalQuestion ? ' invalid' : ''}`}>
          <label htmlFor={`${ids}-clinicalQuestion`}>{t('referrals.clinicalQuestion')}</label>
          <textarea
            id={`${ids}-clinicalQuestion`}
            rows={3}
            maxLength={2000}
            value={question}
            aria-invalid={errors.clinicalQuestion ? true : undefined}
            aria-describedby={`${ids}-q-hint${errors.clinicalQuestion ? ` ${ids}-clinicalQuestion-err` : ''}`}
            onChange={(e) => setQuestion(e.target.value)}
          />
          <p className="hint" id={`${ids}-q-hint`}>
            {t('referrals.newForm.questionHint')}
          </p>
          {fieldError('clinicalQuestion')}
        </div>
        <div className="field">
          <label htmlFor={`${ids}-history`}>{t('referrals.history')}</label>
          <textarea
            id={`${ids}-history`}
            rows={4}
            maxLength={4000}
            value={history}
            onChange={(e) => setHistory(e.target.value)}
          />
        </div>

        <fieldset className="field">
          <legend>{t('referrals.priority')}</legend>
          <div className="choices">
            {PRIORITIES.map((p) => (
              <label key={p} className="choice">
                <input
                  type="radio"
                  name="priority"
                  value={p}
                  checked={priority === p}
                  onChange={() => setPriority(p)}
                />
                {labelOf(PRIORITY_LABELS[p])}
              </label>
            ))}
          </div>
          <p className="hint">{t('referrals.newForm.priorityHint')}</p>
        </fieldset>

        <ErrorMessage error={submitError} />
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? t('common.saving') : t('referrals.newForm.create')}
          </button>
          <Link className="button secondary" to="/desk/referrals" onClick={() => clearFormDraft(DRAFT, userId)}>
            {t('common.cancel')}
          </Link>
        </div>
        <p className="hint">{t('referrals.newForm.next')}</p>
      </form>
    </section>
  );
}
