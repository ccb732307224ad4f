import type { PatientListView, PatientSex, PatientView } from '@zhiyin/contracts';
import { api, query } from '../../lib/api';

// A patient as the API answers it, found and read: registering a referral or an upload picks the patient with
// these too. Registering and editing a patient stay in features/patients/api.ts.

export const SEXES = ['F', 'M', 'O', 'U'] as const satisfies readonly PatientSex[];
export type Sex = PatientSex;

export const PAGE_SIZE = 20;

export const searchPatients = (q: string, offset: number, signal?: AbortSignal) =>
  api<PatientListView>(`/api/patients${query({ q: q.trim(), limit: PAGE_SIZE, offset })}`, {
    signal,
  });

export const getPatient = (id: string, signal?: AbortSignal) =>
  api<PatientView>(`/api/patients/${encodeURIComponent(id)}`, { signal });

/** Age in whole years on `today`. */
export function ageOf(birthDate: string, today = new Date()): number {
  const [y, m, d] = birthDate.split('-').map(Number) as [number, number, number];
  let age = today.getFullYear() - y;
  if (today.getMonth() + 1 < m || (today.getMonth() + 1 === m && today.getDate() < d)) age--;
  return age;
}
