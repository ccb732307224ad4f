import { Injectable } from '@nestjs/common';
import { createReferral } from '@zhiyin/workflow';
import type { ReferralDetailView } from '@zhiyin/contracts';
import { randomUUID } from 'node:crypto';
import { notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { rooms } from '#src/modules/realtime/rooms.js';
import type { CreateReferralDto, UpdateReferralDto } from './dto.js';
import { refusal } from './referral.errors.js';
import { ReferralRepository } from './referral.repository.js';
import { rulesActor, TransitionService } from './transition.service.js';
import { ReferralsService } from './referrals.service.js';

// The community doctor's draft: created for a patient of their centre, then edited until it is sent.
@Injectable()
export class ReferralDraftsService {
  constructor(
    private readonly repo: ReferralRepository,
    private readonly transitions: TransitionService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly referrals: ReferralsService,
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
    return this.referrals.get(actor, id, false).then((r) => ({ ...r, number: result }));
  }

  async update(actor: Actor, id: string, dto: UpdateReferralDto) {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
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
    return this.referrals.get(actor, id, false);
  }
}
