import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  AWAITING_REPORT_STATES,
  HELD_BY_READER_STATES,
  PRIORITIES,
  TERMINAL_STATES,
  assertNever,
  type HistoryEntry,
  type ReferralReadScope,
  type ReferralSnapshot,
  type ReferralState,
  type Service,
  type TimerKind,
} from '@zhiyin/workflow';
import type { PersonName } from '@zhiyin/dicom';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * A database transaction, as services see it: they receive one from `inTransaction` and hand it back to repository
 * methods (the referral's lock, save and history must share it), without knowing what it is made of.
 */
export type Tx = EntityManager;

/** A referral as a transition reads it, locked. */
export interface ReferralRow {
  id: string;
  number: string;
  modality: string | null;
  snapshot: ReferralSnapshot;
  row_version: number;
}

/** The columns the read-scope rule reads. */
export interface ScopeRow {
  id: string;
  direction: string;
  state: string;
  service: Service;
  origin_facility_id: string;
  destination_facility_id: string | null;
  patient_id: string;
  assignee_id: string | null;
}

/** A referral as the list reads it (the columns of LIST_COLUMNS); `referral-view.mapper.ts` turns it into the view. */
export interface ReferralListRow extends ScopeRow {
  number: string;
  direction: 'up' | 'down';
  state: ReferralState;
  modality: string | null;
  priority: ReferralSnapshot['priority'];
  offered_to: string | null;
  submitted_at: Date | null;
  created_at: Date;
  updated_at: Date;
  row_version: number;
  timers: Partial<Record<TimerKind, string>> | null;
  parent_referral_id: string | null;
  reported_at: string | null;
  critical_state: 'raised' | 'escalated' | null;
  patient_name: string;
  patient_name_pinyin: string;
  patient_mrn: string;
  patient_sex: 'F' | 'M' | 'O' | 'U';
  patient_birth_date: string;
  holder_name_zh: string | null;
  holder_name_en: string | null;
  plan_signers: ('community_doctor' | 'specialist')[] | null;
}

/** One referral as the detail reads it: the list's columns, its texts, snapshot, centre and reading centre. */
export interface ReferralDetailRow extends ReferralListRow {
  clinical_question: string | null;
  history: string | null;
  snapshot: ReferralSnapshot;
  origin_name_zh: string;
  origin_name_en: string;
  reading_centre_name_zh: string | null;
  reading_centre_name_en: string | null;
}

/** A step of the referral's history as stored, with who took it. */
export interface HistoryRow {
  id: string;
  at: Date;
  event: string;
  from: string | null;
  to: string;
  actorRole: string;
  actorId: string;
  actorNameZh: string | null;
  actorNameEn: string | null;
  details: Record<string, unknown>;
}

/** A doctors' message as stored, with its author's names. */
export interface MessageRow {
  id: string;
  kind: 'message' | 'question' | 'answer';
  body: string;
  createdAt: Date;
  authorId: string;
  authorRole: string;
  authorNameZh: string;
  authorNameEn: string;
}

/** The list's filters (strings as the query string carries them). */
export interface ListFilter {
  worklist?: boolean;
  states?: string[];
  priority?: string;
  service?: string;
  facilityId?: string;
  patientId?: string;
  from?: string;
  to?: string;
  limit?: number;
  offset?: number;
}

/** A study as the attach step reads it, locked. */
export interface AttachableStudy {
  id: string;
  facility_id: string;
  referral_id: string | null;
  patient_id: string | null;
  dicom_patient_id: string | null;
  patient_name: PersonName | null;
  patient_sex: string | null;
  patient_birth_date: string | null;
  study_date: string | null;
  study_time: string | null;
}

/** A row of the coordinator's board. */
export interface BoardRow {
  id: string;
  number: string;
  state: string;
  service: Service;
  modality: string | null;
  priority: string;
  patient_id: string;
  submitted_at: Date | null;
  updated_at: Date;
  row_version: number;
  snapshot: ReferralSnapshot;
  centre_code: string;
  centre_zh: string;
  centre_en: string;
  assignee_zh: string | null;
  assignee_en: string | null;
  offered_zh: string | null;
  offered_en: string | null;
  patient_name: string | null;
  patient_name_pinyin: string | null;
  place: string | null;
}

/** A specialist as the board shows them. */
export interface BoardSpecialistRow {
  id: string;
  name_zh: string;
  name_en: string;
  specialty: 'radiology' | 'cardiology';
  on_duty: boolean;
  shift_ends_at: Date | null;
  online: boolean;
  load: number;
  offers: number;
}

export const priorityRank = (p: ReferralSnapshot['priority']) => PRIORITIES.indexOf(p);

/** A state group as SQL literals (`'a', 'b'`): the states are plain codes of the vocabulary, never input. */
const states = (group: readonly ReferralState[]) => group.map((s) => `'${s}'`).join(', ');

// The running timers, plus the due times of the report warning and limit once they have fired while
// the report is still awaited: the reader's clock keeps counting the time over instead of going blank.
const TIMERS_WITH_FIRED = `(CASE WHEN r.state IN (${states(AWAITING_REPORT_STATES)})
  THEN COALESCE((SELECT jsonb_object_agg(e.details->>'timer', e.details->>'dueAt')
                   FROM referral_event e
                  WHERE e.referral_id = r.id AND e.event IN ('report_due_soon', 'report_overdue') AND e.details ? 'dueAt'), '{}')
  ELSE '{}' END) || (r.snapshot->'timers')`;

const LIST_COLUMNS = `r.id, r.number, r.direction, r.state, r.service, r.modality, r.priority, r.patient_id, r.origin_facility_id,
  r.destination_facility_id, r.assignee_id, r.offered_to, r.submitted_at, r.created_at, r.updated_at, r.row_version,
  ${TIMERS_WITH_FIRED} AS timers, r.parent_referral_id,
  -- when the report was signed: the waiting time a list shows stops there
  r.snapshot->'report'->>'signedAt' AS reported_at,
  -- an open critical result (危急值) makes the row stand out in every list
  (SELECT c.state FROM critical_result c WHERE c.referral_id = r.id AND c.state IN ('raised', 'escalated')
    ORDER BY c.state = 'escalated' DESC, c.raised_at LIMIT 1) AS critical_state,
  p.family_name_zh || p.given_name_zh AS patient_name, p.name_pinyin AS patient_name_pinyin, p.mrn AS patient_mrn,
  p.sex AS patient_sex, p.birth_date::text AS patient_birth_date,
  (SELECT u.display_name_zh FROM app_user u WHERE u.id = COALESCE(r.assignee_id, r.offered_to)) AS holder_name_zh,
  (SELECT u.display_name_en FROM app_user u WHERE u.id = COALESCE(r.assignee_id, r.offered_to)) AS holder_name_en,
  (SELECT CASE WHEN v.version IS NULL THEN NULL ELSE ARRAY(
            SELECT s.signer_role FROM plan_signature s WHERE s.referral_id = r.id AND s.version = v.version ORDER BY 1)
          END
     FROM (SELECT max(version) AS version FROM plan_version WHERE referral_id = r.id) v) AS plan_signers`;

// The referral's SQL: the row and its snapshot, its history, its messages, its studies' links, the queues
// (list, worklist, claim, routing, board) and its timers' jobs. The use cases are in the services; this is the
// only place that knows the tables.
@Injectable()
export class ReferralRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Runs `work` in one transaction (commit when it resolves, roll back when it throws). */
  inTransaction<T>(work: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  // ---- the row --------------------------------------------------------------------------------------------------

  async lock(m: Tx, id: string): Promise<ReferralRow | undefined> {
    const [row] = await m.query<ReferralRow[]>(
      'SELECT id, number, modality, snapshot, row_version FROM referral WHERE id = $1 FOR UPDATE',
      [id],
    );
    return row;
  }

  /** Writes the snapshot and the columns queries use. */
  async save(m: Tx, id: string, s: ReferralSnapshot): Promise<void> {
    await m.query(
      `UPDATE referral SET state = $2, service = $3, priority = $4, priority_rank = $5, assignee_id = $6, offered_to = $7,
              submitted_at = $8, snapshot = $9, row_version = row_version + 1, updated_at = $10
        WHERE id = $1`,
      [
        id,
        s.state,
        s.service,
        s.priority,
        priorityRank(s.priority),
        s.assigneeId,
        s.offeredTo,
        s.submittedAt,
        JSON.stringify(s),
        s.updatedAt,
      ],
    );
  }

  /** Inserts a new referral numbered from the sequence and `today`; returns its number. */
  async insert(
    m: Tx,
    s: ReferralSnapshot,
    today: Date,
    modality: string | null,
    clinicalQuestion: string | null,
    history: string | null,
  ): Promise<string> {
    const [{ n }] = await m.query<[{ n: string }]>("SELECT nextval('referral_number_seq')::text AS n");
    const d = today;
    // The referral number is also the DICOM Accession Number (SH, at most 16 characters).
    const ymd = `${String(d.getUTCFullYear()).slice(2)}${String(d.getUTCMonth() + 1).padStart(2, '0')}${String(d.getUTCDate()).padStart(2, '0')}`;
    const number = `ZY${ymd}${n.padStart(5, '0')}`;
    await m.query(
      `INSERT INTO referral (id, number, direction, state, service, modality, priority, priority_rank, patient_id, origin_facility_id,
                             destination_facility_id, created_by, assignee_id, offered_to, clinical_question, history,
                             parent_referral_id, workflow_version, snapshot, submitted_at, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22)`,
      [
        s.id,
        number,
        s.direction,
        s.state,
        s.service,
        modality,
        s.priority,
        priorityRank(s.priority),
        s.patientId,
        s.originFacilityId,
        s.destinationFacilityId,
        s.createdBy === 'system' ? null : s.createdBy,
        s.assigneeId,
        s.offeredTo,
        clinicalQuestion,
        history,
        s.parentReferralId,
        s.workflowVersion,
        JSON.stringify(s),
        s.submittedAt,
        s.createdAt,
        s.updatedAt,
      ],
    );
    return number;
  }

  /** The draft's free-text fields and modality (each left as it was when not given). */
  async updateDraftText(
    m: Tx,
    id: string,
    clinicalQuestion: string | null,
    history: string | null,
    modality: string | null,
  ): Promise<void> {
    await m.query(
      `UPDATE referral SET clinical_question = COALESCE($2, clinical_question), history = COALESCE($3, history), modality = COALESCE($4, modality)
        WHERE id = $1`,
      [id, clinicalQuestion, history, modality],
    );
  }

  /** The centre a patient belongs to (undefined: no such patient). */
  async patientHomeFacility(m: Tx, patientId: string): Promise<string | undefined> {
    const [patient] = await m.query<{ home_facility_id: string }[]>(
      'SELECT home_facility_id FROM patient WHERE id = $1',
      [patientId],
    );
    return patient ? patient.home_facility_id : undefined;
  }

  /** The columns the read-scope rule reads. */
  async scopeRow(id: string): Promise<ScopeRow | undefined> {
    const [r] = await this.ds.query<ScopeRow[]>(
      'SELECT id, direction, state, service, origin_facility_id, destination_facility_id, patient_id, assignee_id FROM referral WHERE id = $1',
      [id],
    );
    return r;
  }

  /** The id of a centre's open referral with this id or number, if any. */
  async openOfCentre(
    m: Tx | undefined,
    facilityId: string | null,
    by: 'id' | 'number',
    value: string,
  ): Promise<string | undefined> {
    const [ref] = await (m ?? this.ds.manager).query<{ id: string }[]>(
      `SELECT id FROM referral WHERE ${by === 'id' ? 'id = $1::uuid' : 'number = $1'} AND origin_facility_id = $2
          AND state NOT IN (${states(TERMINAL_STATES)})`,
      [value, facilityId],
    );
    return ref?.id;
  }

  // ---- reads for the screens -------------------------------------------------------------------------------------

  /** A page of the referrals in `scope` matching `f`, with the total. */
  async list(scope: ReferralReadScope, f: ListFilter): Promise<{ rows: ReferralListRow[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    // The read scope, as inReferralReadScope (packages/workflow) applies it to one referral.
    switch (scope.kind) {
      case 'facility':
        where.push(
          `(r.origin_facility_id = ${p(scope.facilityId)} OR r.destination_facility_id = ${p(scope.facilityId)})`,
        );
        break;
      case 'pool':
        where.push(
          `r.direction = ${p(scope.direction)} AND r.state IN (${states(scope.states)}) AND r.service = ${p(scope.service)}`,
        );
        break;
      case 'sent':
        where.push(`r.state IN (${states(scope.states)})`);
        break;
      case 'patient':
        where.push(`r.patient_id = ${p(scope.patientId)} AND r.state IN (${states(scope.states)})`);
        break;
      case 'none':
        where.push('false');
        break;
      default:
        assertNever(scope);
    }
    if (f.worklist) where.push(`r.state IN (${states(AWAITING_REPORT_STATES)})`);
    if (f.states) where.push(`r.state = ANY(${p(f.states)})`);
    if (f.priority) where.push(`r.priority = ${p(f.priority)}`);
    if (f.service) where.push(`r.service = ${p(f.service)}`);
    if (f.facilityId) where.push(`r.origin_facility_id = ${p(f.facilityId)}`);
    if (f.patientId) where.push(`r.patient_id = ${p(f.patientId)}`);
    if (f.from) where.push(`r.created_at >= ${p(f.from)}`);
    if (f.to) where.push(`r.created_at < ${p(f.to)}`);
    const order = f.worklist ? 'r.priority_rank, r.submitted_at NULLS LAST, r.id' : 'r.updated_at DESC, r.id';
    const rows = await this.ds.query<(ReferralListRow & { total: string })[]>(
      `SELECT ${LIST_COLUMNS}, count(*) OVER () AS total FROM referral r JOIN patient p ON p.id = r.patient_id
        WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${f.limit ?? 50} OFFSET ${f.offset ?? 0}`,
      params,
    );
    return { rows: rows.map(({ total: _t, ...r }) => r), total: Number(rows[0]?.total ?? 0) };
  }

  /** One referral with its patient, centres and snapshot, unscoped (the service checks scope). */
  async detail(id: string): Promise<ReferralDetailRow | undefined> {
    const [r] = await this.ds.query<ReferralDetailRow[]>(
      `SELECT ${LIST_COLUMNS}, r.clinical_question, r.history, r.snapshot,
              o.name_zh AS origin_name_zh, o.name_en AS origin_name_en,
              rc.name_zh AS reading_centre_name_zh, rc.name_en AS reading_centre_name_en
         FROM referral r JOIN patient p ON p.id = r.patient_id JOIN facility o ON o.id = r.origin_facility_id
         -- an upward referral is read by the reading centre of its centre's hub for the service
         LEFT JOIN reading_centre rc ON r.direction = 'up' AND rc.hub_id = o.hub_id AND rc.service = r.service
        WHERE r.id = $1`,
      [id],
    );
    return r;
  }

  /** The referral's history, oldest first, with who did each step. */
  async history(id: string): Promise<HistoryRow[]> {
    return this.ds.query<HistoryRow[]>(
      `SELECT e.id, e.at, e.event, e.from_state AS "from", e.to_state AS "to", e.actor_role AS "actorRole", e.actor_id AS "actorId",
              u.display_name_zh AS "actorNameZh", u.display_name_en AS "actorNameEn", e.details
         FROM referral_event e LEFT JOIN app_user u ON u.id::text = e.actor_id
        WHERE e.referral_id = $1 ORDER BY e.id`,
      [id],
    );
  }

  /** The referral's messages, oldest first, with their authors' names. */
  async messages(id: string): Promise<MessageRow[]> {
    return this.ds.query<MessageRow[]>(
      `SELECT m.id, m.kind, m.body, m.created_at AS "createdAt", m.author_id AS "authorId", m.author_role AS "authorRole",
              u.display_name_zh AS "authorNameZh", u.display_name_en AS "authorNameEn"
         FROM message m JOIN app_user u ON u.id = m.author_id WHERE m.referral_id = $1 ORDER BY m.created_at, m.id`,
      [id],
    );
  }

  async insertMessage(
    m: Tx,
    referralId: string,
    author: { id: string; role: string },
    kind: 'message' | 'question' | 'answer',
    body: string,
  ): Promise<{ id: string; created_at: Date }> {
    const [msg] = await m.query<{ id: string; created_at: Date }[]>(
      'INSERT INTO message (referral_id, author_id, author_role, kind, body) VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at',
      [referralId, author.id, author.role, kind, body],
    );
    return msg!;
  }

  /** An active specialist by id (undefined: none). */
  async activeUser(id: string) {
    const [u] = await this.ds.query<{ id: string; specialty: 'radiology' | 'cardiology' | null; role: string }[]>(
      'SELECT id, specialty, role FROM app_user WHERE id = $1 AND active',
      [id],
    );
    return u;
  }

  // ---- history and timers ----------------------------------------------------------------------------------------

  async insertHistory(m: Tx, entry: HistoryEntry, details: Record<string, unknown>): Promise<void> {
    await m.query(
      `INSERT INTO referral_event (referral_id, at, event, from_state, to_state, actor_id, actor_role, workflow_version, details)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        entry.referralId,
        entry.at,
        entry.event,
        entry.from,
        entry.to,
        entry.actorId,
        entry.actorRole,
        entry.workflowVersion,
        JSON.stringify(details),
      ],
    );
  }

  /** The history's first entry: the draft created. */
  async insertCreated(m: Tx, id: string, at: string, actor: { id: string; role: string }, workflowVersion: number) {
    await m.query(
      `INSERT INTO referral_event (referral_id, at, event, from_state, to_state, actor_id, actor_role, workflow_version, details)
       VALUES ($1, $2, 'created', NULL, 'draft', $3, $4, $5, '{}')`,
      [id, at, actor.id, actor.role, workflowVersion],
    );
  }

  async startTimer(m: Tx, referralId: string, timer: TimerKind, dueAt: string): Promise<void> {
    await m.query(
      `INSERT INTO scheduled_job (kind, referral_id, due_at) VALUES ($1, $2, $3)
       ON CONFLICT (referral_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at`,
      [timer, referralId, dueAt],
    );
  }

  async stopTimer(m: Tx, referralId: string, timer: TimerKind): Promise<void> {
    await m.query('DELETE FROM scheduled_job WHERE referral_id = $1 AND kind = $2', [referralId, timer]);
  }

  /** Takes the earliest timer due by `now` that no other node holds, removing it; undefined when none. */
  async takeDueTimer(m: Tx, now: Date) {
    const [job] = await m.query<{ id: string; kind: TimerKind; referral_id: string; due_at: Date }[]>(
      `SELECT id, kind, referral_id, due_at FROM scheduled_job WHERE due_at <= $1 ORDER BY due_at, id LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [now],
    );
    if (!job) return undefined;
    await m.query('DELETE FROM scheduled_job WHERE id = $1', [job.id]);
    return job;
  }

  // ---- studies --------------------------------------------------------------------------------------------------

  /** A study by its Study Instance UID, locked for linking. */
  async lockStudyByUid(m: Tx, studyUid: string): Promise<AttachableStudy | undefined> {
    const [study] = await m.query<AttachableStudy[]>(
      `SELECT id, facility_id, referral_id, patient_id, dicom_patient_id, patient_name, patient_sex, patient_birth_date,
              to_char(study_date, 'YYYYMMDD') AS study_date, study_time
         FROM study WHERE study_instance_uid = $1 FOR UPDATE`,
      [studyUid],
    );
    return study;
  }

  /** A study's link and patient, locked for linking. */
  async lockStudyLink(m: Tx, studyId: string) {
    const [study] = await m.query<{ referral_id: string | null; patient_id: string | null }[]>(
      'SELECT referral_id, patient_id FROM study WHERE id = $1 FOR UPDATE',
      [studyId],
    );
    return study;
  }

  /** Files the study under the referral and its patient: the study page and the patient's page find it there. */
  async linkStudy(m: Tx, studyId: string, referralId: string, patientId: string): Promise<void> {
    await m.query('UPDATE study SET referral_id = $1, patient_id = $2 WHERE id = $3', [referralId, patientId, studyId]);
  }

  // ---- queues: claim and routing ---------------------------------------------------------------------------------

  /** The most urgent referral of a pool a specialist may take now (one offered to them first), locked. */
  async claimCandidate(m: Tx, service: Service, specialistId: string) {
    const [candidate] = await m.query<{ id: string; state: string }[]>(
      `SELECT id, state FROM referral
        WHERE service = $1 AND direction = 'up' AND (state = 'submitted' OR (state = 'offered' AND offered_to = $2))
        ORDER BY (state = 'offered') DESC, priority_rank, submitted_at, id
        LIMIT 1 FOR UPDATE SKIP LOCKED`,
      [service, specialistId],
    );
    return candidate;
  }

  /** One dispatcher per pool: false when another holds the pool's routing lock (until this transaction ends). */
  async tryRoutingLock(m: Tx, service: Service): Promise<boolean> {
    const [{ locked }] = await m.query<[{ locked: boolean }]>(
      'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
      [`route:${service}`],
    );
    return locked;
  }

  /** The pool's waiting referrals, most urgent first, read without locking. */
  async waiting(m: Tx, service: Service) {
    return m.query<{ id: string; declined: string[]; stat: boolean }[]>(
      `SELECT id, ARRAY(SELECT jsonb_array_elements_text(snapshot->'declinedBy')) AS declined, priority = 'STAT' AS stat
         FROM referral WHERE service = $1 AND direction = 'up' AND state = 'submitted'
        ORDER BY priority_rank, submitted_at, id LIMIT 20`,
      [service],
    );
  }

  /** Who was offered the referral last (undefined: never offered). */
  async lastOfferedTo(m: Tx, referralId: string): Promise<string | null | undefined> {
    const [lapsed] = await m.query<{ specialist: string | null }[]>(
      `SELECT details->>'specialistId' AS specialist FROM referral_event
        WHERE referral_id = $1 AND event = 'offer' ORDER BY id DESC LIMIT 1`,
      [referralId],
    );
    return lapsed?.specialist;
  }

  /**
   * The reader to offer a referral to: on duty at `now`, seen online within `onlineSeconds`, with no open offer, least
   * loaded; those in `declined` only when `askDeclinedAgain`, and after everyone else, like the one who let the last
   * offer lapse.
   */
  async freeReader(
    m: Tx,
    q: {
      specialty: 'radiology' | 'cardiology';
      now: Date;
      onlineSeconds: number;
      declined: string[];
      lapsed: string;
      askDeclinedAgain: boolean;
    },
  ) {
    const [reader] = await m.query<{ id: string; specialty: 'radiology' | 'cardiology' }[]>(
      `SELECT u.id, u.specialty
         FROM app_user u
        WHERE u.role = 'specialist' AND u.active AND u.specialty = $1
          AND (u.on_duty OR EXISTS (SELECT 1 FROM duty_shift d WHERE d.user_id = u.id AND $2 >= d.starts_at AND $2 < d.ends_at))
          AND EXISTS (SELECT 1 FROM presence p WHERE p.user_id = u.id AND p.last_seen > now() - make_interval(secs => $3))
          AND ($6 OR NOT (u.id::text = ANY($4::text[])))
          AND NOT EXISTS (SELECT 1 FROM referral r WHERE r.offered_to = u.id AND r.state = 'offered')
        ORDER BY (u.id::text = ANY($4::text[])) ASC, (u.id::text = $5) ASC,
                 (SELECT count(*) FROM referral r WHERE r.assignee_id = u.id AND r.state IN (${states(HELD_BY_READER_STATES)})),
                 u.id
        LIMIT 1`,
      [q.specialty, q.now, q.onlineSeconds, q.declined, q.lapsed, q.askDeclinedAgain],
    );
    return reader;
  }

  /** Takes the row if it still waits and nobody (a claim) holds it. */
  async lockIfWaiting(m: Tx, id: string): Promise<boolean> {
    const [locked] = await m.query<{ id: string }[]>(
      `SELECT id FROM referral WHERE id = $1 AND state = 'submitted' FOR UPDATE SKIP LOCKED`,
      [id],
    );
    return Boolean(locked);
  }

  // ---- the coordinator's board -----------------------------------------------------------------------------------

  /**
   * Upward referrals in `queueStates`, and those in `afterReportStates` whose plan's disposition is one of
   * `appointmentDispositions` (with the patient's name and the appointment's place), most urgent first.
   */
  async boardRows(
    queueStates: readonly string[],
    afterReportStates: readonly string[],
    appointmentDispositions: readonly string[],
  ): Promise<BoardRow[]> {
    return this.ds.query<BoardRow[]>(
      `SELECT r.id, r.number, r.state, r.service, r.modality, r.priority, r.patient_id, r.submitted_at, r.updated_at,
              r.row_version, r.snapshot, o.code AS centre_code, o.name_zh AS centre_zh, o.name_en AS centre_en,
              a.display_name_zh AS assignee_zh, a.display_name_en AS assignee_en,
              f.display_name_zh AS offered_zh, f.display_name_en AS offered_en,
              CASE WHEN r.state = ANY($2) THEN p.family_name_zh || p.given_name_zh END AS patient_name,
              CASE WHEN r.state = ANY($2) THEN p.name_pinyin END AS patient_name_pinyin,
              CASE WHEN r.state = ANY($2) THEN
                (SELECT v.content->>'appointmentPlace' FROM plan_version v WHERE v.referral_id = r.id ORDER BY v.version DESC LIMIT 1)
              END AS place
         FROM referral r
         JOIN facility o ON o.id = r.origin_facility_id
         JOIN patient p ON p.id = r.patient_id
         LEFT JOIN app_user a ON a.id = r.assignee_id
         LEFT JOIN app_user f ON f.id = r.offered_to
        WHERE r.direction = 'up'
          AND (r.state = ANY($1)
               OR (r.state = ANY($2) AND r.snapshot->'plan'->>'disposition' = ANY($3)))
        ORDER BY r.priority_rank, r.submitted_at NULLS LAST, r.id`,
      [queueStates, afterReportStates, appointmentDispositions],
    );
  }

  /** Every active specialist with duty (at `now`), presence (within `onlineSeconds`), load and open offers. */
  async boardSpecialists(now: Date, onlineSeconds: number): Promise<BoardSpecialistRow[]> {
    return this.ds.query<BoardSpecialistRow[]>(
      `SELECT u.id, u.display_name_zh AS name_zh, u.display_name_en AS name_en, u.specialty,
              (u.on_duty OR s.ends_at IS NOT NULL) AS on_duty, s.ends_at AS shift_ends_at,
              EXISTS (SELECT 1 FROM presence pr WHERE pr.user_id = u.id AND pr.last_seen > now() - make_interval(secs => $2)) AS online,
              (SELECT count(*) FROM referral r WHERE r.assignee_id = u.id AND r.state IN (${states(HELD_BY_READER_STATES)}))::int AS load,
              (SELECT count(*) FROM referral r WHERE r.offered_to = u.id AND r.state = 'offered')::int AS offers
         FROM app_user u
         LEFT JOIN LATERAL (SELECT max(d.ends_at) AS ends_at FROM duty_shift d
                             WHERE d.user_id = u.id AND $1 >= d.starts_at AND $1 < d.ends_at) s ON true
        WHERE u.role = 'specialist' AND u.active AND u.specialty IS NOT NULL
        ORDER BY u.specialty, u.display_name_en, u.id`,
      [now, onlineSeconds],
    );
  }

  /** The reading centres behind each pool, by the names the administrator gave them (one per active hub). */
  async readingCentres() {
    return this.ds.query<{ id: string; hub_id: string; service: Service; name_zh: string; name_en: string }[]>(
      `SELECT c.id, c.hub_id, c.service, c.name_zh, c.name_en
         FROM reading_centre c JOIN facility h ON h.id = c.hub_id
        WHERE h.active
        ORDER BY h.code, c.service`,
    );
  }
}
