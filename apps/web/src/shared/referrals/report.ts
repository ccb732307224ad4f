import type { Disposition } from '@zhiyin/workflow';
import { ApiError, authorizedFetch } from '../../lib/api';
import { referralPath } from './api';

// The referral's report as the API answers it: the reading room writes it, the referral screens read it.

export interface Diagnosis {
  code: string;
  label: string;
}

/** The specialist's confirmed ECG values, as the report keeps them. */
export interface EcgReportMeasurements {
  heartRate?: number;
  pr?: number;
  qrs?: number;
  qt?: number;
  qtc?: number;
  axis?: number;
  rhythm?: string;
}

export interface ReportView {
  referralId: string;
  authorId: string;
  findings: string;
  impression: string;
  diagnoses: Diagnosis[];
  measurements: EcgReportMeasurements | null;
  disposition: Disposition | null;
  signedBy: string | null;
  signedAt: string | null;
  signerNameZh: string | null;
  signerNameEn: string | null;
  updatedAt: string;
  addenda: { id: string; body: string; createdAt: string; authorId: string }[];
}

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
