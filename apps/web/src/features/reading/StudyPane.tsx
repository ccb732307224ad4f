import type { KeyImageRef } from '@zhiyin/contracts';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { useAsync } from '../../lib/hooks';
import type { ConfirmedEcgValues } from '../ecg/EcgViewer';
import { listSeries, WAVEFORM_MODALITIES, type SeriesSummary } from '../studies/qido';
import { SeriesLabel, SeriesViewer } from '../studies/SeriesViewer';
import type { ReferralStudy } from '../referrals/api';
import type { KeyImageMark } from '../../shared/viewer/ClinicalViewer';
import { priorStudies } from './api';

// Two studies side by side carry the whole viewer: its own chunk, loaded when a prior is chosen.
const ComparisonView = lazy(() =>
  import('../../shared/viewer/ComparisonView').then((m) => ({ default: m.ComparisonView })),
);

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
  referralId,
  onMarkKeyImage,
  keyImages,
}: {
  studies: ReferralStudy[];
  /** the referral read: its patient's earlier studies are offered for comparison */
  referralId?: string;
  /** marks the shown frame (with its measurements) as a key image of the report (saved by the caller); absent when
   * the report is fixed */
  onMarkKeyImage?: (k: KeyImageMark) => unknown;
  /** the key images already marked, starred in the viewer */
  keyImages?: readonly KeyImageRef[];
  confirmedValues?: ConfirmedEcgValues | null;
  /** the report draft (and its confirmed ECG values) is still loading */
  confirmedLoading?: boolean;
  onConfirm?: (values: ConfirmedEcgValues) => void;
  /** the report is signed: its measurements are shown read-only */
  signed?: boolean;
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

  // Key images: the caller's when it keeps them, else marked for this session only.
  const [localKeys, setLocalKeys] = useState<{ sopInstanceUid: string; frame: number }[]>([]);
  const markKey = useCallback(
    (k: KeyImageMark) => {
      setLocalKeys((l) =>
        l.some((x) => x.sopInstanceUid === k.sopInstanceUid && x.frame === k.frame)
          ? l
          : [...l, { sopInstanceUid: k.sopInstanceUid, frame: k.frame }],
      );
      onMarkKeyImage?.(k);
    },
    [onMarkKeyImage],
  );
  const keys = keyImages ?? localKeys;

  // Priors: offered only when the server lists them (200); another study opens beside the current one.
  const priors = useAsync(
    (signal) => (referralId ? priorStudies(referralId, signal).catch(() => null) : Promise.resolve(null)),
    [referralId],
  );
  const [prior, setPrior] = useState('');
  const isImage = selected && !WAVEFORM_MODALITIES.has(selected.modality) && selected.modality !== 'DOC';

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
                  data-study={s.studyUid}
                >
                  <SeriesLabel series={s} />
                </button>
              </li>
            ))}
          </ul>
        </nav>
      )}
      <div className="viewer-pane">
        {priors.data && priors.data.length > 0 && isImage && (
          <div className="prior-bar">
            <label className="inline">
              <span>{t('viewer.priors')}</span>
              <select value={prior} onChange={(e) => setPrior(e.target.value)} data-testid="prior-picker">
                <option value="">{t('viewer.priorNone')}</option>
                {priors.data.map((p) => (
                  <option key={p.studyInstanceUid} value={p.studyInstanceUid}>
                    {[p.studyDate, (p.modalities ?? []).join('/'), p.description, p.centreName]
                      .filter(Boolean)
                      .join(' · ')}
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
        {selected && isImage && prior && (
          <Suspense fallback={<p className="loading">{t('common.loading')}</p>}>
            <ComparisonView
              key={`${selected.seriesUid}-${prior}`}
              studyUid={selected.studyUid}
              seriesUid={selected.seriesUid}
              modality={selected.modality}
              otherStudyUid={prior}
              onMarkKeyImage={markKey}
              keyImages={keys}
            />
          </Suspense>
        )}
        {selected && !(isImage && prior) && (
          <SeriesViewer
            onMarkKeyImage={markKey}
            keyImages={keys}
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
