import type { ReferralDetailView, ReferralStudyView } from '@zhiyin/contracts';
import { useI18n } from '../../i18n/i18n';

import { readableName } from '../../shared/patient-identity/IdentityCompare';

/**
 * For each study of the referral, whose it is and when and where it was recorded, beside the referral's patient:
 * the file's own patient identity, recording time, device and sending centre. A warning stands out when the
 * two identities differ (a confirmed override, with its reason) or the study is older than the network allows.
 */
export function StudyProvenance({ referral }: { referral: ReferralDetailView }) {
  const { t, name, list } = useI18n();
  const sex = (v: string | null | undefined) =>
    v && ['M', 'F', 'O', 'U'].includes(v) ? t(`sex.${v as 'M'}`) : (v ?? '—');
  if (referral.studies.length === 0) return null;
  return (
    <section className="provenance" aria-label={t('reading.provenance.title')} data-testid="provenance">
      {referral.studies.map((s: ReferralStudyView) => {
        const differs = s.identity.verdict !== 'match';
        const device = [s.device.manufacturer, s.device.model, s.device.station].filter(Boolean).join(' · ');
        return (
          <div
            key={s.studyInstanceUid}
            className={`provenance-study${differs || s.old ? ' warn' : ''}`}
            data-testid="provenance-study"
            data-verdict={s.identity.verdict}
            data-old={s.old}
          >
            {differs && (
              <p className="warning" role="alert" data-testid="provenance-identity-warning">
                {s.identity.verdict === 'unconfirmed'
                  ? t('reading.provenance.unconfirmed')
                  : t('reading.provenance.differs', {
                      fields: list(s.identity.differing.map((f) => t(`upload.held.${f}`))),
                    })}
                {s.override
                  ? ` ${t('reading.provenance.override', { by: s.override.byName ?? '—', reason: s.override.reason })}`
                  : ''}
              </p>
            )}
            {s.old && (
              <p className="warning" role="alert" data-testid="provenance-age-warning">
                {t('reading.provenance.old', { days: s.ageDays ?? 0, max: s.maxAgeDays })}
              </p>
            )}
            <table className="list identity-compare">
              <thead>
                <tr>
                  <th scope="col">{t('upload.held.field')}</th>
                  <th scope="col">{t('reading.provenance.file')}</th>
                  <th scope="col">{t('reading.provenance.patient')}</th>
                </tr>
              </thead>
              <tbody>
                <tr data-field="name" data-differs={s.identity.differing.includes('name')}>
                  <th scope="row">{t('upload.held.name')}</th>
                  <td data-testid="file-name">{readableName(s.filePatient.name) || '—'}</td>
                  <td>
                    {referral.patientName}
                    {referral.patientNamePinyin ? ` (${referral.patientNamePinyin})` : ''}
                  </td>
                </tr>
                <tr data-field="patientId" data-differs={s.identity.differing.includes('patientId')}>
                  <th scope="row">{t('upload.held.patientId')}</th>
                  <td className="mono" data-testid="file-patient-id">
                    {s.filePatient.patientId ?? '—'}
                  </td>
                  <td className="mono">{referral.patientMrn}</td>
                </tr>
                <tr data-field="sex" data-differs={s.identity.differing.includes('sex')}>
                  <th scope="row">{t('upload.held.sex')}</th>
                  <td>{sex(s.filePatient.sex)}</td>
                  <td>{sex(referral.patientSex)}</td>
                </tr>
                <tr data-field="birthDate" data-differs={s.identity.differing.includes('birthDate')}>
                  <th scope="row">{t('upload.held.birthDate')}</th>
                  <td data-testid="file-birth-date">{s.filePatient.birthDate ?? '—'}</td>
                  <td>{referral.patientBirthDate}</td>
                </tr>
              </tbody>
            </table>
            <dl className="provenance-facts">
              <dt>{t('reading.provenance.acquired')}</dt>
              <dd data-testid="file-acquired">{s.acquiredAt?.replace('T', ' ') ?? '—'}</dd>
              <dt>{t('reading.provenance.device')}</dt>
              <dd data-testid="file-device">{device || '—'}</dd>
              <dt>{t('reading.provenance.centre')}</dt>
              <dd data-testid="file-centre">
                {name(s.sendingCentre.nameZh, s.sendingCentre.nameEn)}
                {s.device.institution ? ` (${s.device.institution})` : ''}
              </dd>
            </dl>
          </div>
        );
      })}
    </section>
  );
}
