/**
 * The coordinator's board (`GET /api/board`): every reading pool's queue and specialists, and the patients referred
 * up to the hub whose plan needs (or has) a hub appointment. Times are ISO 8601 strings.
 */
import type {
  Disposition,
  Priority,
  ReferralEventType,
  ReferralState,
  RunningTimers,
  Service,
  Specialty,
} from '@zhiyin/workflow';

/** A person the board names: a specialist, the one holding or offered a referral. */
export interface PersonRefView {
  readonly id: string;
  readonly nameZh: string;
  readonly nameEn: string;
}

/** The community centre a referral came from. */
export interface BoardCentreView {
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
}

/** What every referral on the board shows. */
export interface BoardReferralView {
  readonly id: string;
  readonly number: string;
  readonly state: ReferralState;
  readonly service: Service;
  readonly modality: string | null;
  readonly priority: Priority;
  readonly centre: BoardCentreView;
  readonly submittedAt: string | null;
  readonly updatedAt: string;
  /** sent back as `expectedVersion` with an event */
  readonly rowVersion: number;
  readonly assignee: PersonRefView | null;
  /** the events the coordinator may fire on it now */
  readonly availableEvents: readonly ReferralEventType[];
}

/** A referral waiting for its report, in a pool's queue. */
export interface BoardQueueItemView extends BoardReferralView {
  readonly offeredTo: PersonRefView | null;
  readonly timers: RunningTimers;
  readonly escalatedAt: string | null;
  /** how many specialists declined it */
  readonly declinedBy: number;
}

/** A specialist of a pool: on duty, online, and what they hold. */
export interface PoolSpecialistView extends PersonRefView {
  readonly specialty: Specialty;
  readonly onDuty: boolean;
  /** the end of the shift they are on now, if any */
  readonly shiftEndsAt: string | null;
  /** seen within the last 45 seconds */
  readonly online: boolean;
  /** referrals they hold */
  readonly load: number;
  /** referrals offered to them now */
  readonly offers: number;
}

/** A hub reading centre behind a pool, by the name the administrator gave it. */
export interface PoolCentreView {
  readonly id: string;
  readonly hubId: string;
  readonly nameZh: string;
  readonly nameEn: string;
}

/** One reading pool (a service): its centres, its queue and its specialists. */
export interface PoolView {
  readonly service: Service;
  /** one per hub that runs this service */
  readonly centres: readonly PoolCentreView[];
  readonly queue: readonly BoardQueueItemView[];
  readonly specialists: readonly PoolSpecialistView[];
}

/** A hub appointment of a plan, with the place written in the plan. */
export interface HubAppointmentView {
  readonly at: string;
  readonly department: string | null;
  readonly place: string | null;
}

/** A patient referred up whose plan needs (or has) a hub appointment. */
export interface BoardAppointmentView extends BoardReferralView {
  readonly patient: { readonly name: string; readonly namePinyin: string };
  readonly disposition: Disposition;
  readonly planVersion: number;
  readonly hubAppointment: HubAppointmentView | null;
  /** whether each doctor signed the plan's current version */
  readonly signatures: { readonly communityDoctor: boolean; readonly specialist: boolean };
}

/** `GET /api/board`. */
export interface BoardView {
  /** the server's time the board was read at */
  readonly now: string;
  readonly pools: readonly PoolView[];
  readonly appointments: readonly BoardAppointmentView[];
}

/** `POST /api/referrals/{id}/plan/appointment`: the coordinator books the hub appointment. */
export interface BookAppointmentRequest {
  /** ISO 8601 date-time */
  readonly at: string;
  readonly department: string;
  readonly place?: string;
}
