import { useEffect } from 'react';
import { Link, useParams, useSearchParams } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import type { StudyFiling } from '@zhiyin/contracts';
import { api, authorizedFetch } from '../../lib/api';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { dicomDate, first, listSeries, personName, type DicomJson } from '../../shared/dicomweb/qido';
import { SeriesLabel, SeriesViewer } from '../../shared/series-viewer/SeriesViewer';
import { SeriesThumbnail } from './SeriesThumbnail';

async function studyHeader(studyUid: string, signal: AbortSignal): Promise<DicomJson | undefined> {
  const res = await authorizedFetch(
    `/dicomweb/studies?StudyInstanceUID=${encodeURIComponent(studyUid)}&includefield=00081030`,
    {
      signal,
      headers: { accept: 'application/dicom+json' },
    },
  );
  if (!res.ok) return undefined;
  return ((await res.json()) as DicomJson[])[0];
}

export default function StudyPage() {
  const { studyUid = '' } = useParams();
  const [params, setParams] = useSearchParams();
  const { t, name } = useI18n();
  const series = useAsync((signal) => listSeries(studyUid, signal), [studyUid]);
  const header = useAsync((signal) => studyHeader(studyUid, signal), [studyUid]);
  // Whose it is on file: a study that joined a referral is filed under that patient, whatever its file says.
  const filing = useAsync(
    (signal) =>
      api<StudyFiling>(`/api/studies/${encodeURIComponent(studyUid)}/filing`, { signal }).catch(() => undefined),
    [studyUid],
  );
  const filed = filing.data?.patient;
  const list = series.data ?? [];
  const selectedUid = params.get('series') ?? list[0]?.seriesUid;
  const selected = list.find((s) => s.seriesUid === selectedUid);
  const filePatient = name(...personName(header.data, '00100010'));
  const patient = filed ? filed.nameZh : filePatient;
  usePageTitle('study.title', patient || undefined);

  // Open the first series straight away so the reader sees images without a click.
  useEffect(() => {
    if (!params.get('series') && list[0]) setParams({ series: list[0].seriesUid }, { replace: true });
  }, [list, params, setParams]);

  return (
    <section className="page wide study">
      <nav aria-label={t('common.breadcrumb')} className="crumbs">
        <Link to="/studies">{t('studies.title')}</Link> <span aria-hidden="true">›</span>
      </nav>
      <div className="page-head">
        <h1 data-testid="study-patient">
          {patient || t('studies.unnamed')}{' '}
          <span className="muted small mono">{filed ? filed.mrn : first(header.data, '00100020')}</span>
        </h1>
        {filed && (
          <p className="muted small" data-testid="study-filing">
            {filing.data?.referral && (
              <>
                {t('study.filedReferral')}{' '}
                <Link to={`/referrals/${filing.data.referral.id}`} className="mono">
                  {filing.data.referral.number}
                </Link>{' '}
                ·{' '}
              </>
            )}
            {t('study.filePatient', {
              name: filePatient || '—',
              id: first(header.data, '00100020') ?? '—',
            })}
          </p>
        )}
        {filing.data?.identity && filing.data.identity.verdict !== 'match' && (
          <p className="warning" role="alert" data-testid="study-identity-warning">
            {t('study.identityDiffers')}
          </p>
        )}
        <p className="muted">
          {dicomDate(first(header.data, '00080020'))} · {first(header.data, '00081030') ?? ''}{' '}
          {first(header.data, '00080050') ? `· ${t('studies.accession')} ${first(header.data, '00080050')}` : ''}
        </p>
      </div>
      <ErrorMessage error={series.error} />
      <div className="study-layout">
        <nav className="series-list" aria-label={t('study.seriesList')}>
          <h2 className="small-title">{t('study.series')}</h2>
          <ul>
            {list.map((s) => (
              <li key={s.seriesUid}>
                <Link
                  to={`?series=${encodeURIComponent(s.seriesUid)}`}
                  replace
                  aria-current={s.seriesUid === selectedUid ? 'true' : undefined}
                  data-testid="series-link"
                  data-modality={s.modality}
                >
                  <SeriesThumbnail studyUid={studyUid} series={s} />
                  <SeriesLabel series={s} />
                </Link>
              </li>
            ))}
          </ul>
        </nav>
        <div className="viewer-pane">
          <SeriesViewer studyUid={studyUid} series={selected} />
          {!series.loading && list.length === 0 && !series.error && <p>{t('study.noSeries')}</p>}
        </div>
      </div>
    </section>
  );
}
