import { Link, useSearchParams } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { getPatient } from '../../shared/patients/api';
import { UploadPanel } from '../../shared/uploads/UploadPanel';

export default function UploadPage() {
  const { t } = useI18n();
  const [params] = useSearchParams();
  const patientId = params.get('patient');
  const patient = useAsync(
    (signal) => (patientId ? getPatient(patientId, signal) : Promise.resolve(undefined)),
    [patientId],
  );
  usePageTitle('upload.title');

  return (
    <section className="page">
      <h1>{t('upload.title')}</h1>
      {patient.data && (
        <p className="notice">
          {t('upload.forPatient', {
            name: `${patient.data.familyNameZh}${patient.data.givenNameZh}`,
            mrn: patient.data.mrn,
          })}{' '}
          <Link to={`/desk/patients/${patient.data.id}`}>{t('upload.backToPatient')}</Link>
        </p>
      )}
      <p>{t('upload.intro')}</p>
      <UploadPanel patientMrn={patient.data?.mrn} />
    </section>
  );
}
