/**
 * Types shared by the API and the web app: the real-time events and their payloads.
 *
 * Payloads carry ids, codes and states only, never patient data: a client that needs details asks the REST API,
 * which checks scope and writes the audit trail.
 */
import type {
  CriticalResultPolicy,
  CriticalState,
  Priority,
  ReferralEventType,
  ReferralState,
  Service,
  TimerKind,
} from '@zhiyin/workflow';

export * from './consent.js';
export * from './critical-results.js';
export * from './patients.js';
export * from './plans.js';
export * from './referrals.js';
export * from './reports.js';
export * from './studies.js';

/** Every event carries the outbox id it was written with: increasing, for de-duplication and catch-up. */
export interface EventEnvelope {
  /** Outbox id (a decimal string: it is a 64-bit sequence). */
  readonly id: string;
  /** ISO 8601 time the change was committed. */
  readonly at: string;
}

/** A referral moved (any transition). */
export interface ReferralChanged extends EventEnvelope {
  readonly referralId: string;
  readonly number: string;
  readonly event: ReferralEventType | 'created';
  readonly state: ReferralState;
  readonly service: Service;
  readonly priority: Priority;
}

/** A reading pool's queue changed: re-read the worklist. */
export interface WorklistChanged extends EventEnvelope {
  readonly service: Service;
  readonly referralId: string;
}

/** A referral was offered to the receiving specialist, until `expiresAt`. */
export interface OfferMade extends EventEnvelope {
  readonly referralId: string;
  readonly number: string;
  readonly service: Service;
  readonly priority: Priority;
  readonly expiresAt: string | null;
}

/** An offer to this specialist ended (expired, declined, reassigned). */
export interface OfferWithdrawn extends EventEnvelope {
  readonly referralId: string;
}

/** A message was posted on a referral. */
export interface MessagePosted extends EventEnvelope {
  readonly referralId: string;
  readonly messageId: string;
  readonly kind: 'message' | 'question' | 'answer';
}

/** A turnaround limit is near or missed. */
export interface TurnaroundWarning extends EventEnvelope {
  readonly referralId: string;
  readonly number: string;
  readonly timer: TimerKind;
  readonly event: ReferralEventType;
}

/** The administrator renamed a hub reading centre: re-read names shown from it. */
export interface ReadingCentreChanged extends EventEnvelope {
  readonly readingCentreId: string;
  readonly hubId: string;
  readonly service: Service;
}

/**
 * A critical result (危急值) was raised, escalated, confirmed or closed. Sent to the referring centre (and the
 * referring doctor), the referral's room, the reader, and once escalated to the coordinators.
 */
export interface CriticalResultEvent extends EventEnvelope {
  readonly criticalResultId: string;
  readonly referralId: string;
  readonly number: string;
  readonly service: Service;
  readonly findingCode: string;
  readonly state: CriticalState;
  readonly confirmDueAt: string;
}

/** A specialist came online or went offline. */
export interface Presence {
  readonly userId: string;
  readonly online: boolean;
}

/** Events the server sends. */
export interface ServerToClientEvents {
  'referral.changed': (e: ReferralChanged) => void;
  'worklist.changed': (e: WorklistChanged) => void;
  'offer.made': (e: OfferMade) => void;
  'offer.withdrawn': (e: OfferWithdrawn) => void;
  'message.posted': (e: MessagePosted) => void;
  'turnaround.warning': (e: TurnaroundWarning) => void;
  'reading_centre.changed': (e: ReadingCentreChanged) => void;
  'critical.raised': (e: CriticalResultEvent) => void;
  'critical.escalated': (e: CriticalResultEvent) => void;
  'critical.settled': (e: CriticalResultEvent) => void;
  presence: (e: Presence) => void;
}

/** The names of the outbox-backed events (replayable with `GET /api/events?after=`). */
export const OUTBOX_EVENTS = [
  'referral.changed',
  'worklist.changed',
  'offer.made',
  'offer.withdrawn',
  'message.posted',
  'turnaround.warning',
  'reading_centre.changed',
  'critical.raised',
  'critical.escalated',
  'critical.settled',
] as const satisfies readonly (keyof ServerToClientEvents)[];

/** An outbox-backed event name. */
export type OutboxEventName = (typeof OUTBOX_EVENTS)[number];

/** Acknowledgement of a client request. */
export type Ack = (result: { ok: true } | { ok: false; error: string }) => void;

/** Events the client sends. State changes never go through the socket: use the REST API. */
export interface ClientToServerEvents {
  /** Present a renewed access token before the current one expires. */
  auth: (token: string, ack: Ack) => void;
  /** Follow one referral (join its room); refused outside the caller's scope. */
  'referral.watch': (referralId: string, ack: Ack) => void;
  'referral.unwatch': (referralId: string, ack: Ack) => void;
}

/** One replayed event from `GET /api/events?after=`. */
export interface ReplayedEvent {
  readonly id: string;
  readonly event: OutboxEventName;
  readonly payload: EventEnvelope & Record<string, unknown>;
}

/** `GET /api/events?after=`: the events missed in the caller's rooms, oldest first; `more` when the page was full. */
export interface EventReplayView {
  items: ReplayedEvent[];
  more: boolean;
}

/** Why a row of the audit chain does not verify (`GET /api/audit/verify`). */
export type AuditChainBreak = 'hash_mismatch' | 'missing_rows_before' | 'unlinked' | 'missing_rows_at_end';

/** The answer of `GET /api/audit/verify`: the audit chain recomputed over the whole trail. */
export interface AuditChainReport {
  readonly ok: boolean;
  /** rows read */
  readonly checked: number;
  /** the chain's head as the database records it: the last row's place and hash */
  readonly head: { readonly chainSeq: string; readonly hash: string };
  /** the first row that does not verify; null when the whole chain does */
  readonly firstBroken: {
    readonly id: string | null;
    readonly chainSeq: string | null;
    readonly at: string | null;
    readonly reason: AuditChainBreak;
  } | null;
}

/** The outcomes an audit row records. */
export const AUDIT_OUTCOMES = ['success', 'denied', 'not_found', 'failed'] as const;
/** One of {@link AUDIT_OUTCOMES}. */
export type AuditOutcomeName = (typeof AUDIT_OUTCOMES)[number];

/**
 * One row of the audit trail as `GET /api/audit` answers it: the row's own ids, and beside them the names
 * they stand for (the actor, the centre the actor acted from, the referral and the patient the row is
 * about). An administrator's read of these names is itself audited (`audit.search`, `audit.export`).
 */
export interface AuditTrailRow {
  readonly id: string;
  readonly at: string;
  readonly actorId: string | null;
  readonly actorRole: string | null;
  readonly facilityId: string | null;
  readonly action: string;
  readonly resourceType: string;
  readonly resourceId: string | null;
  readonly patientId: string | null;
  readonly outcome: AuditOutcomeName;
  readonly requestId: string | null;
  readonly clientIp: string | null;
  readonly details: Record<string, unknown> | null;
  /** the staff member who acted; null for the system, a patient or someone not signed in */
  readonly actor: { readonly username: string; readonly displayNameZh: string; readonly displayNameEn: string } | null;
  readonly facility: { readonly code: string; readonly nameZh: string; readonly nameEn: string } | null;
  /** the referral the row is about: its own resource, or the referral of the study it names */
  readonly referral: { readonly id: string; readonly number: string } | null;
  /** the patient the row is about: its own patient id, else its referral's patient */
  readonly patient: {
    readonly id: string;
    readonly mrn: string;
    readonly nameZh: string;
    readonly namePinyin: string;
  } | null;
}

/** The answer of `GET /api/audit`: newest first; `nextBefore` pages to older rows, null on the last page. */
export interface AuditTrailPage {
  readonly items: readonly AuditTrailRow[];
  /** display names of the users and facilities the rows name as their resource */
  readonly users: Record<
    string,
    { readonly username: string; readonly displayNameZh: string; readonly displayNameEn: string; readonly role: string }
  >;
  readonly facilities: Record<string, { readonly code: string; readonly nameZh: string; readonly nameEn: string }>;
  readonly nextBefore: string | null;
}

/** The most rows one `GET /api/audit/export.csv` writes; narrower filters export the rest. */
export const AUDIT_EXPORT_MAX_ROWS = 100_000;

/** The file a centre sent (an ECG cart's aECG or SCP-ECG, a PDF, a photo), kept beside the DICOM instance made of it. */
export interface OriginalFile {
  seriesInstanceUid: string;
  sopInstanceUid: string;
  format: 'aecg' | 'scp-ecg' | 'pdf' | 'jpeg' | 'png';
  mediaType: string;
  sizeBytes: number;
}

/** A phone call a coordinator logged for an escalated critical result. */
export interface CriticalCall {
  readonly id: string;
  /** the coordinator who called */
  readonly callerId: string;
  readonly callerNameZh: string;
  readonly callerNameEn: string;
  /** whom they called (name, role or number, as the coordinator wrote it) */
  readonly callee: string;
  readonly calledAt: string;
  readonly reached: boolean;
  /** what the person called read back; null when nobody was reached */
  readonly readBack: string | null;
  readonly note: string | null;
}

/** A critical result as the API answers it (`/api/critical-results`, `/api/referrals/:id/critical-results`). */
export interface CriticalResultView {
  readonly id: string;
  readonly referralId: string;
  readonly number: string;
  readonly service: Service;
  readonly priority: Priority;
  readonly originFacilityId: string;
  readonly originFacilityNameZh: string;
  readonly originFacilityNameEn: string;
  readonly patientNameZh: string;
  readonly patientMrn: string;
  readonly findingCode: string;
  readonly findingZh: string;
  readonly findingEn: string;
  /** the reader's own words beside the finding */
  readonly note: string | null;
  readonly state: CriticalState;
  readonly raisedAt: string;
  readonly raisedBy: { readonly id: string; readonly nameZh: string; readonly nameEn: string };
  readonly confirmDueAt: string;
  readonly confirmedAt: string | null;
  readonly confirmedBy: { readonly id: string; readonly nameZh: string; readonly nameEn: string } | null;
  readonly readBack: string | null;
  /** what the confirming doctor said they will do */
  readonly plannedAction: string | null;
  readonly escalatedAt: string | null;
  readonly closedAt: string | null;
  readonly calls: readonly CriticalCall[];
}

/** The critical-result settings (`GET /api/settings/critical-results`): version 0 until an administrator saves. */
export interface CriticalResultPolicyView {
  readonly version: number;
  readonly policy: CriticalResultPolicy;
  readonly defaults: CriticalResultPolicy;
  readonly changedAt: string | null;
}

/** The kinds of measurement a reader can make on an image and keep with a key image. */
export const KEY_IMAGE_MEASUREMENT_KINDS = ['length', 'angle', 'ellipse', 'rectangle', 'probe'] as const;
/** One of {@link KEY_IMAGE_MEASUREMENT_KINDS}. */
export type KeyImageMeasurementKind = (typeof KEY_IMAGE_MEASUREMENT_KINDS)[number];
/** At most this many measurements are kept with one key image (what a printed caption can hold). */
export const KEY_IMAGE_MAX_MEASUREMENTS = 20;
/** Longest measurement label (e.g. "结节 Nodule 1") and value (e.g. "12.4 mm", "mean 38 HU, SD 12, 154 mm²"). */
export const KEY_IMAGE_LABEL_MAX = 40;
export const KEY_IMAGE_VALUE_MAX = 80;
/** At most this many key images on one referral (each is printed in the report). */
export const KEY_IMAGE_MAX_PER_REFERRAL = 24;

/** A measurement the reader made on the image, as the viewer formatted it (value with its unit). */
export interface KeyImageMeasurement {
  readonly kind: KeyImageMeasurementKind;
  readonly label: string;
  readonly value: string;
}

/** `POST /api/referrals/{id}/key-images`: marks an image (one frame) of the referral's studies as a key image. */
export interface MarkKeyImageRequest {
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  /** 1-based frame number (1 for a single-frame image) */
  readonly frame: number;
  readonly measurements: readonly KeyImageMeasurement[];
}

/**
 * A key image of a referral, as `GET /api/referrals/{id}/key-images` lists it (in the order they were marked) and
 * the imaging report prints it. Marking the same frame again replaces its measurements (the same id).
 */
export interface KeyImageView {
  readonly id: string;
  readonly studyInstanceUid: string;
  readonly seriesInstanceUid: string;
  readonly sopInstanceUid: string;
  readonly frame: number;
  /** Series Number and Instance Number of the image (the caption: "Se 3 / Im 42"), when the file has them */
  readonly seriesNumber: number | null;
  readonly instanceNumber: number | null;
  readonly seriesDescription: string | null;
  readonly measurements: readonly KeyImageMeasurement[];
  readonly createdBy: string;
  readonly createdAt: string;
}

/** What the viewer shows as marked: the frames that are key images. */
export interface KeyImageRef {
  readonly sopInstanceUid: string;
  readonly frame: number;
}

/**
 * One of the patient's earlier studies, as `GET /api/referrals/{id}/priors` lists them (newest first): stored under
 * the same patient record, not one of this referral's studies. Its images are read over DICOMweb like the current
 * study's, while the referral is open.
 */
export interface PriorStudyView {
  readonly studyInstanceUid: string;
  /** YYYY-MM-DD, or null when the file carried no study date */
  readonly studyDate: string | null;
  readonly modalities: readonly string[];
  readonly description: string | null;
  /** the centre that sent it (Chinese name, and English) */
  readonly centreName: string;
  readonly centreNameEn: string;
  /** the referral it came with, when it came with one */
  readonly referralNumber: string | null;
}

// The coordinator's board, the administrator's registers and signing in: one file each.
export * from './admin.js';
export * from './auth.js';
export * from './board.js';
export * from './figures.js';
export * from './system.js';
