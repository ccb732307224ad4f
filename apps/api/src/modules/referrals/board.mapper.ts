import type {
  BoardAppointmentView,
  BoardQueueItemView,
  BoardReferralView,
  PersonRefView,
  PoolCentreView,
  PoolSpecialistView,
} from '@zhiyin/contracts';
import { availableEvents, type Actor as RulesActor, type Priority, type ReferralState } from '@zhiyin/workflow';
import type { BoardRow, BoardSpecialistRow } from './referral.repository.js';

const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
const person = (id: string | null, zh: string | null, en: string | null): PersonRefView | null =>
  id ? { id, nameZh: zh ?? '', nameEn: en ?? '' } : null;

/** What every referral on the board shows, with the events the coordinator may fire on it now. */
function toBoardReferral(r: BoardRow, rules: RulesActor, now: Date): BoardReferralView {
  return {
    id: r.id,
    number: r.number,
    // The columns hold the vocabulary's codes (CHECK constraints on the referral table).
    state: r.state as ReferralState,
    service: r.service,
    modality: r.modality,
    priority: r.priority as Priority,
    centre: { code: r.centre_code, nameZh: r.centre_zh, nameEn: r.centre_en },
    submittedAt: iso(r.submitted_at),
    updatedAt: iso(r.updated_at)!,
    rowVersion: r.row_version,
    assignee: person(r.snapshot.assigneeId, r.assignee_zh, r.assignee_en),
    availableEvents: availableEvents(r.snapshot, rules, now),
  };
}

/** A referral waiting for its report, as a pool's queue shows it. */
export const toBoardQueueItem = (r: BoardRow, rules: RulesActor, now: Date): BoardQueueItemView => ({
  ...toBoardReferral(r, rules, now),
  offeredTo: person(r.snapshot.offeredTo, r.offered_zh, r.offered_en),
  timers: r.snapshot.timers,
  escalatedAt: r.snapshot.escalatedAt,
  declinedBy: r.snapshot.declinedBy.length,
});

/** A referral whose plan needs (or has) a hub appointment; `r.snapshot.plan` is set. */
export function toBoardAppointment(r: BoardRow, rules: RulesActor, now: Date): BoardAppointmentView {
  const plan = r.snapshot.plan!;
  return {
    ...toBoardReferral(r, rules, now),
    patient: { name: r.patient_name ?? '', namePinyin: r.patient_name_pinyin ?? '' },
    disposition: plan.disposition,
    planVersion: plan.version,
    hubAppointment: plan.hubAppointment ? { ...plan.hubAppointment, place: r.place } : null,
    signatures: {
      communityDoctor: plan.signatures.community_doctor?.version === plan.version,
      specialist: plan.signatures.specialist?.version === plan.version,
    },
  };
}

/** A specialist of a pool. */
export const toPoolSpecialist = (s: BoardSpecialistRow): PoolSpecialistView => ({
  id: s.id,
  nameZh: s.name_zh,
  nameEn: s.name_en,
  specialty: s.specialty,
  onDuty: s.on_duty,
  shiftEndsAt: iso(s.shift_ends_at),
  online: s.online,
  load: s.load,
  offers: s.offers,
});

/** A hub reading centre behind a pool. */
export const toPoolCentre = (c: { id: string; hub_id: string; name_zh: string; name_en: string }): PoolCentreView => ({
  id: c.id,
  hubId: c.hub_id,
  nameZh: c.name_zh,
  nameEn: c.name_en,
});
