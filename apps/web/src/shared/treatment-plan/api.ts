import type { Disposition } from '@zhiyin/workflow';
import { api } from '../../lib/api';
import type { Role } from '../../lib/session';
import { referralPath } from '../referrals/api';

// The joint treatment plan of a referral (GET/POST /api/referrals/:id/plan, its signatures).

export interface Medication {
  name: string;
  dose: string;
  route: string;
  frequency: string;
  duration: string;
}

export interface PlanContent {
  diagnosis: string;
  medications: Medication[];
  tests?: string | null;
  followUp?: string | null;
  whereTreated?: string | null;
  instructions?: string | null;
  warningSigns?: string | null;
  bring?: string | null;
  appointmentPlace?: string | null;
}

export interface PlanVersion {
  version: number;
  content: PlanContent;
  disposition: Disposition;
  hubAppointment: { at: string; department: string | null } | null;
  changedBy: { id: string; role: Role; nameZh: string; nameEn: string };
  changedAt: string;
  signatures: { role: 'community_doctor' | 'specialist'; userId: string; nameZh: string; nameEn: string; at: string }[];
}

export interface PlanView {
  current: PlanVersion | null;
  agreed: boolean;
  versions: PlanVersion[];
}

export interface PlanInput {
  content: Omit<PlanContent, 'appointmentPlace'>;
  disposition: Disposition;
  hubAppointment?: { at: string; department: string; place?: string };
}

export const getPlan = (id: string, signal?: AbortSignal) => api<PlanView>(`${referralPath(id)}/plan`, { signal });

export const savePlan = (id: string, body: PlanInput) =>
  api<PlanView>(`${referralPath(id)}/plan`, { method: 'POST', body });

export const signPlan = (id: string, version: number) =>
  api<PlanView>(`${referralPath(id)}/plan/sign`, { method: 'POST', body: { version } });
