import type { PatientDecisionView } from '@zhiyin/contracts';
import { DISPOSITION_PATIENT_TEXT } from '@zhiyin/workflow';
import { useState } from 'react';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { api, ApiError } from '../../lib/api';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { useRealtime } from '../../lib/realtime';
import './patient-portal.css';
import { useAction } from '../../lib/useAction';

// GET /api/me/decision: the latest decision both doctors signed, in plain words (contracts' PatientDecisionView).
// It answers 404 until there is one.
type Decision = PatientDecisionView;

/** The hub's clock: appointments are given in Beijing time wherever the phone is. */
const TIME_ZONE = 'Asia/Shanghai';

/** null: no decision yet; 'revising': an agreed decision is being changed by the doctors. */
function loadDecision(signal: AbortSignal): Promise<Decision | null | 'revising'> {
  return api<Decision>('/api/me/decision', { signal }).catch((err: unknown) => {
    if (err instanceof ApiError && err.status === 404)
      return err.details?.reason === 'being_revised' ? 'revising' : null;
    throw err;
  });
}

// The patient's own page: the decision in plain language, where to go and when, what to do, and
// the acknowledgement. Nothing else about the patient is shown or linked from here.
export default function PatientHomePage() {
  const { t, name, lang, labelOf } = useI18n();
  const { session } = useAuth();
  usePageTitle('patient.homeTitle');
  const user = session?.user;
  const decision = useAsync(loadDecision, []);
  const ack = useAction();
  const [acknowledgedNow, setAcknowledgedNow] = useState<Decision>();
  // The doctors may agree or change the decision while the page is open.
  useRealtime(['referral.changed'], () => decision.reload());

  const d = decision.data;
  const agreed = d && d !== 'revising' ? d : undefined;
  const acknowledged = agreed?.acknowledged || acknowledgedNow?.acknowledged;
  const acknowledgedAt = acknowledgedNow?.acknowledgedAt ?? agreed?.acknowledgedAt ?? null;
  const fmt = (iso: string, opts: Intl.DateTimeFormatOptions) =>
    new Intl.DateTimeFormat(lang, { timeZone: TIME_ZONE, ...opts }).format(new Date(iso));

  function acknowledge() {
    setAcknowledgedNow(undefined);
    return ack.run(async () =>
      setAcknowledgedNow(await api<Decision>('/api/me/decision/acknowledge', { method: 'POST' })),
    );
  }

  return (
    <section className="page narrow portal">
      <h1>{t('patient.hello', { name: user ? name(user.displayNameZh, user.displayNameEn) : '' })}</h1>
      <ErrorMessage error={decision.error} />
      {decision.loading && d === undefined && (
        <p className="loading" role="status">
          {t('common.loading')}
        </p>
      )}

      {(d === null || d === 'revising') && (
        <div className="card" data-testid="no-decision" data-reason={d ?? 'none'}>
          <h2>{t('patient.decisionTitle')}</h2>
          <p>{t(d === 'revising' ? 'patientPortal.revising' : 'patient.noDecision')}</p>
        </div>
      )}

      {d && d !== 'revising' && (
        <>
          <section className={`card portal-decision portal-${d.disposition}`} aria-labelledby="portal-decision-title">
            <h2 id="portal-decision-title">{t('patient.decisionTitle')}</h2>
            <p className="portal-label">{labelOf(d.dispositionLabel)}</p>
            <p className="portal-lead">{labelOf(DISPOSITION_PATIENT_TEXT[d.disposition])}</p>
          </section>

          <section className="card" aria-labelledby="portal-where-title">
            <h2 id="portal-where-title">{t('patientPortal.whereTitle')}</h2>
            <p className="portal-strong">{labelOf(d.where)}</p>
            {d.address && <p>{t('patientPortal.address', { address: d.address })}</p>}
          </section>

          {d.appointment && (
            <section className="card portal-appointment" aria-labelledby="portal-appt-title" data-testid="appointment">
              <h2 id="portal-appt-title">{t('patientPortal.appointmentTitle')}</h2>
              <dl className="portal-facts">
                <div>
                  <dt>{t('patientPortal.date')}</dt>
                  <dd>{fmt(d.appointment.at, { year: 'numeric', month: 'long', day: 'numeric', weekday: 'long' })}</dd>
                </div>
                <div>
                  <dt>{t('patientPortal.time')}</dt>
                  <dd>
                    {fmt(d.appointment.at, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })}{' '}
                    <span className="portal-note">{t('patientPortal.beijingTime')}</span>
                  </dd>
                </div>
                {d.appointment.department && (
                  <div>
                    <dt>{t('patientPortal.department')}</dt>
                    <dd>{d.appointment.department}</dd>
                  </div>
                )}
                {d.appointment.place && (
                  <div>
                    <dt>{t('patientPortal.place')}</dt>
                    <dd>{d.appointment.place}</dd>
                  </div>
                )}
              </dl>
            </section>
          )}

          <section className="card" aria-labelledby="portal-next-title">
            <h2 id="portal-next-title">{t('patientPortal.nextTitle')}</h2>
            <dl className="portal-facts">
              <div>
                <dt>{t('patientPortal.diagnosis')}</dt>
                <dd>{d.diagnosis}</dd>
              </div>
              {d.instructions && (
                <div>
                  <dt>{t('patientPortal.instructions')}</dt>
                  <dd className="portal-pre">{d.instructions}</dd>
                </div>
              )}
              {d.medications.length > 0 && (
                <div>
                  <dt>{t('patientPortal.medications')}</dt>
                  <dd>
                    <ul className="portal-meds">
                      {d.medications.map((m, i) => (
                        <li key={i}>
                          <strong>{m.name}</strong>{' '}
                          {[m.dose, m.route, m.frequency, m.duration].join(t('common.clauseSeparator'))}
                        </li>
                      ))}
                    </ul>
                  </dd>
                </div>
              )}
              {d.tests && (
                <div>
                  <dt>{t('patientPortal.tests')}</dt>
                  <dd className="portal-pre">{d.tests}</dd>
                </div>
              )}
              {d.followUp && (
                <div>
                  <dt>{t('patientPortal.followUp')}</dt>
                  <dd>{d.followUp}</dd>
                </div>
              )}
              {d.bring && (
                <div>
                  <dt>{t('patientPortal.bring')}</dt>
                  <dd className="portal-pre">{d.bring}</dd>
                </div>
              )}
            </dl>
            {lang === 'en' && <p className="portal-note">{t('patientPortal.doctorsWords')}</p>}
          </section>

          <section className="card portal-urgent" aria-labelledby="portal-urgent-title">
            <h2 id="portal-urgent-title">{t('patientPortal.urgentTitle')}</h2>
            {d.warningSigns && <p className="portal-pre">{d.warningSigns}</p>}
            <p className="portal-strong">{labelOf(d.seekHelpNow)}</p>
          </section>

          <section className="card portal-ack" aria-labelledby="portal-ack-title">
            <h2 id="portal-ack-title">{t('patientPortal.ackTitle')}</h2>
            <div role="status">
              {acknowledged && (
                <p className="portal-done">
                  <span aria-hidden="true">✓ </span>
                  {acknowledgedAt
                    ? t('patientPortal.ackDoneAt', {
                        time: fmt(acknowledgedAt, { dateStyle: 'medium', timeStyle: 'short' }),
                      })
                    : t('patientPortal.ackDone')}
                </p>
              )}
            </div>
            {!acknowledged && (
              <>
                <p>{t('patientPortal.ackIntro')}</p>
                <button
                  type="button"
                  className="portal-ack-button"
                  onClick={() => void acknowledge()}
                  disabled={ack.busy}
                >
                  {ack.busy ? t('patientPortal.acknowledging') : t('patientPortal.acknowledge')}
                </button>
              </>
            )}
            <ErrorMessage error={ack.error} />
          </section>
          <p className="portal-note">{t('patientPortal.reference', { number: d.number, version: d.version })}</p>
        </>
      )}
      <p className="muted">{t('patient.sessionNote')}</p>
    </section>
  );
}
