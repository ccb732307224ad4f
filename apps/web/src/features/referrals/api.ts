import type {
  AttachStudyRequest,
  ConsentView,
  CreateReferralRequest,
  RecordVerbalConsentRequest,
  ReferralDetailView,
} from '@zhiyin/contracts';
import { api, ApiError, authorizedFetch } from '../../lib/api';
import { referralPath } from '../../shared/referrals/api';

// The calls only the referral screens make; a referral's shapes and the calls other screens share are in
// shared/referrals/api.ts.

export const createReferral = (body: CreateReferralRequest) =>
  api<ReferralDetailView>('/api/referrals', { method: 'POST', body });

export const attachStudy = (id: string, studyInstanceUid: string, patientOverrideReason?: string) =>
  api<ReferralDetailView>(`${referralPath(id)}/studies`, {
    method: 'POST',
    body: {
      studyInstanceUid,
      ...(patientOverrideReason ? { patientOverrideReason } : {}),
    } satisfies AttachStudyRequest,
  });

/** The two-way referral form (上转单 / 下转单) as a PDF blob URL. */
export async function openReferralForm(id: string): Promise<string> {
  const res = await authorizedFetch(`${referralPath(id)}/referral-form.pdf`, {
    headers: { accept: 'application/pdf' },
  });
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  return URL.createObjectURL(await res.blob());
}

/** The signed report as a PDF (fetched with the session's token, so it opens as a blob). */
export async function openReportPdf(id: string): Promise<string> {
  const res = await authorizedFetch(`${referralPath(id)}/report/pdf`, { headers: { accept: 'application/pdf' } });
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  return URL.createObjectURL(await res.blob());
}

/** Records verbal consent given before a witness (on a draft). */
export const recordVerbalConsent = (id: string, body: RecordVerbalConsentRequest) =>
  api<ConsentView>(`${referralPath(id)}/consent/verbal`, { method: 'POST', body });

/** Uploads the signed consent form, photographed or scanned (JPEG, PNG or PDF), as the request body. */
export const uploadConsentForm = (id: string, file: File) =>
  api<ConsentView>(`${referralPath(id)}/consent/form`, {
    method: 'PUT',
    file,
    headers: { 'content-type': file.type },
  });
