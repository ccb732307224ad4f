import { useI18n } from '../../i18n/i18n';
import { api } from '../../lib/api';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, usePageTitle } from '../../lib/hooks';

interface Facility {
  id: string;
  code: string;
  kind: 'hub' | 'community';
  nameZh: string;
  nameEn: string;
  address: string | null;
  phone: string | null;
}
interface ReadingCentre {
  id: string;
  service: 'ECG' | 'IMAGING';
  nameZh: string;
  nameEn: string;
}

export default function FacilitiesPage() {
  const { t, name } = useI18n();
  usePageTitle('facilities.title');
  const result = useAsync(
    (signal) => api<{ facilities: Facility[]; readingCentres: ReadingCentre[] }>('/api/facilities', { signal }),
    [],
  );
  return (
    <section className="page">
      <h1>{t('facilities.title')}</h1>
      <ErrorMessage error={result.error} />
      {result.data && (
        <>
          <div className="table-wrap">
            <table className="list">
              <thead>
                <tr>
                  <th scope="col">{t('facilities.code')}</th>
                  <th scope="col">{t('facilities.name')}</th>
                  <th scope="col">{t('facilities.kind')}</th>
                  <th scope="col">{t('facilities.address')}</th>
                </tr>
              </thead>
              <tbody>
                {result.data.facilities.map((f) => (
                  <tr key={f.id}>
                    <td className="mono">{f.code}</td>
                    <td>{name(f.nameZh, f.nameEn)}</td>
                    <td>{t(`facilities.kind.${f.kind}`)}</td>
                    <td>{f.address ?? '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <h2>{t('facilities.readingCentres')}</h2>
          <ul>
            {result.data.readingCentres.map((c) => (
              <li key={c.id}>
                {name(c.nameZh, c.nameEn)} <span className="tag">{c.service}</span>
              </li>
            ))}
          </ul>
        </>
      )}
    </section>
  );
}
