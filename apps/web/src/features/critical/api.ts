import type { CriticalResultPolicyView, CriticalResultView } from '@zhiyin/contracts';
import type { CriticalResultPolicy } from '@zhiyin/workflow';
import { api } from '../../lib/api';

// The critical-result routes (apps/api/src/modules/critical-results).

/** Open critical results for me: my centre's (doctor), mine (reader), all (coordinator). */
export const listCritical = (recent = false) =>
  api<CriticalResultView[]>(`/api/critical-results${recent ? '?scope=recent' : ''}`);

export const referralCritical = (referralId: string) =>
  api<CriticalResultView[]>(`/api/referrals/${referralId}/critical-results`);

export const raiseCritical = (referralId: string, body: { findingCode: string; note?: string }) =>
  api<CriticalResultView>(`/api/referrals/${referralId}/critical-results`, { method: 'POST', body });

export const confirmCritical = (id: string, body: { readBack: string; plannedAction: string }) =>
  api<CriticalResultView>(`/api/critical-results/${id}/confirm`, { method: 'POST', body });

export const recordCall = (
  id: string,
  body: { callee: string; calledAt: string; reached: boolean; readBack?: string; note?: string },
) => api<CriticalResultView>(`/api/critical-results/${id}/calls`, { method: 'POST', body });

export const criticalPolicy = () => api<CriticalResultPolicyView>('/api/settings/critical-results');

export const saveCriticalPolicy = (policy: CriticalResultPolicy, version: number) =>
  api<CriticalResultPolicyView>('/api/settings/critical-results', { method: 'PUT', body: { policy, version } });
