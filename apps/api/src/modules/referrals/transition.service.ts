import { Inject, Injectable } from '@nestjs/common';
import type { OutboxEventName } from '@zhiyin/contracts';
import {
  decide,
  PRIORITIES,
  type Actor as RulesActor,
  type Effect,
  type ReferralEvent,
  type ReferralSnapshot,
} from '@zhiyin/workflow';
import type { EntityManager } from 'typeorm';
import { CLOCK, type Clock } from '#src/common/clock.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { OutboxService, type OutboxMessage } from '#src/modules/realtime/outbox.service.js';
import { rooms } from '#src/modules/realtime/rooms.js';
import type { TurnaroundPolicySource } from '#src/modules/settings/turnaround-policy.service.js';
import { refusal } from './referral.errors.js';

export const TURNAROUND_POLICY = Symbol('TURNAROUND_POLICY');

export interface ReferralRow {
  id: string;
  number: string;
  modality: string | null;
  snapshot: ReferralSnapshot;
  row_version: number;
}

export interface Applied {
  next: ReferralSnapshot;
  effects: readonly Effect[];
  /** the referral needs the router (submitted, declined, offer expired…) */
  route: boolean;
}

export const priorityRank = (p: ReferralSnapshot['priority']) => PRIORITIES.indexOf(p);

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
  ) {}

  now(): Date {
    return this.clock.now();
  }

  async lock(m: EntityManager, id: string): Promise<ReferralRow | undefined> {
    const [row] = await m.query<ReferralRow[]>(
      'SELECT id, number, modality, snapshot, row_version FROM referral WHERE id = $1 FOR UPDATE',
      [id],
    );
    return row;
  }

  async apply(
    m: EntityManager,
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
          await m.query(
            `INSERT INTO referral_event (referral_id, at, event, from_state, to_state, actor_id, actor_role, workflow_version, details)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
            [
              effect.entry.referralId,
              effect.entry.at,
              effect.entry.event,
              effect.entry.from,
              effect.entry.to,
              effect.entry.actorId,
              effect.entry.actorRole,
              effect.entry.workflowVersion,
              JSON.stringify({ ...effect.entry.details, ...details }),
            ],
          );
          break;
        case 'start_timer':
          await m.query(
            `INSERT INTO scheduled_job (kind, referral_id, due_at) VALUES ($1, $2, $3)
             ON CONFLICT (referral_id, kind) DO UPDATE SET due_at = EXCLUDED.due_at`,
            [effect.timer, effect.referralId, effect.dueAt],
          );
          break;
        case 'stop_timer':
          await m.query('DELETE FROM scheduled_job WHERE referral_id = $1 AND kind = $2', [
            effect.referralId,
            effect.timer,
          ]);
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
  async save(m: EntityManager, id: string, s: ReferralSnapshot): Promise<void> {
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

  async insert(
    m: EntityManager,
    s: ReferralSnapshot,
    modality: string | null,
    clinicalQuestion: string | null,
    history: string | null,
  ): Promise<string> {
    const [{ n }] = await m.query<[{ n: string }]>("SELECT nextval('referral_number_seq')::text AS n");
    const d = this.clock.now();
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

  async writeOutbox(
    m: EntityManager,
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
