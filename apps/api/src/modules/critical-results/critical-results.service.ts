import { Inject, Injectable } from '@nestjs/common';
import type { CriticalResultView, OutboxEventName } from '@zhiyin/contracts';
import {
  criticalConfirmDueAt,
  criticalFinding,
  decideCritical,
  type CriticalActor,
  type CriticalEvent,
  type CriticalRefusal,
  type CriticalState,
} from '@zhiyin/workflow';
import { CLOCK, type Clock } from '#src/common/clock.js';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { rooms } from '#src/modules/realtime/rooms.js';
import { ReferralsService } from '#src/modules/referrals/referrals.service.js';
import { CriticalPolicyService } from './critical-policy.service.js';
import { CriticalResultsRepository, type CriticalRow, type Tx } from './critical-results.repository.js';
import type { ConfirmCriticalDto, RaiseCriticalDto, RecordCallDto } from './dto.js';

// Referral states in which the reader holds the referral and may report a critical finding: while
// reading (before signing, at once) and after signing (a finding seen on a second look).
const READER_STATES = ['accepted', 'in_review', 'info_requested', 'reported', 'plan_agreed', 'acknowledged'];

const DAY_MS = 86_400_000;

function refusal(reason: CriticalRefusal): AppError {
  switch (reason) {
    case 'read_back_mismatch':
      return new AppError(
        'READ_BACK_MISMATCH',
        'The read-back does not name the critical finding that was reported. Read the report again.',
        { reason },
      );
    case 'read_back_required':
      return new AppError('VALIDATION_FAILED', 'A call that reached a doctor needs what they read back.', {
        fields: ['readBack'],
        reason,
      });
    case 'not_open':
    case 'not_escalated':
    case 'not_due_yet':
      return new AppError('STALE_STATE', 'This critical result is not waiting for that step.', { reason });
    case 'not_allowed_for_role':
      return notFound('Critical result');
  }
}

/** The rooms told about a critical result: the referring doctor and centre, the referral, the reader. */
function audience(c: Pick<CriticalRow, 'referralId' | 'originFacilityId' | 'referringDoctorId' | 'raisedBy'>) {
  return [
    rooms.user(c.referringDoctorId),
    rooms.facility(c.originFacilityId),
    rooms.referral(c.referralId),
    rooms.user(c.raisedBy),
  ];
}

// The critical-result loop: the reader raises, the referring centre is alerted at once and reads
// it back, the sweep escalates what was not confirmed in time, the coordinator's calls close it.
// Every step writes its audit row in the same transaction, and its events to the outbox.
@Injectable()
export class CriticalResultsService {
  constructor(
    private readonly repo: CriticalResultsRepository,
    private readonly policy: CriticalPolicyService,
    private readonly referrals: ReferralsService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async raise(actor: Actor, referralId: string, dto: RaiseCriticalDto): Promise<CriticalResultView> {
    const view = await this.repo.transaction(async (m) => {
      const r = await this.repo.referral(m, referralId);
      // Only the referral's own reader raises; to anyone else the referral does not exist here.
      if (!r || actor.role !== 'specialist' || r.direction !== 'up' || r.assigneeId !== actor.id)
        throw notFound('Referral');
      if (!READER_STATES.includes(r.state))
        throw new AppError('STALE_STATE', 'A critical result can be reported only on a referral you are reading.', {
          state: r.state,
        });
      const policy = await this.policy.current(m);
      const finding = criticalFinding(policy, r.service, dto.findingCode);
      if (!finding)
        throw new AppError('VALIDATION_FAILED', "findingCode is not on this service's list of critical findings.", {
          fields: ['findingCode'],
        });
      if (await this.repo.hasOpen(m, r.id, finding.code))
        throw new AppError('CONFLICT', 'This critical finding is already waiting for its read-back.');
      const now = this.clock.now();
      const note = dto.note?.trim() || null;
      const confirmDueAt = criticalConfirmDueAt(now, r.service, policy);
      const id = await this.repo.insert(m, {
        referralId: r.id,
        service: r.service,
        finding,
        note,
        raisedBy: actor.id,
        raisedAt: now,
        confirmDueAt,
      });
      // The thread carries it too, so whoever opens the referral sees it in the conversation.
      const text = `【危急值 Critical result】${finding.label['zh-CN']} / ${finding.label.en}${note ? ` — ${note}` : ''}`;
      const messageId = await this.repo.postMessage(m, r.id, actor, text);
      const row: CriticalRow = {
        id,
        referralId: r.id,
        number: r.number,
        service: r.service,
        patientId: r.patientId,
        originFacilityId: r.originFacilityId,
        referringDoctorId: r.createdBy,
        raisedBy: actor.id,
        finding,
        state: 'raised',
        confirmDueAt,
      };
      await this.announce(m, 'critical.raised', row, 'raised', audience(row));
      await this.outbox.write(m, [
        {
          event: 'message.posted',
          rooms: [rooms.referral(r.id), rooms.facility(r.originFacilityId), rooms.user(actor.id)],
          payload: { referralId: r.id, messageId, kind: 'message' },
        },
      ]);
      await this.audit.record(
        {
          action: 'critical_result.raise',
          resourceType: 'critical_result',
          resourceId: id,
          patientId: r.patientId,
          outcome: 'success',
          details: { referralId: r.id, findingCode: finding.code, confirmDueAt },
        },
        m,
      );
      return this.repo.view(id, m);
    });
    this.outbox.kick();
    return view!;
  }

  async confirm(actor: Actor, id: string, dto: ConfirmCriticalDto): Promise<CriticalResultView> {
    return this.step(actor, id, 'referring_doctor', { type: 'confirm', readBack: dto.readBack }, async (m, c) => {
      await this.repo.confirm(m, c.id, actor.id, this.clock.now(), dto.readBack.trim(), dto.plannedAction.trim());
      return { action: 'critical_result.confirm', details: { plannedAction: true } };
    });
  }

  async recordCall(actor: Actor, id: string, dto: RecordCallDto): Promise<CriticalResultView> {
    const calledAt = new Date(dto.calledAt);
    const now = this.clock.now();
    if (calledAt.getTime() > now.getTime() + 60_000)
      throw new AppError('VALIDATION_FAILED', 'calledAt is in the future.', { fields: ['calledAt'] });
    const readBack = dto.reached ? (dto.readBack?.trim() ?? null) : null;
    return this.step(
      actor,
      id,
      'coordinator',
      { type: 'record_call', reached: dto.reached, readBack },
      async (m, c, next) => {
        const callId = await this.repo.insertCall(m, {
          criticalResultId: c.id,
          callerId: actor.id,
          callee: dto.callee.trim(),
          calledAt,
          reached: dto.reached,
          readBack,
          note: dto.note?.trim() || null,
        });
        if (next === 'closed') await this.repo.close(m, c.id, actor.id, now, readBack!, dto.note?.trim() || null);
        return { action: 'critical_result.call', details: { callId, reached: dto.reached, closed: next === 'closed' } };
      },
    );
  }

  /** One step by a person: lock, scope, decide, write, audit, announce. A refusal is audited and changes nothing. */
  private async step(
    actor: Actor,
    id: string,
    as: CriticalActor,
    event: CriticalEvent,
    write: (
      m: Tx,
      c: CriticalRow,
      next: CriticalState,
    ) => Promise<{ action: string; details: Record<string, unknown> }>,
  ): Promise<CriticalResultView> {
    let refused: { c: CriticalRow; reason: CriticalRefusal } | undefined;
    const view = await this.repo.transaction(async (m) => {
      const c = await this.repo.lock(m, id);
      const inScope =
        c &&
        (as === 'referring_doctor'
          ? actor.role === 'community_doctor' && actor.facilityId === c.originFacilityId
          : actor.role === 'coordinator');
      if (!c || !inScope) throw notFound('Critical result');
      const decision = decideCritical(c.state, event, {
        actor: as,
        now: this.clock.now(),
        finding: c.finding,
        confirmDueAt: c.confirmDueAt,
      });
      if (!decision.ok) {
        refused = { c, reason: decision.reason };
        return undefined;
      }
      const { action, details } = await write(m, c, decision.next);
      await this.audit.record(
        {
          action,
          resourceType: 'critical_result',
          resourceId: c.id,
          patientId: c.patientId,
          outcome: 'success',
          details: { referralId: c.referralId, from: c.state, to: decision.next, ...details },
        },
        m,
      );
      if (decision.effects.some((e) => e.type === 'announce_settled'))
        await this.announce(m, 'critical.settled', c, decision.next, [...audience(c), rooms.coordinators()]);
      return this.repo.view(c.id, m);
    });
    if (refused) {
      // The attempt is part of the record (a wrong read-back matters), though it changed nothing.
      await this.audit.record({
        action: as === 'referring_doctor' ? 'critical_result.confirm' : 'critical_result.call',
        resourceType: 'critical_result',
        resourceId: refused.c.id,
        patientId: refused.c.patientId,
        outcome: 'denied',
        details: { referralId: refused.c.referralId, reason: refused.reason },
      });
      throw refusal(refused.reason);
    }
    this.outbox.kick();
    return view!;
  }

  /** Escalates one due critical result (the sweep's step); false when it was not due or taken by another node. */
  async escalate(m: Tx, id: string): Promise<boolean> {
    const c = await this.repo.lock(m, id, true);
    if (!c) return false;
    const now = this.clock.now();
    const decision = decideCritical(
      c.state,
      { type: 'confirm_limit_passed' },
      {
        actor: 'system',
        now,
        finding: c.finding,
        confirmDueAt: c.confirmDueAt,
      },
    );
    if (!decision.ok) return false;
    await this.repo.escalate(m, c.id, now);
    // The centre's room reaches every doctor of the centre signed in now; the coordinators phone.
    await this.announce(m, 'critical.escalated', c, 'escalated', [...audience(c), rooms.coordinators()]);
    await this.audit.record(
      {
        action: 'critical_result.escalate',
        resourceType: 'critical_result',
        resourceId: c.id,
        patientId: c.patientId,
        outcome: 'success',
        details: { referralId: c.referralId, confirmDueAt: c.confirmDueAt, from: 'raised', to: 'escalated' },
      },
      m,
    );
    return true;
  }

  /** Open critical results for the caller (and with `recent`, those settled in the last day). Audited read. */
  async list(actor: Actor, recent: boolean): Promise<CriticalResultView[]> {
    const settledSince = new Date(recent ? this.clock.now().getTime() - DAY_MS : 8.64e15);
    const filter =
      actor.role === 'community_doctor'
        ? { originFacilityId: actor.facilityId ?? '00000000-0000-0000-0000-000000000000' }
        : actor.role === 'specialist'
          ? { raisedBy: actor.id }
          : {};
    const items = await this.repo.list({ ...filter, settledSince, limit: 200 });
    await this.audit.record({
      action: 'critical_result.list',
      resourceType: 'critical_result',
      outcome: 'success',
      details: { count: items.length, ids: items.map((i) => i.id) },
    });
    return items;
  }

  /** The critical results of one referral, for whoever may read the referral (404 otherwise). */
  async forReferral(actor: Actor, referralId: string): Promise<CriticalResultView[]> {
    const scope = await this.referrals.readable(actor, referralId, 'critical_result.read');
    const items = await this.repo.forReferral(referralId);
    await this.audit.record({
      action: 'critical_result.read',
      resourceType: 'referral',
      resourceId: referralId,
      patientId: scope.patient_id,
      outcome: 'success',
      details: { count: items.length },
    });
    return items;
  }

  private async announce(
    m: Tx,
    event: OutboxEventName,
    c: CriticalRow,
    state: CriticalState,
    to: string[],
  ): Promise<void> {
    await this.outbox.write(m, [
      {
        event,
        rooms: to,
        payload: {
          criticalResultId: c.id,
          referralId: c.referralId,
          number: c.number,
          service: c.service,
          findingCode: c.finding.code,
          state,
          confirmDueAt: c.confirmDueAt,
        },
      },
    ]);
  }
}
