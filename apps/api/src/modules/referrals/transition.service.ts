import { Inject, Injectable } from '@nestjs/common';
import type { OutboxEventName } from '@zhiyin/contracts';
import {
  decide,
  type Actor as RulesActor,
  type Effect,
  type ReferralEvent,
  type ReferralSnapshot,
} from '@zhiyin/workflow';
import { CLOCK, type Clock } from '#src/common/clock.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { OutboxService, type OutboxMessage } from '#src/modules/realtime/outbox.service.js';
import { rooms } from '#src/modules/realtime/rooms.js';
import type { TurnaroundPolicySource } from '#src/modules/settings/turnaround-policy.service.js';
import { refusal } from './referral.errors.js';
import { ReferralRepository, type ReferralRow, type Tx } from './referral.repository.js';

export const TURNAROUND_POLICY = Symbol('TURNAROUND_POLICY');

// Kept here too: the clinical and imaging modules import the row type and the rank from this file.
export type { ReferralRow } from './referral.repository.js';
export { priorityRank } from './referral.repository.js';

export interface Applied {
  next: ReferralSnapshot;
  effects: readonly Effect[];
  /** the referral needs the router (submitted, declined, offer expired…) */
  route: boolean;
}

export function rulesActor(actor: Actor | 'system'): RulesActor {
  if (actor === 'system') return { id: 'system', role: 'system', facilityId: null, specialty: null };
  return { id: actor.id, role: actor.role, facilityId: actor.facilityId, specialty: actor.specialty };
}

// Every change of a referral goes through here, inside the caller's transaction with the row
// locked: ask the rules, then write the new state, the history entry, the timers, the audit row
// and the outbox events. Nothing is sent before commit.
@Injectable()
export class TransitionService {
  constructor(
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(TURNAROUND_POLICY) private readonly policy: TurnaroundPolicySource,
    private readonly audit: AuditService,
    private readonly outbox: OutboxService,
    private readonly repo: ReferralRepository,
  ) {}

  now(): Date {
    return this.clock.now();
  }

  lock(m: Tx, id: string): Promise<ReferralRow | undefined> {
    return this.repo.lock(m, id);
  }

  async apply(
    m: Tx,
    row: ReferralRow,
    event: ReferralEvent,
    actor: Actor | 'system',
    details: Record<string, unknown> = {},
  ): Promise<Applied> {
    const prev = row.snapshot;
    // The policy in force now (read in this transaction): a change applies to the timers scheduled from here on.
    const policy = await this.policy.current(m);
    const decision = decide(prev, event, { actor: rulesActor(actor), now: this.clock.now(), policy });
    if (!decision.ok) throw refusal(decision.reason, prev.state);
    const { next, effects } = decision;
    await this.save(m, row.id, next);
    const messages: OutboxMessage[] = [];
    const notifyRooms = new Set<string>([rooms.referral(row.id)]);
    if (actor !== 'system') notifyRooms.add(actor.role === 'patient' ? rooms.patient(actor.id) : rooms.user(actor.id));
    let route = false;
    for (const effect of effects) {
      switch (effect.type) {
        case 'history':
          await this.repo.insertHistory(m, effect.entry, { ...effect.entry.details, ...details });
          break;
        case 'start_timer':
          await this.repo.startTimer(m, effect.referralId, effect.timer, effect.dueAt);
          break;
        case 'stop_timer':
          await this.repo.stopTimer(m, effect.referralId, effect.timer);
          break;
        case 'route':
          route = true;
          break;
        case 'create_referral':
          await this.insert(m, effect.referral, row.modality, null, null);
          break;
        case 'notify':
          switch (effect.audience) {
            case 'origin_facility':
            case 'destination_facility':
              notifyRooms.add(rooms.facility(effect.facilityId));
              break;
            case 'assignee':
            case 'previous_assignee':
              notifyRooms.add(rooms.user(effect.userId));
              break;
            case 'pool':
              notifyRooms.add(rooms.pool(effect.service));
              break;
            case 'coordinators':
              notifyRooms.add(rooms.coordinators());
              break;
            case 'patient':
              notifyRooms.add(rooms.patient(effect.patientId));
              break;
          }
          break;
      }
    }
    const base = { referralId: row.id, number: row.number, service: next.service, priority: next.priority };
    messages.push({
      event: 'referral.changed',
      rooms: [...notifyRooms],
      payload: { ...base, event: event.type, state: next.state },
    });
    if (next.direction === 'up' && (prev.state !== 'draft' || next.state !== 'draft')) {
      messages.push({
        event: 'worklist.changed',
        rooms: [rooms.pool(next.service), rooms.coordinators()],
        payload: { referralId: row.id, service: next.service },
      });
    }
    if (next.offeredTo && next.offeredTo !== prev.offeredTo) {
      messages.push({
        event: 'offer.made',
        rooms: [rooms.user(next.offeredTo)],
        payload: { ...base, expiresAt: next.timers.offer_timeout ?? null },
      });
    }
    if (prev.offeredTo && prev.offeredTo !== next.offeredTo) {
      messages.push({ event: 'offer.withdrawn', rooms: [rooms.user(prev.offeredTo)], payload: { referralId: row.id } });
    }
    const timer = TIMER_OF_EVENT[event.type];
    if (timer) {
      const warnRooms = [
        rooms.coordinators(),
        ...(next.assigneeId ? [rooms.user(next.assigneeId)] : []),
        rooms.referral(row.id),
      ];
      messages.push({
        event: 'turnaround.warning',
        rooms: warnRooms,
        payload: { referralId: row.id, number: row.number, timer, event: event.type },
      });
    }
    await this.outbox.write(m, messages);
    await this.audit.record(
      {
        action: `referral.${event.type}`,
        resourceType: 'referral',
        resourceId: row.id,
        patientId: next.patientId,
        outcome: 'success',
        details: { from: prev.state, to: next.state },
      },
      m,
    );
    return { next, effects, route };
  }

  /** Writes the snapshot and the columns queries use. */
  save(m: Tx, id: string, s: ReferralSnapshot): Promise<void> {
    return this.repo.save(m, id, s);
  }

  /** Inserts a new referral, numbered by today's date; returns its number. */
  insert(
    m: Tx,
    s: ReferralSnapshot,
    modality: string | null,
    clinicalQuestion: string | null,
    history: string | null,
  ): Promise<string> {
    return this.repo.insert(m, s, this.clock.now(), modality, clinicalQuestion, history);
  }

  async writeOutbox(
    m: Tx,
    event: OutboxEventName,
    roomList: string[],
    payload: Record<string, unknown>,
  ): Promise<void> {
    await this.outbox.write(m, [{ event, rooms: roomList, payload }]);
  }
}

const TIMER_OF_EVENT: Partial<Record<ReferralEvent['type'], string>> = {
  acceptance_overdue: 'accept_deadline',
  report_due_soon: 'report_warning',
  report_overdue: 'report_deadline',
};
