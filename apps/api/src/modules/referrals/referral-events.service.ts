import { Inject, Injectable, Optional } from '@nestjs/common';
import { type ReferralEvent } from '@zhiyin/workflow';
import { randomUUID } from 'node:crypto';
import { AppError } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { serviceOfSpecialty } from '#src/modules/realtime/rooms.js';
import { CASE_WARMER, type CaseWarmer } from './case-warmer.port.js';
import type { ReferralEventDto } from './dto.js';
import { ReferralRepository } from './referral.repository.js';
import { RouterService } from './router.service.js';
import { TransitionService } from './transition.service.js';
import { ReferralsService } from './referrals.service.js';
import { ReferralMessagesService } from './referral-messages.service.js';

// The steps after which a reader opens the case: its first image is made ahead (CaseWarmer).
const WARMING_EVENTS: ReadonlySet<ReferralEventDto['type']> = new Set(['submit', 'accept', 'reassign']);

// A step on a referral (POST /api/referrals/:id/events): the request as a rules event, decided and saved in the
// referral's transaction (packages/workflow decides, the repository saves), answered with the referral as it is now;
// and a specialist's claim of the next referral of their pool.
@Injectable()
export class ReferralEventsService {
  constructor(
    private readonly repo: ReferralRepository,
    private readonly transitions: TransitionService,
    private readonly outbox: OutboxService,
    private readonly router: RouterService,
    private readonly referrals: ReferralsService,
    private readonly messages: ReferralMessagesService,
    @Optional() @Inject(CASE_WARMER) private readonly warmer?: CaseWarmer,
  ) {}

  async fire(actor: Actor, id: string, dto: ReferralEventDto) {
    const event = await this.toEvent(dto);
    if ((dto.type === 'request_info' || dto.type === 'answer_info') && !dto.message?.trim()) {
      throw new AppError(
        'VALIDATION_FAILED',
        dto.type === 'request_info' ? 'Write the question for the community doctor.' : 'Write the answer.',
        { fields: ['message'] },
      );
    }
    await this.referrals.inTransition(actor, id, dto.expectedVersion, async (m, row) => {
      const applied = await this.transitions.apply(m, row, event, actor);
      if (dto.message?.trim() && (dto.type === 'request_info' || dto.type === 'answer_info')) {
        await this.messages.insertMessage(
          m,
          actor,
          row,
          dto.message.trim(),
          dto.type === 'request_info' ? 'question' : 'answer',
        );
      }
      return applied.route || dto.type === 'decline' || dto.type === 'accept' ? applied.next.service : undefined;
    });
    // A case sent to a pool, or taken by its reader, is opened in the reading room in a moment.
    if (WARMING_EVENTS.has(dto.type)) this.warmer?.warm(id);
    return this.referrals.get(actor, id, false);
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
    this.warmer?.warm(claimed);
    return this.referrals.get(actor, claimed, false);
  }
}
