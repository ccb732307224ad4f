import { Injectable } from '@nestjs/common';
import {
  availableEvents,
  inReferralReadScope,
  inStateGroup,
  referralReadScope,
  createReferral,
  type ReferralEvent,
  type ReferralSnapshot,
  patientOverrideReason,
  type Service,
} from '@zhiyin/workflow';
import type { ReferralDetailView, ReferralListView, ReferralMessageView } from '@zhiyin/contracts';
import { randomUUID } from 'node:crypto';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { rooms, serviceOfSpecialty } from '#src/modules/realtime/rooms.js';
import { ConsentRepository } from './consent.repository.js';
import type { CreateReferralDto, ListReferralsDto, ReferralEventDto, UpdateReferralDto } from './dto.js';
import { refusal } from './referral.errors.js';
import { acquiredAt, isReferralNumber, PatientCheckService, type PatientOverride } from './patient-check.service.js';
import { ReferralRepository, type ScopeRow, type Tx } from './referral.repository.js';
import { toMessageView, toReferralDetailView, toReferralSummaryView } from './referral-view.mapper.js';
import { RouterService } from './router.service.js';
import { rulesActor, TransitionService, type ReferralRow } from './transition.service.js';

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

/** Can this caller see this referral at all? (Outside scope answers 404.) The rule is packages/workflow's. */
export function canRead(actor: Actor, r: ScopeRow): boolean {
  return inReferralReadScope(referralReadScope(actor), {
    direction: r.direction,
    state: r.state,
    service: r.service,
    originFacilityId: r.origin_facility_id,
    destinationFacilityId: r.destination_facility_id,
    patientId: r.patient_id,
  });
}

@Injectable()
export class ReferralsService {
  constructor(
    private readonly repo: ReferralRepository,
    private readonly transitions: TransitionService,
    private readonly router: RouterService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly consent: ConsentRepository,
    private readonly patientCheck: PatientCheckService,
  ) {}

  async create(actor: Actor, dto: CreateReferralDto): Promise<ReferralDetailView> {
    const id = randomUUID();
    const result = await this.repo.inTransaction(async (m) => {
      const home = await this.repo.patientHomeFacility(m, dto.patientId);
      if (home === undefined || home !== actor.facilityId) throw notFound('Patient');
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
      await this.repo.insertCreated(m, id, created.referral.createdAt, actor, created.referral.workflowVersion);
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

  async list(actor: Actor, q: ListReferralsDto): Promise<ReferralListView> {
    // Lists are for the staff: an administrator reads no patient data, a patient has their portal.
    if (actor.role === 'admin' || actor.role === 'patient')
      throw new AppError('FORBIDDEN', 'Your role may not do this.');
    const { rows, total } = await this.repo.list(referralReadScope(actor), {
      worklist: q.worklist === 'true',
      states: q.state ? q.state.split(',') : undefined,
      priority: q.priority,
      service: q.service,
      facilityId: q.facilityId,
      patientId: q.patientId,
      from: q.from,
      to: q.to,
      limit: q.limit,
      offset: q.offset,
    });
    await this.audit.record(
      rows.map((r) => ({
        action: 'referral.list',
        resourceType: 'referral',
        resourceId: r.id,
        patientId: r.patient_id,
        outcome: 'success' as const,
      })),
    );
    return { items: rows.map(toReferralSummaryView), total };
  }

  async get(actor: Actor, id: string, audit = true): Promise<ReferralDetailView> {
    const r = await this.repo.detail(id);
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
        mrn: r.patient_mrn,
        familyNameZh: r.patient_name,
        givenNameZh: '',
        namePinyin: r.patient_name_pinyin,
        sex: r.patient_sex,
        birthDate: r.patient_birth_date,
      }),
      this.repo.history(id),
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
    return toReferralDetailView(r, {
      studies,
      history,
      consent,
      availableEvents:
        actor.role === 'admin' ? [] : availableEvents(r.snapshot, rulesActor(actor), this.transitions.now()),
    });
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
      await this.repo.updateDraftText(
        m,
        id,
        dto.clinicalQuestion?.trim() ?? null,
        dto.history?.trim() ?? null,
        dto.modality ?? null,
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
      const study = await this.repo.lockStudyByUid(m, studyUid);
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
      await this.repo.linkStudy(m, study.id, id, row.snapshot.patientId);
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
    if (!(await this.repo.openOfCentre(undefined, actor.facilityId, 'id', referralId))) throw notFound('Referral');
  }

  private async link(
    actor: Actor,
    studyId: string,
    by: 'id' | 'number',
    value: string,
    override?: PatientOverride,
  ): Promise<void> {
    await this.repo.inTransaction(async (m) => {
      const refId = await this.repo.openOfCentre(m, actor.facilityId, by, value);
      const study = await this.repo.lockStudyLink(m, studyId);
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
      await this.repo.linkStudy(m, studyId, refId, row.snapshot.patientId);
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
    const claimed = await this.repo.inTransaction(async (m) => {
      const candidate = await this.repo.claimCandidate(m, service, actor.id);
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

  async messages(actor: Actor, id: string): Promise<ReferralMessageView[]> {
    const scope = await this.readable(actor, id, 'referral.messages.read');
    const rows = await this.repo.messages(id);
    await this.audit.record({
      action: 'referral.messages.read',
      resourceType: 'referral',
      resourceId: id,
      patientId: scope.patient_id,
      outcome: 'success',
    });
    return rows.map(toMessageView);
  }

  async postMessage(actor: Actor, id: string, body: string) {
    const message = await this.repo.inTransaction(async (m) => {
      const row = await this.transitions.lock(m, id);
      if (!row) throw notFound('Referral');
      const s = row.snapshot;
      const scope = scopeOf(id, s);
      if (!canRead(actor, scope) || actor.role === 'patient') throw notFound('Referral');
      // The two doctors of the referral and the coordinators talk; other readers of the pool only read.
      const party = actor.role === 'community_doctor' || actor.role === 'coordinator' || s.assigneeId === actor.id;
      if (!party)
        throw new AppError('FORBIDDEN', 'Only the doctors of this referral and the coordinators post messages here.');
      if (!inStateGroup('openForMessages', s.state))
        throw new AppError('STALE_STATE', 'Messages can be posted only while the referral is open.', {
          state: s.state,
        });
      return this.insertMessage(m, actor, row, body.trim(), 'message');
    });
    this.outbox.kick();
    return message;
  }

  private async insertMessage(
    m: Tx,
    actor: Actor,
    row: ReferralRow,
    body: string,
    kind: 'message' | 'question' | 'answer',
  ) {
    const msg = await this.repo.insertMessage(m, row.id, actor, kind, body);
    const s = row.snapshot;
    const to = [
      rooms.referral(row.id),
      rooms.facility(s.originFacilityId),
      ...(s.assigneeId ? [rooms.user(s.assigneeId)] : []),
    ];
    await this.transitions.writeOutbox(m, 'message.posted', to, { referralId: row.id, messageId: msg.id, kind });
    await this.audit.record(
      {
        action: 'referral.message.post',
        resourceType: 'referral',
        resourceId: row.id,
        patientId: s.patientId,
        outcome: 'success',
        details: { messageId: msg.id, kind },
      },
      m,
    );
    const posted: ReferralMessageView = {
      id: msg.id,
      kind,
      body,
      createdAt: msg.created_at.toISOString(),
      authorId: actor.id,
      authorRole: actor.role,
    };
    return posted;
  }

  /**
   * Checks read scope (404 outside it). A read of patient data names its audit action: a refused
   * one is then audited too (`not_found`, no patient named: the caller may not know which), like
   * every other refused read of patient data.
   */
  async readable(actor: Actor, id: string, readAction?: string): Promise<ScopeRow> {
    const r = await this.repo.scopeRow(id);
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
    work: (m: Tx, row: ReferralRow) => Promise<Service | undefined>,
  ): Promise<void> {
    const routeService = await this.repo.inTransaction(async (m) => {
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
        const u = await this.repo.activeUser(need(dto.specialistId, 'specialistId'));
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
