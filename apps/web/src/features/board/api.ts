import type { BoardView, BookAppointmentRequest, DutyShiftView } from '@zhiyin/contracts';
import { api, query } from '../../lib/api';

// The calls the coordinator's board makes; the shapes they answer are in packages/contracts (board.ts, admin.ts).

export const loadBoard = (signal?: AbortSignal) => api<BoardView>('/api/board', { signal });

export const loadShifts = (from: Date, to: Date, signal?: AbortSignal) =>
  api<DutyShiftView[]>(`/api/duty-shifts${query({ from: from.toISOString(), to: to.toISOString() })}`, { signal });

export const reassign = (id: string, specialistId: string, expectedVersion: number) =>
  api<unknown>(`/api/referrals/${id}/events`, {
    method: 'POST',
    body: { type: 'reassign', specialistId, expectedVersion },
  });

export const bookAppointment = (id: string, body: BookAppointmentRequest) =>
  api<unknown>(`/api/referrals/${id}/plan/appointment`, { method: 'POST', body });
