import { Injectable } from '@nestjs/common';
import {
  availableEvents,
  inReferralReadScope,
  referralReadScope,
  type ReferralSnapshot,
  type Service,
} from '@zhiyin/workflow';
import type { ReferralDetailView, ReferralListView } from '@zhiyin/contracts';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { ConsentRepository } from './consent.repository.js';
import type { ListReferralsDto } from './dto.js';
import { PatientCheckService } from './patient-check.service.js';
import { ReferralRepository, type ScopeRow, type Tx } from './referral.repository.js';
import { toReferralDetailView, toReferralSummaryView } from './referral-view.mapper.js';
import { RouterService } from './router.service.js';
import { rulesActor, TransitionService, type ReferralRow } from './transition.service.js';

/** The columns the scope rules read, from a rules snapshot. */
export function scopeOf(id: string, s: ReferralSnapshot): ScopeRow {
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

// A referral's reads (the list and the detail) and the guarded transaction every step on a referral goes through:
// read scope (404 outside it), the row's lock, the version check, then events and routing after commit. The steps
// themselves are use cases of their own (drafts, events, messages, study links).
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
}
