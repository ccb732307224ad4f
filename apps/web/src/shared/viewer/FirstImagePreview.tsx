import { useEffect, useState } from 'react';
import { settleBootImage } from './bootImage';
import { firstImageOf, type FirstImage } from './firstImage';

/**
 * The series' first image as the server renders it, over the viewer's stage until the viewer draws it itself.
 * `onShown` gets the time (performance.now()) it was first on screen in this page.
 */
export function FirstImagePreview({
  studyUid,
  seriesUid,
  onShown,
  onUnavailable,
  askedAlready = false,
}: {
  studyUid: string;
  seriesUid: string;
  /** only the image the loading view asked for (the viewer asks for nothing more) */
  askedAlready?: boolean;
  onShown?: (at: number) => void;
  /** the server has no rendering of it (the viewer draws the series itself) */
  onUnavailable?: () => void;
}) {
  const [shown, setShown] = useState<FirstImage>();
  useEffect(() => {
    let live = true;
    setShown(undefined);
    void firstImageOf(studyUid, seriesUid, askedAlready).then((image) => {
      if (!live) return;
      if (!image) {
        settleBootImage();
        return onUnavailable?.();
      }
      setShown(image);
    });
    return () => {
      live = false;
    };
    // the callbacks are notifications, not inputs of the request
  }, [studyUid, seriesUid, askedAlready]);
  if (!shown) return null;
  return (
    <img
      className="first-image-preview"
      src={shown.url}
      alt=""
      data-testid="first-image-preview"
      onLoad={(e) => {
        // decoded, then on screen with the next frame
        void e.currentTarget
          .decode()
          .catch(() => undefined)
          .then(() =>
            requestAnimationFrame(() => {
              shown.shownAt ??= performance.now();
              // the workspace shows the image now: the page-wide view of it before the app (bootImage.ts) goes
              settleBootImage();
              onShown?.(shown.shownAt);
            }),
          );
      }}
    />
  );
}
