import { api, ApiError, authorizedFetch, query } from '../../lib/api';

export const SEXES = ['F', 'M', 'O', 'U'] as const;
export type Sex = (typeof SEXES)[number];

export interface Patient {
  id: string;
  homeFacilityId: string;
  mrn: string;
  familyNameZh: string;
  givenNameZh: string;
  namePinyin: string;
  sex: Sex;
  birthDate: string;
  phone: string | null;
  nationalIdMasked: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

export interface PatientInput {
  mrn?: string;
  familyNameZh?: string;
  givenNameZh?: string;
  namePinyin?: string;
  sex?: Sex;
  birthDate?: string;
  phone?: string;
  nationalId?: string;
}

export const PAGE_SIZE = 20;

export const searchPatients = (q: string, offset: number, signal?: AbortSignal) =>
  api<{ items: Patient[]; total: number }>(`/api/patients${query({ q: q.trim(), limit: PAGE_SIZE, offset })}`, {
    signal,
  });

export const getPatient = (id: string, signal?: AbortSignal) =>
  api<Patient>(`/api/patients/${encodeURIComponent(id)}`, { signal });

export const createPatient = (body: PatientInput) => api<Patient>('/api/patients', { method: 'POST', body });

export const updatePatient = (id: string, body: PatientInput & { version: number }) =>
  api<Patient>(`/api/patients/${encodeURIComponent(id)}`, { method: 'PATCH', body });

export const issueAccessCode = (id: string) =>
  api<{ code: string; expiresAt: string }>(`/api/patients/${encodeURIComponent(id)}/access-codes`, {
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

/** Age in whole years on `today`. */
export function ageOf(birthDate: string, today = new Date()): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < m || (today.getMonth() + 1 === m && today.getDate() < d)) age--;
  return age;
}
