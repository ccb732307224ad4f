import type { KeyImageView } from '@zhiyin/contracts';
import { api, authorizedFetch } from '../../lib/api';
import type { KeyImagesClient } from '../../shared/key-images/useKeyImages';

// The key images of a referral's report over the API (see the API's key-images module).
const path = (referralId: string) => `/api/referrals/${encodeURIComponent(referralId)}/key-images`;

export const keyImagesClient: KeyImagesClient = {
  list: (referralId, signal) => api<KeyImageView[]>(path(referralId), { signal }),
  mark: (referralId, body) => api<KeyImageView>(path(referralId), { method: 'POST', body }),
  remove: async (referralId, keyImageId) => {
    await api<void>(`${path(referralId)}/${encodeURIComponent(keyImageId)}`, { method: 'DELETE' });
  },
};

/** The frame's thumbnail (PS3.18 frame thumbnail), fetched with the session's token. */
export async function loadKeyImageThumbnail(k: KeyImageView, size: number, signal: AbortSignal): Promise<Blob | null> {
  const e = encodeURIComponent;
  const res = await authorizedFetch(
    `/dicomweb/studies/${e(k.studyInstanceUid)}/series/${e(k.seriesInstanceUid)}/instances/${e(k.sopInstanceUid)}/frames/${k.frame}/thumbnail?viewport=${size},${size}`,
    { signal, headers: { accept: 'image/jpeg' } },
  );
  return res.ok ? res.blob() : null;
}
