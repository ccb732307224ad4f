import { useState } from 'react';
import { Link, useParams } from 'react-router';
import { useAuth } from '../../lib/auth';
import { SERVICE_LABELS } from '@zhiyin/workflow';
import { useI18n } from '../../i18n/i18n';
import { useConfirm } from '../../lib/confirm';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { listReferrals } from '../../shared/referrals/api';
import { PriorityBadge, StateBadge } from '../../shared/referrals/badges';
import { StudyTable } from '../../shared/studies/StudyTable';
import { searchStudies } from '../../shared/dicomweb/qido';
import { ageOf, getPatient } from '../../shared/patients/api';
import { issueAccessCode, openPatientSheet } from './api';

export default function PatientDetailPage() {
  const { id = '' } = useParams();
  const { t, dateTime, labelOf } = useI18n();
  const { session } = useAuth();
  const patient = useAsync((signal) => getPatient(id, signal), [id]);
  const p = patient.data;
  const studies = useAsync(
    (signal) => (p ? searchStudies({ PatientID: p.mrn, limit: 50 }, signal) : Promise.resolve([])),
    [p?.mrn],
  );
  const referrals = useAsync((signal) => listReferrals({ patientId: id, limit: 50 }, signal), [id]);
  const [code, setCode] = useState<{ code: string; expiresAt: string }>();
  const [codeError, setCodeError] = useState<unknown>();
  const [issuing, setIssuing] = useState(false);
  const [confirm, confirmDialog] = useConfirm();
  const isDoctor = session?.user.role === 'community_doctor';
  usePageTitle('patients.detailTitle');

  if (patient.error) return <ErrorMessage error={patient.error} />;
  if (!p)
    return (
      <p className="loading" role="status">
        {t('common.loading')}
      </p>
    );

  const printSheet = async () => {
    if (!code) return;
    setCodeError(undefined);
    // Opened synchronously so the browser does not block it as a pop-up; filled when the PDF arrives.
    const win = window.open('', '_blank');
    try {
      const url = await openPatientSheet(p.id, code.code);
      if (win) win.location.href = url;
      else window.location.href = url;
    } catch (err) {
      win?.close();
      setCodeError(err);
    }
  };

  const issue = async () => {
    if (
      code &&
      !(await confirm({
        title: t('patients.codeReplaceTitle'),
        text: t('patients.codeReplaceConfirm'),
        confirmLabel: t('patients.codeReissue'),
      }))
    )
      return;
    setIssuing(true);
    setCodeError(undefined);
    try {
      setCode(await issueAccessCode(p.id));
    } catch (err) {
      setCodeError(err);
    } finally {
      setIssuing(false);
    }
  };

  return (
    <section className="page">
      <nav aria-label={t('common.breadcrumb')} className="crumbs">
        <Link to="/desk/patients">{t('patients.title')}</Link> <span aria-hidden="true">›</span>
      </nav>
      <div className="page-head">
        <h1>
          <span lang="zh-CN">
            {p.familyNameZh}
            {p.givenNameZh}
          </span>{' '}
          <span className="muted">{p.namePinyin}</span>
        </h1>
        {isDoctor && (
          <div className="actions">
            <Link className="button" to={`/desk/referrals/new?patient=${p.id}`}>
              {t('referrals.openReferral')}
            </Link>
            <Link className="button secondary" to={`/desk/upload?patient=${p.id}`}>
              {t('patients.uploadStudies')}
            </Link>
            <Link className="button secondary" to={`/desk/patients/${p.id}/edit`}>
              {t('common.edit')}
            </Link>
          </div>
        )}
      </div>
      <dl className="facts">
        <div>
          <dt>{t('patients.mrn')}</dt>
          <dd className="mono">{p.mrn}</dd>
        </div>
        <div>
          <dt>{t('patients.sex')}</dt>
          <dd>{t(`sex.${p.sex}`)}</dd>
        </div>
        <div>
          <dt>{t('patients.birthDate')}</dt>
          <dd>
            {p.birthDate} ({t('patients.age', { n: ageOf(p.birthDate) })})
          </dd>
        </div>
        <div>
          <dt>{t('patients.phone')}</dt>
          <dd>{p.phone ?? '—'}</dd>
        </div>
        <div>
          <dt>{t('patients.nationalId')}</dt>
          <dd className="mono">{p.nationalIdMasked ?? '—'}</dd>
        </div>
      </dl>

      {isDoctor && (
        <section className="card" aria-labelledby="code-h">
          <h2 id="code-h">{t('patients.codeTitle')}</h2>
          <p>{t('patients.codeIntro')}</p>
          {code && (
            <div className="access-code" role="status">
              <p className="code mono" data-testid="access-code">
                {code.code}
              </p>
              <p>
                {t('patients.codeExpires', { when: dateTime(code.expiresAt) })} {t('patients.codeOnce')}
              </p>
              <button type="button" onClick={() => void printSheet()} data-testid="print-patient-sheet">
                {t('patients.codeSheet')}
              </button>
            </div>
          )}
          <ErrorMessage error={codeError} />
          <button
            type="button"
            className="secondary"
            disabled={issuing}
            onClick={() => void issue()}
            data-testid="issue-code"
          >
            {code ? t('patients.codeReissue') : t('patients.codeIssue')}
          </button>
          {confirmDialog}
        </section>
      )}

      <section aria-labelledby="referrals-h">
        <h2 id="referrals-h">{t('referrals.patientReferrals')}</h2>
        <ErrorMessage error={referrals.error} />
        {referrals.data && referrals.data.items.length === 0 && <p className="muted">{t('referrals.patientNone')}</p>}
        {referrals.data && referrals.data.items.length > 0 && (
          <div className="table-wrap">
            <table className="list" data-testid="patient-referrals">
              <thead>
                <tr>
                  <th scope="col">{t('referrals.number')}</th>
                  <th scope="col">{t('referrals.service')}</th>
                  <th scope="col">{t('referrals.priority')}</th>
                  <th scope="col">{t('referrals.state')}</th>
                  <th scope="col">{t('referrals.updated')}</th>
                </tr>
              </thead>
              <tbody>
                {referrals.data.items.map((r) => (
                  <tr key={r.id}>
                    <td>
                      <Link className="mono" to={`/referrals/${r.id}`}>
                        {r.number}
                      </Link>
                    </td>
                    <td>
                      {labelOf(SERVICE_LABELS[r.service])}
                      {r.modality ? ` · ${r.modality}` : ''}
                    </td>
                    <td>
                      <PriorityBadge priority={r.priority} />
                    </td>
                    <td>
                      <StateBadge state={r.state} />
                    </td>
                    <td className="small">{dateTime(r.updatedAt)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>

      <section aria-labelledby="studies-h">
        <h2 id="studies-h">{t('patients.studies')}</h2>
        <ErrorMessage error={studies.error} />
        {studies.data && studies.data.length === 0 && <p className="muted">{t('studies.none')}</p>}
        {studies.data && studies.data.length > 0 && <StudyTable studies={studies.data} />}
      </section>
    </section>
  );
}
