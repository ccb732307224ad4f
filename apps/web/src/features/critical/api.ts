import type { ConfirmCriticalRequest, CriticalResultView, RecordCriticalCallRequest } from '@zhiyin/contracts';
import { api } from '../../lib/api';

// The critical-result routes only this feature's list and forms call (apps/api/src/modules/critical-results); raising
// one on a referral and reading the policy are in shared/critical-results/api.ts.

/** Open critical results for me: my centre's (doctor), mine (reader), all (coordinator). */
export const listCritical = (recent = false) =>
  api<CriticalResultView[]>(`/api/critical-results${recent ? '?scope=recent' : ''}`);

export const confirmCritical = (id: string, body: ConfirmCriticalRequest) =>
  api<CriticalResultView>(`/api/critical-results/${id}/confirm`, { method: 'POST', body });

export const recordCall = (id: string, body: RecordCriticalCallRequest) =>
  api<CriticalResultView>(`/api/critical-results/${id}/calls`, { method: 'POST', body });
