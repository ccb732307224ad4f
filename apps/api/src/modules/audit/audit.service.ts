import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { requestContext } from '#src/common/request-context.js';
import { AuditEventEntity, type AuditOutcome } from './audit-event.entity.js';

export interface AuditEntry {
  action: string;
  resourceType: string;
  resourceId?: string | null;
  patientId?: string | null;
  outcome: AuditOutcome;
  /** ids and counts only */
  details?: Record<string, unknown>;
}

export interface AuditQuery {
  actorId?: string;
  patientId?: string;
  facilityId?: string;
  action?: string;
  outcome?: AuditOutcome;
  from?: Date;
  to?: Date;
  /** return events with id below this (newest first paging) */
  before?: string;
  limit: number;
}

@Injectable()
export class AuditService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Writes audit rows, inside the caller's transaction when a manager is given. */
  async record(entries: AuditEntry | AuditEntry[], manager: EntityManager = this.ds.manager): Promise<void> {
    const list = Array.isArray(entries) ? entries : [entries];
    if (list.length === 0) return;
    const ctx = requestContext.get();
    const actor = ctx?.actor;
    await manager.insert(
      AuditEventEntity,
      list.map((e) => ({
        actorId: actor?.id ?? null,
        actorRole: actor?.role ?? null,
        facilityId: actor?.facilityId ?? null,
        action: e.action,
        resourceType: e.resourceType,
        resourceId: e.resourceId ?? null,
        patientId: e.patientId ?? null,
        outcome: e.outcome,
        requestId: ctx?.requestId ?? null,
        clientIp: ctx?.clientIp ?? null,
        details: (e.details ?? null) as never,
      })),
    );
  }

  async query(q: AuditQuery): Promise<AuditEventEntity[]> {
    const qb = this.ds.getRepository(AuditEventEntity).createQueryBuilder('a');
    if (q.actorId) qb.andWhere('a.actor_id = :actorId', { actorId: q.actorId });
    if (q.patientId) qb.andWhere('a.patient_id = :patientId', { patientId: q.patientId });
    if (q.facilityId) qb.andWhere('a.facility_id = :facilityId', { facilityId: q.facilityId });
    if (q.action) qb.andWhere('a.action = :action', { action: q.action });
    if (q.outcome) qb.andWhere('a.outcome = :outcome', { outcome: q.outcome });
    if (q.from) qb.andWhere('a.at >= :from', { from: q.from });
    if (q.to) qb.andWhere('a.at < :to', { to: q.to });
    if (q.before) qb.andWhere('a.id < :before', { before: q.before });
    return qb.orderBy('a.id', 'DESC').limit(q.limit).getMany();
  }
}
