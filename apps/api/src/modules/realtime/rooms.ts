import type { Service } from '@zhiyin/workflow';
import type { Actor } from '#src/common/request-context.js';

// Room names. A socket joins its static rooms at connection, and a referral room on request
// after a scope check; events are written to the rooms of everyone concerned.
export const rooms = {
  user: (id: string) => `user:${id}`,
  facility: (id: string) => `facility:${id}`,
  pool: (service: Service) => `pool:${service}`,
  coordinators: () => 'coordinators',
  patient: (id: string) => `patient:${id}`,
  referral: (id: string) => `referral:${id}`,
};

export function serviceOfSpecialty(specialty: Actor['specialty']): Service | null {
  return specialty === 'cardiology' ? 'ECG' : specialty === 'radiology' ? 'IMAGING' : null;
}

/** The rooms an actor belongs to without asking (and may replay events of). */
export function staticRooms(actor: Actor): string[] {
  const out = [actor.role === 'patient' ? rooms.patient(actor.id) : rooms.user(actor.id)];
  if (actor.facilityId && actor.role !== 'patient') out.push(rooms.facility(actor.facilityId));
  if (actor.role === 'specialist') {
    const service = serviceOfSpecialty(actor.specialty);
    if (service) out.push(rooms.pool(service));
  }
  if (actor.role === 'coordinator') out.push(rooms.coordinators());
  return out;
}
