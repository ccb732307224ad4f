import type {
  ConsentView,
  ReferralDetailView,
  ReferralHistoryEntryView,
  ReferralMessageView,
  ReferralStudyView,
  ReferralSummaryView,
} from '@zhiyin/contracts';
import type { ReferralEventType, ReferralState, Role } from '@zhiyin/workflow';
import type { HistoryRow, MessageRow, ReferralDetailRow, ReferralListRow } from './referral.repository.js';

// The referral's rows (snake_case columns, internal to the API) as the views of packages/contracts: the same values
// and the same nulls, camelCase names, times as ISO 8601 strings (what JSON made of the driver's Date before).

const iso = (d: Date | string): string => (typeof d === 'string' ? d : d.toISOString());
const isoOrNull = (d: Date | string | null): string | null => (d === null ? null : iso(d));

/** A list row as `GET /api/referrals` answers it. */
export function toReferralSummaryView(r: ReferralListRow): ReferralSummaryView {
  return {
    id: r.id,
    number: r.number,
    direction: r.direction,
    state: r.state,
    service: r.service,
    modality: r.modality,
    priority: r.priority,
    patientId: r.patient_id,
    originFacilityId: r.origin_facility_id,
    destinationFacilityId: r.destination_facility_id,
    assigneeId: r.assignee_id,
    holderNameZh: r.holder_name_zh,
    holderNameEn: r.holder_name_en,
    offeredTo: r.offered_to,
    submittedAt: isoOrNull(r.submitted_at),
    reportedAt: r.reported_at,
    criticalState: r.critical_state,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
    rowVersion: r.row_version,
    timers: r.timers,
    parentReferralId: r.parent_referral_id,
    patientName: r.patient_name,
    patientNamePinyin: r.patient_name_pinyin,
    patientMrn: r.patient_mrn,
    patientSex: r.patient_sex,
    patientBirthDate: r.patient_birth_date,
    planSigners: r.plan_signers,
  };
}

/** A step of the history. */
export function toHistoryEntryView(h: HistoryRow): ReferralHistoryEntryView {
  return {
    id: h.id,
    at: iso(h.at),
    event: h.event as ReferralEventType | 'created',
    from: h.from as ReferralState | null,
    to: h.to as ReferralState,
    actorRole: h.actorRole as Role,
    actorId: h.actorId,
    actorNameZh: h.actorNameZh,
    actorNameEn: h.actorNameEn,
    details: h.details,
  };
}

/** A message with its author's names. */
export function toMessageView(m: MessageRow): ReferralMessageView {
  return {
    id: m.id,
    kind: m.kind,
    body: m.body,
    createdAt: iso(m.createdAt),
    authorId: m.authorId,
    authorRole: m.authorRole as ReferralMessageView['authorRole'],
    authorNameZh: m.authorNameZh,
    authorNameEn: m.authorNameEn,
  };
}

/** What the detail adds to its row: read beside it, and the steps the caller may take. */
export interface ReferralDetailParts {
  studies: readonly ReferralStudyView[];
  history: readonly HistoryRow[];
  consent: ConsentView | null;
  availableEvents: readonly ReferralEventType[];
}

/** One referral as `GET /api/referrals/{id}` answers it. */
export function toReferralDetailView(r: ReferralDetailRow, parts: ReferralDetailParts): ReferralDetailView {
  const s = r.snapshot;
  return {
    ...toReferralSummaryView(r),
    clinicalQuestion: r.clinical_question,
    // The referral's `history` column (the relevant history the doctor wrote) is named so beside the event history.
    clinicalHistory: r.history ?? null,
    originNameZh: r.origin_name_zh,
    originNameEn: r.origin_name_en,
    readingCentreNameZh: r.reading_centre_name_zh,
    readingCentreNameEn: r.reading_centre_name_en,
    declinedBy: s.declinedBy,
    report: s.report,
    plan: s.plan,
    outcome: s.outcome,
    cancellation: s.cancellation,
    studyCount: s.studyCount,
    studies: parts.studies,
    consent: parts.consent,
    history: parts.history.map(toHistoryEntryView),
    availableEvents: parts.availableEvents,
  };
}
