import { SynchronizerManager } from '@cornerstonejs/tools';
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useAsync } from '../../lib/hooks';
import { listSeries, WAVEFORM_MODALITIES, DOCUMENT_MODALITIES } from '../dicomweb/qido';
import { ClinicalViewer, type KeyImageMark, type ViewportRef } from './ClinicalViewer';
import { createSlicePositionSynchronizer } from './slicePositionSync';

let counter = 0;

/**
 * Two studies side by side (1x2): the current series on the left, a series of another study (a
 * prior) on the right, its series chosen like the current one's modality. "Sync" links the slice
 * position of the two stacks by Image Position Patient along the normal (table position), whatever
 * their slice counts, spacings and frames of reference.
 */
export function ComparisonView({
  studyUid,
  seriesUid,
  modality,
  otherStudyUid,
  onMarkKeyImage,
  keyImages,
}: {
  studyUid: string;
  seriesUid: string;
  modality: string;
  otherStudyUid: string;
  onMarkKeyImage?: (k: KeyImageMark) => void;
  keyImages?: readonly { sopInstanceUid: string; frame: number }[];
}) {
  const { t } = useI18n();
  const series = useAsync((signal) => listSeries(otherStudyUid, signal), [otherStudyUid]);
  const images = (series.data ?? []).filter(
    (s) => !WAVEFORM_MODALITIES.has(s.modality) && !DOCUMENT_MODALITIES.has(s.modality),
  );
  const [otherSeries, setOtherSeries] = useState<string>();
  useEffect(() => {
    setOtherSeries((images.find((s) => s.modality === modality) ?? images[0])?.seriesUid);
    // the default only when the study's series arrive (images is derived from them)
  }, [series.data, modality]);

  const [left, setLeft] = useState<ViewportRef | null>(null);
  const [right, setRight] = useState<ViewportRef | null>(null);
  const [sync, setSync] = useState(true);
  const syncId = useRef(`zy-sync-${++counter}`);
  useEffect(() => {
    if (!sync || !left || !right) return;
    createSlicePositionSynchronizer(syncId.current, left, right);
    return () => SynchronizerManager.destroySynchronizer(syncId.current);
  }, [sync, left, right]);

  return (
    <div className="comparison" data-testid="comparison">
      <div className="prior-bar">
        <label className="inline">
          <input type="checkbox" checked={sync} onChange={(e) => setSync(e.target.checked)} data-testid="sync" />
          <span>{t('viewer.sync')}</span>
        </label>
        {images.length > 1 && (
          <select
            value={otherSeries ?? ''}
            onChange={(e) => setOtherSeries(e.target.value)}
            aria-label={t('viewer.priors')}
          >
            {images.map((s) => (
              <option key={s.seriesUid} value={s.seriesUid}>
                {s.modality} {s.description ?? ''}
              </option>
            ))}
          </select>
        )}
      </div>
      <div className="side-by-side">
        <section aria-label={t('viewer.current')} data-testid="comparison-current">
          <ClinicalViewer
            studyUid={studyUid}
            seriesUid={seriesUid}
            onMarkKeyImage={onMarkKeyImage}
            keyImages={keyImages}
            onViewport={setLeft}
          />
        </section>
        <section aria-label={t('viewer.priors')} data-testid="comparison-prior">
          {otherSeries && (
            <ClinicalViewer key={otherSeries} studyUid={otherStudyUid} seriesUid={otherSeries} onViewport={setRight} />
          )}
          {!series.loading && images.length === 0 && <p className="muted">{t('viewer.noImages')}</p>}
        </section>
      </div>
    </div>
  );
}
