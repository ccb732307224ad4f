import { useEffect, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { authorizedFetch } from '../../lib/api';
import { WAVEFORM_MODALITIES, type SeriesSummary } from '../../shared/dicomweb/qido';

const SIZE = 64;

/**
 * The server's thumbnail of a series (its middle image, PS3.18 thumbnail resource), so that a reader picks a
 * series by what it shows. Fetched with the session's token (an <img src> could not carry it); nothing is shown
 * for waveforms or when the series has no image the server can render.
 */
export function SeriesThumbnail({ studyUid, series }: { studyUid: string; series: SeriesSummary }) {
  const { t } = useI18n();
  const [url, setUrl] = useState<string>();
  const skip = WAVEFORM_MODALITIES.has(series.modality);
  useEffect(() => {
    if (skip) return;
    const ctrl = new AbortController();
    let made: string | undefined;
    void authorizedFetch(
      `/dicomweb/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(series.seriesUid)}/thumbnail?viewport=${SIZE},${SIZE}`,
      { signal: ctrl.signal, headers: { accept: 'image/jpeg' } },
    )
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
  }, [studyUid, series.seriesUid, skip]);
  if (skip || !url) return null;
  return (
    <img
      className="series-thumb"
      src={url}
      alt={t('study.thumbnail', { modality: series.modality })}
      width={SIZE}
      height={SIZE}
      data-testid="series-thumbnail"
    />
  );
}
