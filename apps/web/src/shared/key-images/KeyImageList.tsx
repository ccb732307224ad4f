import type { KeyImageView } from '@zhiyin/contracts';
import { useEffect, useState } from 'react';
import type { KeyImagesState } from './useKeyImages';
import './key-images.css';
import { useAction } from '../../lib/useAction';

const SIZE = 96;

/** The words of the list, in the caller's language. */
export interface KeyImageLabels {
  title: string;
  none: string;
  caption(k: KeyImageView): string;
  remove: string;
  removeLabel(caption: string): string;
  thumbnail(caption: string): string;
  noMeasurements: string;
  /** a refused or failed call, as the caller words errors */
  error(err: unknown): string;
}

/** Loads a frame's thumbnail (with the caller's session); null when there is none. */
export type ThumbnailLoader = (k: KeyImageView, size: number, signal: AbortSignal) => Promise<Blob | null>;

function KeyImageThumbnail({ k, alt, load }: { k: KeyImageView; alt: string; load: ThumbnailLoader }) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const ctrl = new AbortController();
    let made: string | undefined;
    load(k, SIZE, ctrl.signal)
      .then((blob) => {
        if (!blob || ctrl.signal.aborted) return;
        made = URL.createObjectURL(blob);
        setUrl(made);
      })
      .catch(() => undefined);
    return () => {
      ctrl.abort();
      if (made) URL.revokeObjectURL(made);
    };
  }, [k.studyInstanceUid, k.seriesInstanceUid, k.sopInstanceUid, k.frame, load]);
  return url ? (
    <img src={url} alt={alt} width={SIZE} height={SIZE} className="key-image-thumb" data-testid="key-image-thumb" />
  ) : (
    <span className="key-image-thumb" style={{ width: SIZE, height: SIZE }} aria-hidden="true" />
  );
}

/**
 * The report's key images: each frame's thumbnail, its caption (series / image / frame) and the measurements made on
 * it, as the PDF prints them; a remove button while the report is an unsigned draft.
 */
export function KeyImageList({
  keyImages,
  editable,
  labels,
  loadThumbnail,
}: {
  keyImages: KeyImagesState;
  editable: boolean;
  labels: KeyImageLabels;
  loadThumbnail: ThumbnailLoader;
}) {
  const { busyKey: busy, error, run } = useAction();
  const remove = (id: string) => run(() => keyImages.remove(id), id);
  const shownError = error ?? keyImages.error;
  return (
    <div className="reading-field" data-testid="key-images">
      <span className="reading-label">{labels.title}</span>
      {shownError !== undefined && (
        <p className="error" role="alert">
          {labels.error(shownError)}
        </p>
      )}
      {keyImages.list.length === 0 && !keyImages.loading && <p className="muted small">{labels.none}</p>}
      <ol className="key-image-list">
        {keyImages.list.map((k) => {
          const caption = labels.caption(k);
          return (
            <li
              key={k.id}
              className="key-image"
              data-testid="key-image"
              data-sop={k.sopInstanceUid}
              data-frame={k.frame}
            >
              <KeyImageThumbnail k={k} alt={labels.thumbnail(caption)} load={loadThumbnail} />
              <div>
                <strong>{caption}</strong>
                {k.seriesDescription && <span className="muted small"> {k.seriesDescription}</span>}
                {k.measurements.length > 0 ? (
                  <ul className="key-image-measures">
                    {k.measurements.map((m, i) => (
                      <li key={i} data-testid="key-image-measurement">
                        {m.label ? `${m.label}: ` : ''}
                        {m.value}
                      </li>
                    ))}
                  </ul>
                ) : (
                  <p className="muted small">{labels.noMeasurements}</p>
                )}
                {editable && (
                  <button
                    type="button"
                    className="secondary"
                    disabled={busy === k.id}
                    aria-label={labels.removeLabel(caption)}
                    onClick={() => void remove(k.id)}
                    data-testid="key-image-remove"
                  >
                    {labels.remove}
                  </button>
                )}
              </div>
            </li>
          );
        })}
      </ol>
    </div>
  );
}
