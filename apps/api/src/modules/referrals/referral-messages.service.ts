import { Injectable } from '@nestjs/common';
import { inStateGroup } from '@zhiyin/workflow';
import type { ReferralMessageView } from '@zhiyin/contracts';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { rooms } from '#src/modules/realtime/rooms.js';
import { ReferralRepository, type Tx } from './referral.repository.js';
import { toMessageView } from './referral-view.mapper.js';
import { TransitionService, type ReferralRow } from './transition.service.js';
import { canRead, ReferralsService, scopeOf } from './referrals.service.js';

// The doctors' messages on a referral: read by everyone who may read the referral, posted by its two doctors and
// the coordinators while it is open; a question and its answer (request_info, answer_info) are messages too.
@Injectable()
export class ReferralMessagesService {
  constructor(
    private readonly repo: ReferralRepository,
    private readonly transitions: TransitionService,
    private readonly outbox: OutboxService,
    private readonly audit: AuditService,
    private readonly referrals: ReferralsService,
  ) {}

  async messages(actor: Actor, id: string): Promise<ReferralMessageView[]> {
    const scope = await this.referrals.readable(actor, id, 'referral.messages.read');
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

  async insertMessage(m: Tx, actor: Actor, row: ReferralRow, body: string, kind: 'message' | 'question' | 'answer') {
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
}
