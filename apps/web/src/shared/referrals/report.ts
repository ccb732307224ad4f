import type { ReportView } from '@zhiyin/contracts';
import { ApiError, authorizedFetch } from '../../lib/api';
import { referralPath } from './api';

// The referral's report (packages/contracts' ReportView): the reading room writes it, the referral screens read it.

/** The report, or null while there is none the caller may see (the API answers an empty body then). */
export async function getReport(id: string, signal?: AbortSignal): Promise<ReportView | null> {
  const res = await authorizedFetch(`${referralPath(id)}/report`, { signal });
  const text = await res.text();
  if (!res.ok) {
    let body: { error?: { code?: string; message?: string } } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      /* not JSON */
    }
    throw new ApiError(res.status, body.error?.code ?? `HTTP_${res.status}`, body.error?.message ?? res.statusText);
  }
  return text ? (JSON.parse(text) as ReportView | null) : null;
}
