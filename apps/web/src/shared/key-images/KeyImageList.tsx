import type { KeyImageView } from '@zhiyin/contracts';
import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { authorizedFetch } from '../../lib/api';
import { ErrorMessage } from '../../lib/errors';
import { keyImageThumbnailPath } from './api';
import type { KeyImagesState } from './useKeyImages';
import './key-images.css';

const SIZE = 96;

/** The frame's thumbnail, fetched with the session's token (an <img src> could not carry it). */
function KeyImageThumbnail({ k, alt }: { k: KeyImageView; alt: string }) {
  const [url, setUrl] = useState<string>();
  useEffect(() => {
    const ctrl = new AbortController();
    let made: string | undefined;
    void authorizedFetch(keyImageThumbnailPath(k, SIZE), { signal: ctrl.signal, headers: { accept: 'image/jpeg' } })
      .then(async (res) => {
        if (!res.ok || ctrl.signal.aborted) return;
        made = URL.createObjectURL(await res.blob());
        if (ctrl.signal.aborted) URL.revokeObjectURL(made);
        else setUrl(made);
      })
      .catch(() => undefined);
    return () => {
      ctrl.abort();
      if (made) URL.revokeObjectURL(made);
    };
  }, [k.studyInstanceUid, k.seriesInstanceUid, k.sopInstanceUid, k.frame]);
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
export function KeyImageList({ keyImages, editable }: { keyImages: KeyImagesState; editable: boolean }) {
  const { t } = useI18n();
  const [busy, setBusy] = useState<string>();
  const [error, setError] = useState<unknown>();
  const caption = (k: KeyImageView) =>
    [
      t('keyImages.caption', { series: String(k.seriesNumber ?? '—'), image: String(k.instanceNumber ?? '—') }),
      k.frame > 1 ? t('keyImages.frame', { frame: String(k.frame) }) : null,
    ]
      .filter(Boolean)
      .join(' / ');
  const remove = async (id: string) => {
    setBusy(id);
    setError(undefined);
    try {
      await keyImages.remove(id);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(undefined);
    }
  };
  return (
    <div className="reading-field" data-testid="key-images">
      <span className="reading-label">{t('keyImages.title')}</span>
      <ErrorMessage error={error ?? keyImages.error} />
      {keyImages.list.length === 0 && !keyImages.loading && <p className="muted small">{t('keyImages.none')}</p>}
      <ol className="key-image-list">
        {keyImages.list.map((k) => (
          <li key={k.id} className="key-image" data-testid="key-image" data-sop={k.sopInstanceUid} data-frame={k.frame}>
            <KeyImageThumbnail k={k} alt={t('keyImages.thumbnail', { caption: caption(k) })} />
            <div>
              <strong>{caption(k)}</strong>
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
                <p className="muted small">{t('keyImages.noMeasurements')}</p>
              )}
              {editable && (
                <button
                  type="button"
                  className="secondary"
                  disabled={busy === k.id}
                  aria-label={t('keyImages.removeLabel', { caption: caption(k) })}
                  onClick={() => void remove(k.id)}
                  data-testid="key-image-remove"
                >
                  {t('keyImages.remove')}
                </button>
              )}
            </div>
          </li>
        ))}
      </ol>
    </div>
  );
}
