import type { CriticalResultPolicyView, CriticalResultView, RaiseCriticalRequest } from '@zhiyin/contracts';
import { api } from '../../lib/api';

// The critical-result calls of a referral's workspace (the reading room and the referral page raise one there) and
// the network's policy that every critical-result form reads.

export const referralCritical = (referralId: string) =>
  api<CriticalResultView[]>(`/api/referrals/${referralId}/critical-results`);

export const raiseCritical = (referralId: string, body: RaiseCriticalRequest) =>
  api<CriticalResultView>(`/api/referrals/${referralId}/critical-results`, { method: 'POST', body });

export const criticalPolicy = () => api<CriticalResultPolicyView>('/api/settings/critical-results');
