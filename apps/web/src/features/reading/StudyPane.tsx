import type { ReferralStudyView } from '@zhiyin/contracts';
import { KEY_IMAGE_MAX_PER_REFERRAL, type KeyImageRef } from '@zhiyin/contracts';
import { lazy, Suspense, useCallback, useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { ErrorMessage, useErrorText } from '../../lib/errors';
import { useAsync } from '../../lib/hooks';
import type { ConfirmedEcgValues } from '../../shared/ecg/EcgViewer';
import { seriesOfStudies, WAVEFORM_MODALITIES } from '../../shared/dicomweb/qido';
import { preloadSeries, SeriesLabel, SeriesViewer } from '../../shared/series-viewer/SeriesViewer';

import type { KeyImageMark } from '../../shared/viewer/ClinicalViewer';
import { priorStudies } from './api';
import { READING_ERRORS } from './errors';

// Two studies side by side carry the whole viewer: its own chunk, loaded when a prior is chosen.
const ComparisonView = lazy(() =>
  import('../../shared/viewer/ComparisonView').then((m) => ({ default: m.ComparisonView })),
);

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
  studies: readonly ReferralStudyView[];
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
    (signal) =>
      seriesOfStudies(
        studies.map((s) => s.studyInstanceUid),
        signal,
      ),
    [key],
  );
  const list = series.data ?? [];
  const [selectedUid, setSelectedUid] = useState<string>();
  // Open the first series straight away: no click before the first image.
  useEffect(() => {
    if (!selectedUid && list[0]) {
      preloadSeries(list[0].studyUid, list[0]);
      setSelectedUid(list[0].seriesUid);
    }
  }, [list, selectedUid]);
  const selected = list.find((s) => s.seriesUid === selectedUid);

  // Key images: the caller's when it keeps them, else marked for this session only.
  const [localKeys, setLocalKeys] = useState<{ sopInstanceUid: string; frame: number }[]>([]);
  const [markError, setMarkError] = useState<string>();
  const actionError = useErrorText(READING_ERRORS);
  const markKey = useCallback(
    (k: KeyImageMark) => {
      setLocalKeys((l) =>
        l.some((x) => x.sopInstanceUid === k.sopInstanceUid && x.frame === k.frame)
          ? l
          : [...l, { sopInstanceUid: k.sopInstanceUid, frame: k.frame }],
      );
      setMarkError(undefined);
      // A refusal is said, not swallowed: the report may have been signed meanwhile (elsewhere, or in another tab),
      // or hold as many key images as a report may.
      Promise.resolve(onMarkKeyImage?.(k)).catch((err: unknown) => {
        const reason = err instanceof ApiError ? err.details?.reason : undefined;
        const limit = err instanceof ApiError ? err.details?.limit : undefined;
        setMarkError(
          reason === 'report_signed'
            ? t('reading.keyImages.fixed')
            : reason === 'too_many_key_images'
              ? t('reading.keyImages.tooMany', {
                  limit: String(typeof limit === 'number' ? limit : KEY_IMAGE_MAX_PER_REFERRAL),
                })
              : actionError(err),
        );
      });
    },
    [onMarkKeyImage, actionError, t],
  );
  const keys = keyImages ?? localKeys;
  // The caller keeps the key images and no longer takes marks (the report is signed): no mark button to press.
  const canMark = Boolean(onMarkKeyImage) || !keyImages;

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
        {isImage && keyImages && !onMarkKeyImage && signed && (
          <p className="muted small" role="status" data-testid="key-images-fixed">
            {t('reading.keyImages.fixed')}
          </p>
        )}
        {markError && (
          <p className="error" role="alert" data-testid="key-image-error">
            {markError}
          </p>
        )}
        {selected && isImage && prior && (
          <Suspense fallback={<p className="loading">{t('common.loading')}</p>}>
            <ComparisonView
              key={`${selected.seriesUid}-${prior}`}
              studyUid={selected.studyUid}
              seriesUid={selected.seriesUid}
              modality={selected.modality}
              otherStudyUid={prior}
              onMarkKeyImage={canMark ? markKey : undefined}
              keyImages={keys}
            />
          </Suspense>
        )}
        {selected && !(isImage && prior) && (
          <SeriesViewer
            onMarkKeyImage={canMark ? markKey : undefined}
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
