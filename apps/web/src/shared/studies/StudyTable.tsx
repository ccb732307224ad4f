import { Link } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { personName, type StudySummary } from '../dicomweb/qido';

export function StudyTable({ studies }: { studies: StudySummary[] }) {
  const { t, name } = useI18n();
  return (
    <div className="table-wrap">
      <table className="list">
        <thead>
          <tr>
            <th scope="col">{t('studies.patient')}</th>
            <th scope="col">{t('studies.date')}</th>
            <th scope="col">{t('studies.modalities')}</th>
            <th scope="col">{t('studies.description')}</th>
            <th scope="col">{t('studies.accession')}</th>
            <th scope="col">{t('studies.counts')}</th>
          </tr>
        </thead>
        <tbody>
          {studies.map((s) => (
            <tr key={s.studyUid}>
              <td>
                <Link to={`/studies/${encodeURIComponent(s.studyUid)}`} data-testid="study-link">
                  {name(...personName(s.patientName, '00100010')) || t('studies.unnamed')}
                </Link>
                <span className="muted small mono"> {s.patientId}</span>
              </td>
              <td>{s.studyDate}</td>
              <td>
                {s.modalities.map((m) => (
                  <span key={m} className="tag">
                    {m}
                  </span>
                ))}
              </td>
              <td>{s.description}</td>
              <td className="mono">{s.accession}</td>
              <td>{t('studies.countsValue', { series: s.seriesCount, instances: s.instanceCount })}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
