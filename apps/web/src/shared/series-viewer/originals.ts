import type { OriginalFile } from '@zhiyin/contracts';
import { api, ApiError, authorizedFetch } from '../../lib/api';

/** The files a centre sent in another format (aECG, SCP-ECG, PDF, photo), kept beside the study's instances. */
export function listOriginals(studyUid: string, signal?: AbortSignal): Promise<OriginalFile[]> {
  return api<OriginalFile[]>(`/dicomweb/studies/${encodeURIComponent(studyUid)}/originals`, { signal });
}

const EXTENSION: Record<OriginalFile['format'], string> = {
  aecg: 'xml',
  'scp-ecg': 'scp',
  pdf: 'pdf',
  jpeg: 'jpg',
  png: 'png',
};

/** Downloads one original file (fetched with the session's token, saved from a blob). */
export async function downloadOriginal(studyUid: string, o: OriginalFile): Promise<void> {
  const res = await authorizedFetch(
    `/dicomweb/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(o.seriesInstanceUid)}/instances/${encodeURIComponent(o.sopInstanceUid)}/original`,
    { headers: { accept: o.mediaType } },
  );
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = `original.${EXTENSION[o.format]}`;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
