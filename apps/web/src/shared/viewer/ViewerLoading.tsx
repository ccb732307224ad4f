import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { FirstImagePreview } from './FirstImagePreview';
import { preloadImageViewer } from './preload';

// The viewer is not held back longer than this by a first image that does not come (a slow or hanging answer).
const SETTLE_WITHIN_MS = 4000;

/**
 * What the image viewer's place shows while its code loads: the viewer's frame with the series' first image, as
 * the server renders it, where the viewer will draw it.
 */
export function ViewerLoading({
  studyUid,
  seriesUid,
  onSettled,
}: {
  studyUid: string;
  seriesUid: string;
  /** the first image is on screen, or there is none to show */
  onSettled?: () => void;
}) {
  const { t } = useI18n();
  const [shownAt, setShownAt] = useState<number>();
  useEffect(() => {
    preloadImageViewer();
    const timer = setTimeout(() => onSettled?.(), SETTLE_WITHIN_MS);
    return () => clearTimeout(timer);
    // onSettled is a notification, not an input
  }, []);
  return (
    <div className="viewer clinical-viewer viewer-loading">
      <div className="toolbar" aria-hidden="true" />
      <div className="viewer-body">
        <div className="stage">
          <div
            className="cs-viewport"
            data-testid="image-viewport"
            data-first-image={shownAt === undefined ? undefined : shownAt.toFixed(1)}
          />
          <FirstImagePreview
            studyUid={studyUid}
            seriesUid={seriesUid}
            onShown={(at) => {
              setShownAt(at);
              onSettled?.();
            }}
            onUnavailable={onSettled}
          />
          <div className={shownAt === undefined ? 'overlay center' : 'overlay pending'} role="status">
            {t('common.loading')}
          </div>
        </div>
        <aside className="measurements" aria-hidden="true" />
      </div>
    </div>
  );
}
