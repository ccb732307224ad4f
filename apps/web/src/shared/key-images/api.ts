import type { KeyImageView, MarkKeyImageRequest } from '@zhiyin/contracts';
import { api } from '../../lib/api';

// The key images of a referral's report (see the API's key-images module).
const path = (referralId: string) => `/api/referrals/${encodeURIComponent(referralId)}/key-images`;

export function listKeyImages(referralId: string, signal?: AbortSignal) {
  return api<KeyImageView[]>(path(referralId), { signal });
}

/** Marks a frame (or replaces the measurements of one already marked). */
export function markKeyImage(referralId: string, body: MarkKeyImageRequest) {
  return api<KeyImageView>(path(referralId), { method: 'POST', body });
}

export function removeKeyImage(referralId: string, keyImageId: string) {
  return api<void>(`${path(referralId)}/${encodeURIComponent(keyImageId)}`, { method: 'DELETE' });
}

/** The frame's thumbnail (PS3.18 frame thumbnail), as the report lists it. */
export function keyImageThumbnailPath(k: KeyImageView, size: number): string {
  const e = encodeURIComponent;
  return `/dicomweb/studies/${e(k.studyInstanceUid)}/series/${e(k.seriesInstanceUid)}/instances/${e(k.sopInstanceUid)}/frames/${k.frame}/thumbnail?viewport=${size},${size}`;
}
