import type { KeyImageRef, MarkKeyImageRequest } from '@zhiyin/contracts';
import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { useAsync } from '../../lib/hooks';
import type { ConfirmedEcgValues } from '../ecg/EcgViewer';
import { listSeries, WAVEFORM_MODALITIES, type SeriesSummary } from '../studies/qido';
import { SeriesLabel, SeriesViewer } from '../studies/SeriesViewer';
import type { ReferralStudy } from '../referrals/api';

interface Series extends SeriesSummary {
  studyUid: string;
}

/** Every series of the referral's studies, and the viewer for the chosen one (images or a 12-lead ECG). */
export function StudyPane({
  studies,
  confirmedValues,
  confirmedLoading,
  onConfirm,
  signed,
}: {
  studies: ReferralStudy[];
  confirmedValues?: ConfirmedEcgValues | null;
  /** the report draft (and its confirmed ECG values) is still loading */
  confirmedLoading?: boolean;
  onConfirm?: (values: ConfirmedEcgValues) => void;
  /** the report is signed: its measurements are shown read-only */
  signed?: boolean;
  /** marks the shown frame (with its measurements) as a key image of the report; absent when the report is fixed */
  onMarkKeyImage?: (req: MarkKeyImageRequest) => Promise<unknown>;
  /** the frames already marked as key images */
  keyImages?: readonly KeyImageRef[];
}) {
  const { t } = useI18n();
  const key = studies.map((s) => s.studyInstanceUid).join(',');
  const series = useAsync(
    async (signal) => {
      const lists = await Promise.all(
        studies.map((s) =>
          listSeries(s.studyInstanceUid, signal).then((l) =>
            l.map((x): Series => ({ ...x, studyUid: s.studyInstanceUid })),
          ),
        ),
      );
      return lists.flat();
    },
    [key],
  );
  const list = series.data ?? [];
  const [selectedUid, setSelectedUid] = useState<string>();
  // Open the first series straight away: no click before the first image.
  useEffect(() => {
    if (!selectedUid && list[0]) setSelectedUid(list[0].seriesUid);
  }, [list, selectedUid]);
  const selected = list.find((s) => s.seriesUid === selectedUid);

  // A lone ECG needs the whole width for its paper; images keep their series list.
  const showList = list.length > 1 || (list.length === 1 && !WAVEFORM_MODALITIES.has(list[0]!.modality));

  if (studies.length === 0) return <p className="muted">{t('reading.noStudies')}</p>;
  return (
    <div className={showList ? 'study-layout reading-study' : 'reading-study'}>
      <ErrorMessage error={series.error} />
      {showList && (
        <nav className="series-list" aria-label={t('study.seriesList')}>
          <h3 className="small-title">{t('study.series')}</h3>
          <ul>
            {list.map((s) => (
              <li key={s.seriesUid}>
                <button
                  type="button"
                  className="reading-series"
                  aria-current={s.seriesUid === selectedUid ? 'true' : undefined}
                  onClick={() => setSelectedUid(s.seriesUid)}
                  data-testid="series-link"
                  data-modality={s.modality}
                >
                  <SeriesLabel series={s} />
                </button>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <div className="viewer-pane">
        {selected && (
          <SeriesViewer
            studyUid={selected.studyUid}
            series={selected}
            confirmedValues={confirmedValues}
            confirmedLoading={confirmedLoading}
            onConfirm={onConfirm}
            signed={signed}
          />
        )}
        {series.loading && !series.data && (
          <p className="loading" role="status">
            {t('common.loading')}
          </p>
        )}
        {!series.loading && list.length === 0 && !series.error && <p>{t('study.noSeries')}</p>}
      </div>
    </div>
  );
}
