import { ApiError, authorizedFetch } from '../../lib/api';

/** The signed consent form as an object URL (fetched with the bearer token, never put in a link). */
export async function openConsentForm(id: string): Promise<string> {
  const res = await authorizedFetch(`/api/referrals/${encodeURIComponent(id)}/consent/form`, {
    headers: { accept: '*/*' },
  });
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  return URL.createObjectURL(await res.blob());
}
