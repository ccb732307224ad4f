import type { CriticalResultPolicy, StaffRole } from '@zhiyin/workflow';
import type {
  AuditTrailPage,
  AuditVocabularyView,
  CreateDicomAeRequest,
  CreateDutyShiftRequest,
  CreatedDutyShiftView,
  CreateFacilityRequest,
  CreateServiceAccountRequest,
  CreateUserRequest,
  CriticalResultPolicyView,
  DicomAeView,
  DutyShiftView,
  FacilityListView,
  FacilityView,
  NewServiceAccount,
  ReadingCentreView,
  RenameReadingCentreRequest,
  SecondFactorPolicyView,
  ServiceAccountView,
  TurnaroundPolicyInput,
  TurnaroundPolicyView,
  UpdateDicomAeRequest,
  UpdateFacilityRequest,
  UpdateUserRequest,
  UserListView,
  UserView,
} from '@zhiyin/contracts';
import { api, ApiError, authorizedFetch, query } from '../../lib/api';

// The administrator's API calls (apps/api/src/modules/{facilities,users,settings,audit,dimse,service-accounts}); the
// shapes they answer and take are in packages/contracts (admin.ts).

export const listFacilities = (signal?: AbortSignal) => api<FacilityListView>('/api/facilities', { signal });
export const createFacility = (body: CreateFacilityRequest) =>
  api<FacilityView>('/api/facilities', { method: 'POST', body });
export const updateFacility = (id: string, body: UpdateFacilityRequest) =>
  api<FacilityView>(`/api/facilities/${id}`, { method: 'PATCH', body });
export const setFacilityActive = (id: string, active: boolean) =>
  api<FacilityView>(`/api/facilities/${id}/${active ? 'activate' : 'deactivate'}`, { method: 'POST' });

export interface UserFilters {
  q?: string;
  role?: StaffRole | '';
  facilityId?: string;
  active?: 'true' | 'false' | '';
  limit?: number;
  offset?: number;
}

export const listUsers = (f: UserFilters, signal?: AbortSignal) =>
  api<UserListView>(`/api/users${query({ ...f })}`, { signal });
export const createUser = (body: CreateUserRequest) => api<UserView>('/api/users', { method: 'POST', body });
export const updateUser = (id: string, body: UpdateUserRequest) =>
  api<UserView>(`/api/users/${id}`, { method: 'PATCH', body });
export const setUserActive = (id: string, active: boolean) =>
  api<UserView>(`/api/users/${id}/${active ? 'activate' : 'deactivate'}`, { method: 'POST' });
export const resetPassword = (id: string, password: string) =>
  api<void>(`/api/users/${id}/password`, { method: 'POST', body: { password } });

export const listShifts = (from: Date, to: Date, signal?: AbortSignal) =>
  api<DutyShiftView[]>(`/api/duty-shifts${query({ from: from.toISOString(), to: to.toISOString() })}`, { signal });
export const addShift = (body: CreateDutyShiftRequest) =>
  api<CreatedDutyShiftView>('/api/duty-shifts', { method: 'POST', body });
export const removeShift = (id: string) => api<void>(`/api/duty-shifts/${id}`, { method: 'DELETE' });

export const getPolicy = (signal?: AbortSignal) =>
  api<TurnaroundPolicyView>('/api/settings/turnaround-policy', { signal });
export const putPolicy = (policy: TurnaroundPolicyInput, version: number) =>
  api<TurnaroundPolicyView>('/api/settings/turnaround-policy', { method: 'PUT', body: { policy, version } });

export const AUDIT_OUTCOMES = ['success', 'denied', 'not_found', 'failed'] as const;
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number];

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
  api<AuditTrailPage>(`/api/audit${query({ ...f, before, limit: 50 })}`, { signal });
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

export const auditVocabulary = (signal?: AbortSignal) => api<AuditVocabularyView>('/api/audit/vocabulary', { signal });

export const renameReadingCentre = (id: string, body: RenameReadingCentreRequest) =>
  api<ReadingCentreView>(`/api/facilities/reading-centres/${id}`, { method: 'PATCH', body });

export const listDicomAes = (signal?: AbortSignal) => api<DicomAeView[]>('/api/dicom/aes', { signal });
export const createDicomAe = (body: CreateDicomAeRequest) =>
  api<DicomAeView>('/api/dicom/aes', { method: 'POST', body });
export const updateDicomAe = (id: string, body: UpdateDicomAeRequest) =>
  api<DicomAeView>(`/api/dicom/aes/${id}`, { method: 'PATCH', body });

export const listServiceAccounts = (signal?: AbortSignal) =>
  api<ServiceAccountView[]>('/api/service-accounts', { signal });
export const createServiceAccount = (body: CreateServiceAccountRequest) =>
  api<NewServiceAccount>('/api/service-accounts', { method: 'POST', body });
export const revokeServiceAccount = (id: string) =>
  api<ServiceAccountView>(`/api/service-accounts/${id}/revoke`, { method: 'POST' });

/** Saves the critical-result policy as a new version (a stale `version` is refused). */
export const saveCriticalPolicy = (policy: CriticalResultPolicy, version: number) =>
  api<CriticalResultPolicyView>('/api/settings/critical-results', { method: 'PUT', body: { policy, version } });

/** The roles that must sign in with a second factor. */
export const getSecondFactorPolicy = () => api<SecondFactorPolicyView>('/api/settings/second-factor');
export const putSecondFactorPolicy = (body: SecondFactorPolicyView) =>
  api<SecondFactorPolicyView>('/api/settings/second-factor', { method: 'PUT', body });
