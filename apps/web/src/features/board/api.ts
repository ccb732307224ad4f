import type {
  Disposition,
  Priority,
  ReferralEventType,
  ReferralState,
  Service,
  Specialty,
  TimerKind,
} from '@zhiyin/workflow';
import { api, query } from '../../lib/api';

// The shapes of GET /api/board (apps/api/src/modules/referrals/board.service.ts) and the calls the
// board makes. Times are ISO 8601 strings.

export interface PersonRef {
  id: string;
  nameZh: string;
  nameEn: string;
}

export interface Centre {
  code: string;
  nameZh: string;
  nameEn: string;
}

interface BoardReferralBase {
  id: string;
  number: string;
  state: ReferralState;
  service: Service;
  modality: string | null;
  priority: Priority;
  centre: Centre;
  submittedAt: string | null;
  updatedAt: string;
  rowVersion: number;
  assignee: PersonRef | null;
  availableEvents: ReferralEventType[];
}

export interface QueueItem extends BoardReferralBase {
  offeredTo: PersonRef | null;
  timers: Partial<Record<TimerKind, string>>;
  escalatedAt: string | null;
  declinedBy: number;
}

export interface PoolSpecialist extends PersonRef {
  specialty: Specialty;
  onDuty: boolean;
  shiftEndsAt: string | null;
  online: boolean;
  load: number;
  offers: number;
}

/** A hub reading centre behind a pool, by the name the administrator gave it. */
export interface PoolCentre {
  id: string;
  hubId: string;
  nameZh: string;
  nameEn: string;
}

export interface Pool {
  service: Service;
  /** one per hub that runs this service */
  centres: PoolCentre[];
  queue: QueueItem[];
  specialists: PoolSpecialist[];
}

export interface HubAppointment {
  at: string;
  department: string | null;
  place: string | null;
}

export interface AppointmentItem extends BoardReferralBase {
  patient: { name: string; namePinyin: string };
  disposition: Disposition;
  planVersion: number;
  hubAppointment: HubAppointment | null;
  signatures: { communityDoctor: boolean; specialist: boolean };
}

export interface Board {
  now: string;
  pools: Pool[];
  appointments: AppointmentItem[];
}

export interface DutyShift {
  id: string;
  userId: string;
  startsAt: string;
  endsAt: string;
}

export const loadBoard = (signal?: AbortSignal) => api<Board>('/api/board', { signal });

export const loadShifts = (from: Date, to: Date, signal?: AbortSignal) =>
  api<DutyShift[]>(`/api/duty-shifts${query({ from: from.toISOString(), to: to.toISOString() })}`, { signal });

export const reassign = (id: string, specialistId: string, expectedVersion: number) =>
  api<unknown>(`/api/referrals/${id}/events`, {
    method: 'POST',
    body: { type: 'reassign', specialistId, expectedVersion },
  });

export const bookAppointment = (id: string, body: { at: string; department: string; place?: string }) =>
  api<unknown>(`/api/referrals/${id}/plan/appointment`, { method: 'POST', body });
