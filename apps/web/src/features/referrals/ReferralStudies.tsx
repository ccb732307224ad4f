import type { PatientMismatchDetails, ReferralDetailView } from '@zhiyin/contracts';
import { useId, useState } from 'react';
import { Link } from 'react-router';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { ErrorMessage } from '../../lib/errors';
import { useAsync } from '../../lib/hooks';
import { searchStudies } from '../../shared/dicomweb/qido';
import { HeldFile } from '../../shared/uploads/HeldFile';
import { UploadPanel } from '../../shared/uploads/UploadPanel';
import { useStoredUploads } from '../../shared/uploads/useStoredUploads';
import { REFERRAL_REFUSALS } from '../../shared/referrals/refusal';
import { type LiveReferral } from '../../shared/referrals/useLiveReferral';
import { useAction } from '../../lib/useAction';
import { attachStudy } from './api';

export function ReferralStudies({ r, referral }: { r: ReferralDetailView; referral: LiveReferral }) {
  const { t } = useI18n();
  const { session } = useAuth();
  const ids = useId();
  const canAttach = r.availableEvents.includes('attach_study') && session?.user.role === 'community_doctor';
  const [adding, setAdding] = useState(false);
  const { busy, error, run } = useAction();
  const existing = useAsync(
    (signal) =>
      canAttach && adding ? searchStudies({ PatientID: r.patientMrn, limit: 50 }, signal) : Promise.resolve([]),
    [canAttach, adding, r.patientMrn],
  );
  // Each stored file changes the study's counts (and may add a study): read the referral again as they
  // arrive, so "N files" follows the upload instead of staying at what the first file attached.
  useStoredUploads(r.id, () => referral.reload());
  const linked = new Set(r.studies.map((s) => s.studyInstanceUid));
  const candidates = (existing.data ?? []).filter((s) => !linked.has(s.studyUid));

  // A study whose file names another patient is held here with both identities, until confirmed with a reason.
  const [held, setHeld] = useState<{ uid: string; mismatch: PatientMismatchDetails }>();
  const attach = (uid: string, overrideReason?: string) =>
    run(async () => {
      try {
        await referral.step(
          ['attach_study'],
          () => attachStudy(r.id, uid, overrideReason),
          (next) => next,
        );
        setHeld(undefined);
      } catch (err) {
        if (err instanceof ApiError && err.code === 'PATIENT_MISMATCH' && err.details)
          setHeld({ uid, mismatch: err.details as unknown as PatientMismatchDetails });
        else throw err;
      }
    });

  return (
    <section className="card" aria-labelledby={`${ids}-h`} data-testid="referral-studies">
      <h2 id={`${ids}-h`}>
        {t('referrals.studies.title')} <span className="muted small">({r.studies.length})</span>
      </h2>
      {r.studies.length === 0 ? (
        <p className="muted">{t('referrals.studies.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('studies.date')}</th>
                <th scope="col">{t('studies.description')}</th>
                <th scope="col">{t('studies.modalities')}</th>
                <th scope="col">{t('studies.counts')}</th>
              </tr>
            </thead>
            <tbody>
              {r.studies.map((s) => (
                <tr key={s.studyInstanceUid} data-testid="referral-study">
                  <td>
                    <Link to={`/studies/${encodeURIComponent(s.studyInstanceUid)}`}>
                      {s.studyDate ?? t('referrals.studies.open')}
                    </Link>
                  </td>
                  <td>{s.studyDescription ?? '—'}</td>
                  <td>
                    {(s.modalities ?? []).map((m) => (
                      <span key={m} className="tag">
                        {m}
                      </span>
                    ))}
                  </td>
                  <td>{t('studies.countsValue', { series: s.seriesCount, instances: s.instanceCount })}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {canAttach && !adding && (
        <div className="actions">
          <button type="button" onClick={() => setAdding(true)} data-testid="add-studies">
            {t('referrals.studies.add')}
          </button>
        </div>
      )}
      {canAttach && adding && (
        <div className="ref-add-studies">
          <h3>{t('referrals.studies.uploadTitle')}</h3>
          <p className="hint">{t('referrals.studies.uploadHint', { number: r.number })}</p>
          <UploadPanel patientMrn={r.patientMrn} referral={{ id: r.id }} />
          <h3>{t('referrals.studies.existingTitle')}</h3>
          <ErrorMessage error={existing.error} />
          {existing.loading && <p className="muted">{t('common.loading')}</p>}
          {!existing.loading && candidates.length === 0 && <p className="muted">{t('referrals.studies.noExisting')}</p>}
          {candidates.length > 0 && (
            <ul className="ref-existing">
              {candidates.map((s) => (
                <li key={s.studyUid}>
                  <span>
                    {s.studyDate} {s.description}{' '}
                    {s.modalities.map((m) => (
                      <span key={m} className="tag">
                        {m}
                      </span>
                    ))}
                    <span className="muted small">
                      {t('studies.countsValue', { series: s.seriesCount, instances: s.instanceCount })}
                    </span>
                  </span>
                  <button type="button" className="secondary" disabled={busy} onClick={() => void attach(s.studyUid)}>
                    {t('referrals.studies.attach')}
                  </button>
                </li>
              ))}
            </ul>
          )}
          {held && (
            <HeldFile
              id={0}
              path={held.uid}
              mismatch={held.mismatch}
              onConfirm={(reason) => void attach(held.uid, reason)}
              onRemove={() => setHeld(undefined)}
              removeLabel="upload.held.skip"
            />
          )}
          {error instanceof ApiError && error.code === 'CONFLICT' ? (
            <p className="error" role="alert">
              {t('referrals.studies.conflict')}
            </p>
          ) : (
            <ErrorMessage error={error} wording={REFERRAL_REFUSALS} />
          )}
          <div className="actions">
            <button type="button" className="secondary" onClick={() => setAdding(false)}>
              {t('referrals.studies.doneAdding')}
            </button>
          </div>
        </div>
      )}
      {r.availableEvents.includes('submit') && r.studies.length > 0 && (
        <p className="notice">{t('referrals.studies.readyToSubmit')}</p>
      )}
    </section>
  );
}
