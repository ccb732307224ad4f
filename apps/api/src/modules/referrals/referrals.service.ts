import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  availableEvents,
  createReferral,
  type ReferralEvent,
  type ReferralSnapshot,
  patientOverrideReason,
  type Service,
} from '@zhiyin/workflow';
import type { PersonName } from '@zhiyin/dicom';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { rooms, serviceOfSpecialty } from '#src/modules/realtime/rooms.js';
import { ConsentRepository } from './consent.repository.js';
import type { CreateReferralDto, ListReferralsDto, ReferralEventDto, UpdateReferralDto } from './dto.js';
import { refusal } from './referral.errors.js';
import { acquiredAt, isReferralNumber, PatientCheckService, type PatientOverride } from './patient-check.service.js';
import { RouterService } from './router.service.js';
import { rulesActor, TransitionService, type ReferralRow } from './transition.service.js';

interface ScopeRow {
  id: string;
  direction: string;
  state: string;
  service: Service;
  origin_facility_id: string;
  destination_facility_id: string | null;
  patient_id: string;
  assignee_id: string | null;
}

/** The columns the scope rules read, from a rules snapshot. */
function scopeOf(id: string, s: ReferralSnapshot): ScopeRow {
  return {
    id,
    direction: s.direction,
    state: s.state,
    service: s.service,
    origin_facility_id: s.originFacilityId,
    destination_facility_id: s.destinationFacilityId,
    patient_id: s.patientId,
    assignee_id: s.assigneeId,
  };
}

/** Can this caller see this referral at all? (Outside scope answers 404.) */
export function canRead(actor: Actor, r: ScopeRow): boolean {
  switch (actor.role) {
    case 'community_doctor':
      return r.origin_facility_id === actor.facilityId || r.destination_facility_id === actor.facilityId;
    case 'specialist':
      return r.direction === 'up' && r.state !== 'draft' && r.service === serviceOfSpecialty(actor.specialty);
    case 'coordinator':
      return r.state !== 'draft';
    case 'patient':
      return r.patient_id === actor.id && ['plan_agreed', 'acknowledged', 'closed'].includes(r.state);
    case 'admin':
      return false;
  }
}

// The running timers, plus the due times of the report warning and limit once they have fired while
// the report is still awaited: the reader's clock keeps counting the time over instead of going blank.
const TIMERS_WITH_FIRED = `(CASE WHEN r.state IN ('submitted', 'offered', 'accepted', 'in_review', 'info_requested')
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

@Injectable()
export class ReferralsService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly transitions: TransitionService,
    private readonly router: RouterService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly consent: ConsentRepository,
    private readonly patientCheck: PatientCheckService,
  ) {}

  async create(actor: Actor, dto: CreateReferralDto) {
    const id = randomUUID();
    const result = await this.ds.transaction(async (m) => {
      const [patient] = await m.query<{ home_facility_id: string }[]>(
        'SELECT home_facility_id FROM patient WHERE id = $1',
        [dto.patientId],
      );
      if (!patient || patient.home_facility_id !== actor.facilityId) throw notFound('Patient');
      const created = createReferral(
        {
          id,
          patientId: dto.patientId,
          originFacilityId: actor.facilityId,
          service: dto.service,
          priority: dto.priority,
          hasClinicalQuestion: Boolean(dto.clinicalQuestion?.trim()),
          studyCount: 0,
        },
        { actor: rulesActor(actor), now: this.transitions.now() },
      );
      if (!created.ok) throw refusal(created.reason);
      const number = await this.transitions.insert(
        m,
        created.referral,
        dto.modality ?? null,
        dto.clinicalQuestion?.trim() || null,
        dto.history?.trim() || null,
      );
      await m.query(
        `INSERT INTO referral_event (referral_id, at, event, from_state, to_state, actor_id, actor_role, workflow_version, details)
         VALUES ($1, $2, 'created', NULL, 'draft', $3, $4, $5, '{}')`,
        [id, created.referral.createdAt, actor.id, actor.role, created.referral.workflowVersion],
      );
      await this.transitions.writeOutbox(
        m,
        'referral.changed',
        [rooms.facility(actor.facilityId), rooms.referral(id)],
        {
          referralId: id,
          number,
          event: 'created',
          state: 'draft',
          service: dto.service,
          priority: dto.priority,
        },
      );
      await this.audit.record(
        {
          action: 'referral.create',
          resourceType: 'referral',
          resourceId: id,
          patientId: dto.patientId,
          outcome: 'success',
        },
        m,
      );
      return number;
    });
    this.outbox.kick();
    return this.get(actor, id, false).then((r) => ({ ...r, number: result }));
  }

  async list(actor: Actor, q: ListReferralsDto) {
    const where: string[] = [];
    const params: unknown[] = [];
    const p = (v: unknown) => {
      params.push(v);
      return `$${params.length}`;
    };
    switch (actor.role) {
      case 'community_doctor':
        where.push(
          `(r.origin_facility_id = ${p(actor.facilityId)} OR r.destination_facility_id = ${p(actor.facilityId)})`,
        );
        break;
      case 'specialist':
        where.push(
          `r.direction = 'up' AND r.state <> 'draft' AND r.service = ${p(serviceOfSpecialty(actor.specialty))}`,
        );
        break;
      case 'coordinator':
        where.push(`r.state <> 'draft'`);
        break;
      case 'admin':
      case 'patient':
        throw new AppError('FORBIDDEN', 'Your role may not do this.');
    }
    if (q.worklist === 'true')
      where.push(`r.state IN ('submitted', 'offered', 'accepted', 'in_review', 'info_requested')`);
    if (q.state) where.push(`r.state = ANY(${p(q.state.split(','))})`);
    if (q.priority) where.push(`r.priority = ${p(q.priority)}`);
    if (q.service) where.push(`r.service = ${p(q.service)}`);
    if (q.facilityId) where.push(`r.origin_facility_id = ${p(q.facilityId)}`);
    if (q.patientId) where.push(`r.patient_id = ${p(q.patientId)}`);
    if (q.from) where.push(`r.created_at >= ${p(q.from)}`);
    if (q.to) where.push(`r.created_at < ${p(q.to)}`);
    const order =
      q.worklist === 'true' ? 'r.priority_rank, r.submitted_at NULLS LAST, r.id' : 'r.updated_at DESC, r.id';
    const rows = await this.ds.query<Record<string, unknown>[]>(
      `SELECT ${LIST_COLUMNS}, count(*) OVER () AS total FROM referral r JOIN patient p ON p.id = r.patient_id
        WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT ${q.limit ?? 50} OFFSET ${q.offset ?? 0}`,
      params,
    );
    await this.audit.record(
      rows.map((r) => ({
        action: 'referral.list',
        resourceType: 'referral',
        resourceId: r.id as string,
        patientId: r.patient_id as string,
        outcome: 'success' as const,
      })),
    );
    return { items: rows.map(({ total: _t, ...r }) => r), total: Number(rows[0]?.total ?? 0) };
  }

  async get(actor: Actor, id: string, audit = true) {
    const [r] = await this.ds.query<(ScopeRow & Record<string, unknown> & { snapshot: ReferralSnapshot })[]>(
      `SELECT ${LIST_COLUMNS}, r.clinical_question, r.history, r.snapshot,
              o.name_zh AS origin_name_zh, o.name_en AS origin_name_en,
              rc.name_zh AS reading_centre_name_zh, rc.name_en AS reading_centre_name_en
         FROM referral r JOIN patient p ON p.id = r.patient_id JOIN facility o ON o.id = r.origin_facility_id
         -- an upward referral is read by the reading centre of its centre's hub for the service
         LEFT JOIN reading_centre rc ON r.direction = 'up' AND rc.hub_id = o.hub_id AND rc.service = r.service
        WHERE r.id = $1`,
      [id],
    );
    if (!r || !canRead(actor, r)) {
      if (audit)
        await this.audit.record({
          action: 'referral.read',
          resourceType: 'referral',
          resourceId: id,
          outcome: 'not_found',
        });
      throw notFound('Referral');
    }
    const [studies, history, consent] = await Promise.all([
      this.patientCheck.studiesOf(id, {
        mrn: r.patient_mrn as string,
        familyNameZh: r.patient_name as string,
        givenNameZh: '',
        namePinyin: r.patient_name_pinyin as string | null,
        sex: r.patient_sex as string,
        birthDate: r.patient_birth_date as string,
      }),
      this.ds.query(
        `SELECT e.id, e.at, e.event, e.from_state AS "from", e.to_state AS "to", e.actor_role AS "actorRole", e.actor_id AS "actorId",
                u.display_name_zh AS "actorNameZh", u.display_name_en AS "actorNameEn", e.details
           FROM referral_event e LEFT JOIN app_user u ON u.id::text = e.actor_id
          WHERE e.referral_id = $1 ORDER BY e.id`,
        [id],
      ),
      // Whether the patient consented to remote diagnosis, and how: the reader sees it beside the case.
      this.consent.view(id),
    ]);
    if (audit)
      await this.audit.record({
        action: 'referral.read',
        resourceType: 'referral',
        resourceId: id,
        patientId: r.patient_id,
        outcome: 'success',
      });
    // The referral's `history` column (the relevant history the doctor wrote) would be hidden by the
    // event history below: it is returned as `clinicalHistory`.
    const { snapshot, history: clinicalHistory, ...rest } = r;
    return {
      ...rest,
      clinicalHistory: (clinicalHistory as string | null) ?? null,
      declinedBy: snapshot.declinedBy,
      report: snapshot.report,
      plan: snapshot.plan,
      outcome: snapshot.outcome,
      cancellation: snapshot.cancellation,
      studyCount: snapshot.studyCount,
      studies,
      consent,
      history,
      availableEvents:
        actor.role === 'admin' ? [] : availableEvents(snapshot, rulesActor(actor), this.transitions.now()),
    };
  }

  async update(actor: Actor, id: string, dto: UpdateReferralDto) {
    await this.inTransition(actor, id, undefined, async (m, row) => {
      const hasQuestion = dto.clinicalQuestion === undefined ? undefined : Boolean(dto.clinicalQuestion.trim());
      const applied = await this.transitions.apply(
        m,
        row,
        { type: 'update_draft', service: dto.service, priority: dto.priority, hasClinicalQuestion: hasQuestion },
        actor,
      );
      await m.query(
        `UPDATE referral SET clinical_question = COALESCE($2, clinical_question), history = COALESCE($3, history), modality = COALESCE($4, modality)
          WHERE id = $1`,
        [id, dto.clinicalQuestion?.trim() ?? null, dto.history?.trim() ?? null, dto.modality ?? null],
      );
      return applied.next.service;
    });
    return this.get(actor, id, false);
  }

  /**
   * Links a study the caller's centre sent (by its Study Instance UID) to the referral, once its patient identity
   * is shown to be the referral patient's, or the caller confirms it is with `overrideReason`.
   */
  async attachStudy(actor: Actor, id: string, studyUid: string, overrideReason?: string) {
    const reason = patientOverrideReason(overrideReason);
    await this.inTransition(actor, id, undefined, async (m, row) => {
      const [study] = await m.query<
        {
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
        }[]
      >(
        `SELECT id, facility_id, referral_id, patient_id, dicom_patient_id, patient_name, patient_sex, patient_birth_date,
                to_char(study_date, 'YYYYMMDD') AS study_date, study_time
           FROM study WHERE study_instance_uid = $1 FOR UPDATE`,
        [studyUid],
      );
      if (!study || study.facility_id !== actor.facilityId) throw notFound('Study');
      if (study.referral_id === id) throw new AppError('CONFLICT', 'This study is already attached to this referral.');
      if (study.referral_id) throw new AppError('CONFLICT', 'This study is attached to another referral.');
      const target = await this.patientCheck.joining(actor, 'id', id, m);
      if (!target) throw notFound('Referral');
      const file = {
        studyInstanceUid: studyUid,
        patientId: study.dicom_patient_id,
        name: study.patient_name,
        sex: study.patient_sex,
        birthDate: study.patient_birth_date,
        acquiredAt: acquiredAt(study.study_date, study.study_time),
      };
      const match = this.patientCheck.compare(file, target);
      if (match.held && !reason) throw this.patientCheck.refusal(this.patientCheck.details(file, target, match));
      if (!match.held && study.patient_id && study.patient_id !== row.snapshot.patientId) {
        throw new AppError('CONFLICT', 'This study belongs to another patient.');
      }
      const applied = await this.transitions.apply(m, row, { type: 'attach_study' }, actor, { studyId: study.id });
      // Filed under the referral's patient: the study page and the patient's page find it there.
      await m.query('UPDATE study SET referral_id = $1, patient_id = $2 WHERE id = $3', [
        id,
        row.snapshot.patientId,
        study.id,
      ]);
      if (match.held && reason)
        await this.patientCheck.recordOverride(m, actor, study.id, target, { reason, differing: match.differing });
      return applied.next.service;
    }).catch(async (err: unknown) => {
      // A held study is a refused write about this patient: audited (field names only), then answered.
      if (err instanceof AppError && err.code === 'PATIENT_MISMATCH') {
        const d = err.details as { differing?: string[]; verdict?: string } | undefined;
        await this.audit.record({
          action: 'referral.attach_study',
          resourceType: 'referral',
          resourceId: id,
          outcome: 'denied',
          details: { reason: 'PATIENT_MISMATCH', verdict: d?.verdict, differing: d?.differing },
        });
      }
      throw err;
    });
    return this.get(actor, id, false);
  }

  /**
   * Links a study sent by STOW-RS or an upload whose Accession Number is a referral number of the
   * same centre (the referral number is the Accession Number). Quietly does nothing otherwise.
   */
  async linkByAccession(
    actor: Actor,
    studyId: string,
    accession: string | null,
    override?: PatientOverride,
  ): Promise<void> {
    if (!accession || !isReferralNumber(accession)) return;
    await this.link(actor, studyId, 'number', accession, override);
  }

  /** Links a study uploaded for a referral (the upload named it); quietly does nothing when it may not. */
  async linkToReferral(actor: Actor, studyId: string, referralId: string, override?: PatientOverride): Promise<void> {
    await this.link(actor, studyId, 'id', referralId, override);
  }

  /** 404 unless the caller's centre may add studies to this open referral (checked when an upload names it). */
  async assertTakesUploads(actor: Actor, referralId: string): Promise<void> {
    if (!(await this.openReferralOfCentre(this.ds.manager, actor, 'id', referralId))) throw notFound('Referral');
  }

  /** The id of the caller's centre's open referral with this id or number, if any. */
  private async openReferralOfCentre(
    m: EntityManager,
    actor: Actor,
    by: 'id' | 'number',
    value: string,
  ): Promise<string | undefined> {
    const [ref] = await m.query<{ id: string }[]>(
      `SELECT id FROM referral WHERE ${by === 'id' ? 'id = $1::uuid' : 'number = $1'} AND origin_facility_id = $2
          AND state NOT IN ('closed', 'cancelled')`,
      [value, actor.facilityId],
    );
    return ref?.id;
  }

  private async link(
    actor: Actor,
    studyId: string,
    by: 'id' | 'number',
    value: string,
    override?: PatientOverride,
  ): Promise<void> {
    await this.ds.transaction(async (m) => {
      const refId = await this.openReferralOfCentre(m, actor, by, value);
      const [study] = await m.query<{ referral_id: string | null; patient_id: string | null }[]>(
        'SELECT referral_id, patient_id FROM study WHERE id = $1 FOR UPDATE',
        [studyId],
      );
      if (!refId || !study || study.referral_id) return;
      const row = await this.transitions.lock(m, refId);
      if (!row) return;
      // A study of another patient is never linked quietly: the ingest held it unless the sender confirmed it.
      if (!override && study.patient_id && study.patient_id !== row.snapshot.patientId) return;
      try {
        await this.transitions.apply(m, row, { type: 'attach_study' }, actor, { studyId });
      } catch {
        return; // the referral's state does not take studies now: leave the study unlinked
      }
      // Filed under the referral's patient: the study page and the patient's page find it there.
      await m.query('UPDATE study SET referral_id = $1, patient_id = $2 WHERE id = $3', [
        refId,
        row.snapshot.patientId,
        studyId,
      ]);
      if (override)
        await this.patientCheck.recordOverride(
          m,
          actor,
          studyId,
          { referralId: refId, patientId: row.snapshot.patientId },
          override,
        );
    });
    this.outbox.kick();
  }

  async fire(actor: Actor, id: string, dto: ReferralEventDto) {
    const event = await this.toEvent(dto);
    if ((dto.type === 'request_info' || dto.type === 'answer_info') && !dto.message?.trim()) {
      throw new AppError(
        'VALIDATION_FAILED',
        dto.type === 'request_info' ? 'Write the question for the community doctor.' : 'Write the answer.',
        { fields: ['message'] },
      );
    }
    await this.inTransition(actor, id, dto.expectedVersion, async (m, row) => {
      const applied = await this.transitions.apply(m, row, event, actor);
      if (dto.message?.trim() && (dto.type === 'request_info' || dto.type === 'answer_info')) {
        await this.insertMessage(
          m,
          actor,
          row,
          dto.message.trim(),
          dto.type === 'request_info' ? 'question' : 'answer',
        );
      }
      return applied.route || dto.type === 'decline' || dto.type === 'accept' ? applied.next.service : undefined;
    });
    return this.get(actor, id, false);
  }

  /** A specialist takes the most urgent waiting referral of their pool (never one someone else holds). */
  async claimNext(actor: Actor) {
    const service = serviceOfSpecialty(actor.specialty);
    if (!service) throw new AppError('FORBIDDEN', 'Your role may not do this.');
    const claimed = await this.ds.transaction(async (m) => {
      const [candidate] = await m.query<{ id: string; state: string }[]>(
        `SELECT id, state FROM referral
          WHERE service = $1 AND direction = 'up' AND (state = 'submitted' OR (state = 'offered' AND offered_to = $2))
          ORDER BY (state = 'offered') DESC, priority_rank, submitted_at, id
          LIMIT 1 FOR UPDATE SKIP LOCKED`,
        [service, actor.id],
      );
      if (!candidate) return undefined;
      const row = (await this.transitions.lock(m, candidate.id))!;
      await this.transitions.apply(m, row, { type: candidate.state === 'offered' ? 'accept' : 'claim' }, actor);
      return candidate.id;
    });
    this.outbox.kick();
    if (!claimed) throw new AppError('NOT_FOUND', 'Nothing is waiting in your worklist.');
    this.router.kick(service);
    return this.get(actor, claimed, false);
  }

  async messages(actor: Actor, id: string) {
    const scope = await this.readable(actor, id, 'referral.messages.read');
    const rows = await this.ds.query(
      `SELECT m.id, m.kind, m.body, m.created_at AS "createdAt", m.author_id AS "authorId", m.author_role AS "authorRole",
              u.display_name_zh AS "authorNameZh", u.display_name_en AS "authorNameEn"
         FROM message m JOIN app_user u ON u.id = m.author_id WHERE m.referral_id = $1 ORDER BY m.created_at, m.id`,
      [id],
    );
    await this.audit.record({
      action: 'referral.messages.read',
      resourceType: 'referral',
      resourceId: id,
      patientId: scope.patient_id,
      outcome: 'success',
    });
    return rows;
  }

  async postMessage(actor: Actor, id: string, body: string) {
    const message = await this.ds.transaction(async (m) => {
      const row = await this.transitions.lock(m, id);
      if (!row) throw notFound('Referral');
      const s = row.snapshot;
      const scope = scopeOf(id, s);
      if (!canRead(actor, scope) || actor.role === 'patient') throw notFound('Referral');
      // The two doctors of the referral and the coordinators talk; other readers of the pool only read.
      const party = actor.role === 'community_doctor' || actor.role === 'coordinator' || s.assigneeId === actor.id;
      if (!party)
        throw new AppError('FORBIDDEN', 'Only the doctors of this referral and the coordinators post messages here.');
      if (['draft', 'closed', 'cancelled'].includes(s.state))
        throw new AppError('STALE_STATE', 'Messages can be posted only while the referral is open.', {
          state: s.state,
        });
      return this.insertMessage(m, actor, row, body.trim(), 'message');
    });
    this.outbox.kick();
    return message;
  }

  private async insertMessage(
    m: EntityManager,
    actor: Actor,
    row: ReferralRow,
    body: string,
    kind: 'message' | 'question' | 'answer',
  ) {
    const [msg] = await m.query<{ id: string; created_at: Date }[]>(
      'INSERT INTO message (referral_id, author_id, author_role, kind, body) VALUES ($1, $2, $3, $4, $5) RETURNING id, created_at',
      [row.id, actor.id, actor.role, kind, body],
    );
    const s = row.snapshot;
    const to = [
      rooms.referral(row.id),
      rooms.facility(s.originFacilityId),
      ...(s.assigneeId ? [rooms.user(s.assigneeId)] : []),
    ];
    await this.transitions.writeOutbox(m, 'message.posted', to, { referralId: row.id, messageId: msg!.id, kind });
    await this.audit.record(
      {
        action: 'referral.message.post',
        resourceType: 'referral',
        resourceId: row.id,
        patientId: s.patientId,
        outcome: 'success',
        details: { messageId: msg!.id, kind },
      },
      m,
    );
    return { id: msg!.id, kind, body, createdAt: msg!.created_at, authorId: actor.id, authorRole: actor.role };
  }

  /**
   * Checks read scope (404 outside it). A read of patient data names its audit action: a refused
   * one is then audited too (`not_found`, no patient named: the caller may not know which), like
   * every other refused read of patient data.
   */
  async readable(actor: Actor, id: string, readAction?: string): Promise<ScopeRow> {
    const [r] = await this.ds.query<ScopeRow[]>(
      'SELECT id, direction, state, service, origin_facility_id, destination_facility_id, patient_id, assignee_id FROM referral WHERE id = $1',
      [id],
    );
    if (!r || !canRead(actor, r)) {
      if (readAction)
        await this.audit.record({ action: readAction, resourceType: 'referral', resourceId: id, outcome: 'not_found' });
      throw notFound('Referral');
    }
    return r;
  }

  /** Lock, scope check, optional version check, work, commit; then deliver events and route. */
  async inTransition(
    actor: Actor,
    id: string,
    expectedVersion: number | undefined,
    work: (m: EntityManager, row: ReferralRow) => Promise<Service | undefined>,
  ): Promise<void> {
    const routeService = await this.ds.transaction(async (m) => {
      const row = await this.transitions.lock(m, id);
      if (!row) throw notFound('Referral');
      const s = row.snapshot;
      const scope = scopeOf(id, s);
      // A community doctor works on drafts of their own centre; everyone else needs read scope.
      const visible =
        canRead(actor, scope) || (actor.role === 'community_doctor' && s.originFacilityId === actor.facilityId);
      if (!visible) throw notFound('Referral');
      if (expectedVersion !== undefined && expectedVersion !== row.row_version) {
        throw new AppError('STALE_STATE', 'This referral changed since you loaded it. Reload and try again.', {
          state: s.state,
          currentVersion: row.row_version,
        });
      }
      return work(m, row);
    });
    this.outbox.kick();
    if (routeService) this.router.kick(routeService);
  }

  private async toEvent(dto: ReferralEventDto): Promise<ReferralEvent> {
    const need = <T>(v: T | undefined, field: string): T => {
      if (v === undefined)
        throw new AppError('VALIDATION_FAILED', `${field} is required for ${dto.type}.`, { fields: [field] });
      return v;
    };
    switch (dto.type) {
      case 'change_priority':
        return { type: 'change_priority', priority: need(dto.priority, 'priority') };
      case 'reassign': {
        const [u] = await this.ds.query<{ id: string; specialty: 'radiology' | 'cardiology' | null; role: string }[]>(
          'SELECT id, specialty, role FROM app_user WHERE id = $1 AND active',
          [need(dto.specialistId, 'specialistId')],
        );
        if (!u || u.role !== 'specialist' || !u.specialty)
          throw new AppError('VALIDATION_FAILED', 'specialistId is not an active specialist.', {
            fields: ['specialistId'],
          });
        return { type: 'reassign', specialist: { id: u.id, specialty: u.specialty } };
      }
      case 'cancel':
        return { type: 'cancel', reason: need(dto.reason, 'reason') };
      case 'close':
        return { type: 'close', outcome: need(dto.outcome, 'outcome') };
      case 'refer_back_down':
        // The follow-up referral back to the community centre gets its id here; the rules create it.
        return { type: 'refer_back_down', backReferralId: randomUUID() };
      case 'submit':
      case 'accept':
      case 'decline':
      case 'return_to_queue':
      case 'start_review':
      case 'request_info':
      case 'answer_info':
        return { type: dto.type };
    }
  }
}
