import { lazy, Suspense, use, useMemo, type ReactNode } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useAsync } from '../../lib/hooks';
import type { ConfirmedEcgValues } from '../ecg/EcgViewer';
import type { KeyImageMark, ViewportRef } from '../viewer/ClinicalViewer';
import { OriginalFileLink } from './OriginalFileLink';
import { listOriginals } from './originals';
import { imageViewerLoaded, loadClinicalViewer } from '../viewer/preload';
import { ViewerLoading } from '../viewer/ViewerLoading';
import { DOCUMENT_MODALITIES, firstInstance, WAVEFORM_MODALITIES, type SeriesSummary } from '../dicomweb/qido';

// The viewers are their own chunks: the ECG one carries the DICOM parser.
const ClinicalViewer = lazy(() => loadClinicalViewer().then((m) => ({ default: m.ClinicalViewer })));
const EcgViewer = lazy(() => import('../ecg/EcgViewer').then((m) => ({ default: m.EcgViewer })));
const DocumentViewer = lazy(() => import('./DocumentViewer').then((m) => ({ default: m.DocumentViewer })));

export { preloadSeries } from './preloadSeries';

/** A series as a list shows it: modality, description (or number) and how many instances. */
export function SeriesLabel({ series: s }: { series: SeriesSummary }) {
  const { t } = useI18n();
  return (
    <>
      <span className="tag">{s.modality}</span>{' '}
      {s.description || (s.number !== undefined ? t('study.seriesNumber', { n: s.number }) : '')}
      <span className="muted small"> · {t('study.instances', { n: s.instanceCount })}</span>
    </>
  );
}

/** The viewer for one series: the image viewer, the 12-lead ECG viewer for a waveform series, or a document's. */
export function SeriesViewer({
  studyUid,
  series,
  confirmedValues,
  confirmedLoading,
  onConfirm,
  signed,
  onMarkKeyImage,
  keyImages,
  onViewport,
}: {
  studyUid: string;
  series: SeriesSummary | undefined;
  onMarkKeyImage?: (k: KeyImageMark) => void;
  keyImages?: readonly { sopInstanceUid: string; frame: number }[];
  onViewport?: (ref: ViewportRef | null) => void;
  confirmedValues?: ConfirmedEcgValues | null;
  confirmedLoading?: boolean;
  onConfirm?: (values: ConfirmedEcgValues) => void;
  /** the report is signed: the ECG's confirmed values are the signed report's, read-only */
  signed?: boolean;
}) {
  const { t } = useI18n();
  const isWaveform = series ? WAVEFORM_MODALITIES.has(series.modality) : false;
  const isDocument = series ? DOCUMENT_MODALITIES.has(series.modality) : false;
  const sop = useAsync(
    (signal) =>
      series && (isWaveform || isDocument)
        ? firstInstance(studyUid, series.seriesUid, signal)
        : Promise.resolve(undefined),
    [studyUid, series?.seriesUid, isWaveform, isDocument],
  );
  // A series made from a cart's file (aECG, SCP-ECG, PDF, photo) offers that file too.
  const originals = useAsync((signal) => listOriginals(studyUid, signal), [studyUid]);
  const original = originals.data?.find((o) => o.seriesInstanceUid === series?.seriesUid);
  // The image viewer's code runs once the series' first image is on screen (or there is none to show): running it
  // first would hold that image back (see preload.ts). Until then the viewer waits behind a gate, so that the loading
  // view (with the first image) stays on screen, the same element, until the viewer replaces it. Later series open in
  // the viewer straight away.
  const isImage = Boolean(series && !isWaveform && !isDocument);
  const gate = useMemo(() => {
    if (imageViewerLoaded()) return { opened: null, open: () => {} };
    let open = () => {};
    const opened = new Promise<void>((resolve) => (open = resolve));
    return { opened, open };
  }, [studyUid, series?.seriesUid]);
  return (
    <Suspense
      fallback={
        series && isImage ? (
          <ViewerLoading studyUid={studyUid} seriesUid={series.seriesUid} onSettled={gate.open} />
        ) : (
          <p className="loading" role="status">
            {t('common.loading')}
          </p>
        )
      }
    >
      {original && <OriginalFileLink studyUid={studyUid} original={original} />}
      {series && isDocument && sop.data && (
        <DocumentViewer key={sop.data} studyUid={studyUid} seriesUid={series.seriesUid} sopUid={sop.data} />
      )}
      {series && isImage && (
        <AfterGate key={series.seriesUid} opened={gate.opened}>
          <ClinicalViewer
            studyUid={studyUid}
            seriesUid={series.seriesUid}
            onMarkKeyImage={onMarkKeyImage}
            keyImages={keyImages}
            onViewport={onViewport}
          />
        </AfterGate>
      )}
      {series && isWaveform && sop.data && (
        <EcgViewer
          key={sop.data}
          studyUid={studyUid}
          seriesUid={series.seriesUid}
          sopUid={sop.data}
          confirmedValues={confirmedValues}
          confirmedLoading={confirmedLoading}
          onConfirm={onConfirm}
          signed={signed}
        />
      )}
    </Suspense>
  );
}

/** Its children once `opened` has resolved (null: at once); until then the nearest Suspense boundary shows its fallback. */
function AfterGate({ opened, children }: { opened: Promise<void> | null; children: ReactNode }) {
  if (opened) use(opened);
  return children;
}
