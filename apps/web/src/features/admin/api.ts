import type { CriticalResultPolicy, Priority, Service, TurnaroundPolicy } from '@zhiyin/workflow';
import type {
  AeCharacterSet,
  AeKind,
  AuditTrailPage,
  AuditTrailRow,
  CriticalResultPolicyView,
  DicomAeView,
  NewServiceAccount,
  ServiceAccountView,
} from '@zhiyin/contracts';
import { api, ApiError, authorizedFetch, query } from '../../lib/api';

// The administrator's API calls and the shapes they answer (apps/api/src/modules/{facilities,users,settings,audit}).

export type FacilityKind = 'hub' | 'community';
export const STAFF_ROLES = ['community_doctor', 'specialist', 'coordinator', 'admin'] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];
export const SPECIALTIES = ['radiology', 'cardiology'] as const;
export type Specialty = (typeof SPECIALTIES)[number];
/** The reading centre that reads for each specialty. */
export const SPECIALTY_SERVICE: Record<Specialty, Service> = { radiology: 'IMAGING', cardiology: 'ECG' };

export interface ReadingCentre {
  id: string;
  hubId: string;
  service: Service;
  nameZh: string;
  nameEn: string;
}

export interface Facility {
  id: string;
  code: string;
  kind: FacilityKind;
  nameZh: string;
  nameEn: string;
  hubId: string | null;
  address: string | null;
  phone: string | null;
  active: boolean;
  readingCentres: ReadingCentre[];
}

export interface FacilityInput {
  code?: string;
  kind?: FacilityKind;
  nameZh?: string;
  nameEn?: string;
  address?: string;
  phone?: string;
  hubId?: string;
  readingServices?: Service[];
}

export const listFacilities = (signal?: AbortSignal) =>
  api<{ facilities: Facility[]; readingCentres: ReadingCentre[] }>('/api/facilities', { signal });
export const createFacility = (body: FacilityInput) => api<Facility>('/api/facilities', { method: 'POST', body });
export const updateFacility = (id: string, body: FacilityInput) =>
  api<Facility>(`/api/facilities/${id}`, { method: 'PATCH', body });
export const setFacilityActive = (id: string, active: boolean) =>
  api<Facility>(`/api/facilities/${id}/${active ? 'activate' : 'deactivate'}`, { method: 'POST' });

export interface User {
  id: string;
  username: string;
  role: StaffRole;
  facilityId: string | null;
  specialty: Specialty | null;
  readingCentreId: string | null;
  displayNameZh: string;
  displayNameEn: string;
  active: boolean;
  onDuty: boolean;
}

export interface UserFilters {
  q?: string;
  role?: StaffRole | '';
  facilityId?: string;
  active?: 'true' | 'false' | '';
  limit?: number;
  offset?: number;
}

export interface UserInput {
  username?: string;
  displayNameZh?: string;
  displayNameEn?: string;
  role?: StaffRole;
  facilityId?: string;
  specialty?: Specialty;
  password?: string;
  onDuty?: boolean;
}

export const listUsers = (f: UserFilters, signal?: AbortSignal) =>
  api<{ items: User[]; total: number }>(`/api/users${query({ ...f })}`, { signal });
export const createUser = (body: UserInput) => api<User>('/api/users', { method: 'POST', body });
export const updateUser = (id: string, body: UserInput) => api<User>(`/api/users/${id}`, { method: 'PATCH', body });
export const setUserActive = (id: string, active: boolean) =>
  api<User>(`/api/users/${id}/${active ? 'activate' : 'deactivate'}`, { method: 'POST' });
export const resetPassword = (id: string, password: string) =>
  api<void>(`/api/users/${id}/password`, { method: 'POST', body: { password } });

export const PASSWORD_MIN = 10;
/** The API's password rules (apps/api/src/modules/users/users.service.ts), checked before sending. */
export function passwordProblem(password: string, username: string): string | null {
  if (password.length < PASSWORD_MIN) return 'too_short';
  if (password.length > 128) return 'too_long';
  if (!/\p{L}/u.test(password) || !/\p{Nd}/u.test(password)) return 'needs_letter_and_digit';
  if (username.length >= 3 && password.toLowerCase().includes(username.toLowerCase())) return 'contains_username';
  return null;
}

export interface DutyShift {
  id: string;
  userId: string;
  readingCentreId: string;
  startsAt: string;
  endsAt: string;
  nameZh: string;
  nameEn: string;
  specialty: Specialty;
}

export const listShifts = (from: Date, to: Date, signal?: AbortSignal) =>
  api<DutyShift[]>(`/api/duty-shifts${query({ from: from.toISOString(), to: to.toISOString() })}`, { signal });
export const addShift = (body: { userId: string; startsAt: string; endsAt: string }) =>
  api<{ id: string }>('/api/duty-shifts', { method: 'POST', body });
export const removeShift = (id: string) => api<void>(`/api/duty-shifts/${id}`, { method: 'DELETE' });

export interface PolicyView {
  version: number;
  source: 'stored' | 'configured';
  policy: TurnaroundPolicy;
  changedAt: string | null;
  changedBy: { id: string; username: string; displayNameZh: string; displayNameEn: string } | null;
  configured: TurnaroundPolicy;
  defaults: TurnaroundPolicy;
}

export interface PolicyProblem {
  path: string;
  code: string;
  message: string;
}

export const getPolicy = (signal?: AbortSignal) => api<PolicyView>('/api/settings/turnaround-policy', { signal });
export const putPolicy = (policy: Record<Service, Record<Priority, Record<string, number>>>, version: number) =>
  api<PolicyView>('/api/settings/turnaround-policy', { method: 'PUT', body: { policy, version } });

export const AUDIT_OUTCOMES = ['success', 'denied', 'not_found', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

export type AuditRow = AuditTrailRow;
export type AuditPage = AuditTrailPage;

export interface AuditFilters {
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
  patientId?: string;
  referralNumber?: string;
  mrn?: string;
  patientName?: string;
  outcome?: string;
  from?: string;
  to?: string;
}

export const listAudit = (f: AuditFilters, before: string | null, signal?: AbortSignal) =>
  api<AuditPage>(`/api/audit${query({ ...f, before, limit: 50 })}`, { signal });
/**
 * Downloads the trail under these filters as CSV. Fetched with the in-memory bearer token and saved
 * from a blob: the token never goes into a URL (where history, logs and the Referer would keep it).
 */
export async function downloadAuditCsv(f: AuditFilters): Promise<void> {
  const res = await authorizedFetch(`/api/audit/export.csv${query({ ...f })}`, { headers: { accept: 'text/csv' } });
  if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? 'audit.csv';
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement('a');
  a.href = url;
  a.download = name;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

export const auditVocabulary = (signal?: AbortSignal) =>
  api<{ actions: string[]; resourceTypes: string[] }>('/api/audit/vocabulary', { signal });

/** The longest reading centre name the API takes (RenameReadingCentreDto). */
export const READING_CENTRE_NAME_MAX = 64;
export const renameReadingCentre = (id: string, body: { nameZh?: string; nameEn?: string }) =>
  api<ReadingCentre>(`/api/facilities/reading-centres/${id}`, { method: 'PATCH', body });

/** What the administrator sends to register a device (CreateDicomAeDto) or change one (UpdateDicomAeDto). */
export interface DicomAeInput {
  aeTitle?: string;
  facilityId?: string;
  kind?: AeKind;
  modality?: string;
  readingCentreId?: string;
  host?: string;
  port?: number | null;
  characterSet?: AeCharacterSet;
  active?: boolean;
}

export const listDicomAes = (signal?: AbortSignal) => api<DicomAeView[]>('/api/dicom/aes', { signal });
export const createDicomAe = (body: DicomAeInput) => api<DicomAeView>('/api/dicom/aes', { method: 'POST', body });
export const updateDicomAe = (id: string, body: DicomAeInput) =>
  api<DicomAeView>(`/api/dicom/aes/${id}`, { method: 'PATCH', body });

export const listServiceAccounts = (signal?: AbortSignal) =>
  api<ServiceAccountView[]>('/api/service-accounts', { signal });
export const createServiceAccount = (body: { facilityId: string; name: string }) =>
  api<NewServiceAccount>('/api/service-accounts', { method: 'POST', body });
export const revokeServiceAccount = (id: string) =>
  api<ServiceAccountView>(`/api/service-accounts/${id}/revoke`, { method: 'POST' });

/** Saves the critical-result policy as a new version (a stale `version` is refused). */
export const saveCriticalPolicy = (policy: CriticalResultPolicy, version: number) =>
  api<CriticalResultPolicyView>('/api/settings/critical-results', { method: 'PUT', body: { policy, version } });
