import { api, ApiError, authorizedFetch } from '../../lib/api';
import type { PatientAccessCodeView, PatientInput, PatientUpdateRequest, PatientView } from '@zhiyin/contracts';

export const createPatient = (body: PatientInput) => api<PatientView>('/api/patients', { method: 'POST', body });

export const updatePatient = (id: string, body: PatientUpdateRequest) =>
  api<PatientView>(`/api/patients/${encodeURIComponent(id)}`, { method: 'PATCH', body });

export const issueAccessCode = (id: string) =>
  api<PatientAccessCodeView>(`/api/patients/${encodeURIComponent(id)}/access-codes`, {
    method: 'POST',
  });

/**
 * The printable patient sheet for the code just issued, as a blob URL. The code goes back in the body of a
 * POST (only its hash is stored on the server), never in a URL.
 */
export async function openPatientSheet(id: string, code: string): Promise<string> {
  const res = await authorizedFetch(`/api/patients/${encodeURIComponent(id)}/access-codes/sheet`, {
    method: 'POST',
    body: { code },
    headers: { accept: 'application/pdf' },
  });
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  return URL.createObjectURL(await res.blob());
}
