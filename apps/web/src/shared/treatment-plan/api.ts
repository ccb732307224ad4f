import type { PlanInput, PlanView } from '@zhiyin/contracts';
import { api } from '../../lib/api';
import { referralPath } from '../referrals/api';

// The joint treatment plan of a referral (GET/POST /api/referrals/:id/plan, its signatures).

export const getPlan = (id: string, signal?: AbortSignal) => api<PlanView>(`${referralPath(id)}/plan`, { signal });

export const savePlan = (id: string, body: PlanInput) =>
  api<PlanView>(`${referralPath(id)}/plan`, { method: 'POST', body });

export const signPlan = (id: string, version: number) =>
  api<PlanView>(`${referralPath(id)}/plan/sign`, { method: 'POST', body: { version } });
