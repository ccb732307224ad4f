import { useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { ApiError, authorizedFetch } from '../../lib/api';

const instancePath = (studyUid: string, seriesUid: string, sopUid: string) =>
  `/dicomweb/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/instances/${encodeURIComponent(sopUid)}`;

/** The PDF inside an Encapsulated PDF instance (its bulk data), as a blob URL: fetched with the session's token. */
async function openPdf(studyUid: string, seriesUid: string, sopUid: string): Promise<string> {
  const res = await authorizedFetch(`${instancePath(studyUid, seriesUid, sopUid)}/bulk/00420011`, {
    headers: { accept: 'application/octet-stream' },
  });
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  const bytes = new Uint8Array(await res.arrayBuffer());
  // The DICOM value may carry one padding byte after the PDF's end: harmless to PDF readers.
  return URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
}

/**
 * An ECG that came as a PDF (stored as Encapsulated PDF): the page forbids frames and objects, so the PDF
 * opens in a tab of its own, from a blob the app fetched with the reader's token.
 */
export function DocumentViewer({
  studyUid,
  seriesUid,
  sopUid,
}: {
  studyUid: string;
  seriesUid: string;
  sopUid: string;
}) {
  const { t } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const open = async () => {
    setError(null);
    const win = window.open('', '_blank');
    try {
      const url = await openPdf(studyUid, seriesUid, sopUid);
      if (win) win.location.href = url;
      else window.location.href = url;
    } catch (e) {
      win?.close();
      setError(e instanceof ApiError ? e.code : 'NETWORK');
    }
  };
  return (
    <section className="card" data-testid="document-viewer">
      <p>{t('study.document.pdf')}</p>
      <div className="actions">
        <button type="button" onClick={() => void open()} data-testid="open-pdf">
          {t('study.document.open')}
        </button>
      </div>
      {error && (
        <p className="error" role="alert">
          {t('study.document.failed')} ({error})
        </p>
      )}
    </section>
  );
}
