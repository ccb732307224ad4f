import { Injectable } from '@nestjs/common';
import { auditedRole, requestContext } from '#src/common/request-context.js';
import type { AuditOutcome } from './audit-event.entity.js';
import type { AuditChainReport, AuditTrailPage, AuditTrailRow, AuditVocabularyView } from '@zhiyin/contracts';
import { AuditRepository, filterKinds, type AuditFilter, type Tx } from './audit.repository.js';

export interface AuditEntry {
  action: string;
  resourceType: string;
  resourceId?: string | null;
  patientId?: string | null;
  outcome: AuditOutcome;
  /** ids and counts only */
  details?: Record<string, unknown>;
}

@Injectable()
export class AuditService {
  constructor(private readonly repo: AuditRepository) {}

  /** Writes audit rows, inside the caller's transaction when a manager is given. */
  async record(entries: AuditEntry | AuditEntry[], manager?: Tx): Promise<void> {
    const list = Array.isArray(entries) ? entries : [entries];
    if (list.length === 0) return;
    const ctx = requestContext.get();
    const actor = ctx?.actor;
    await this.repo.insert(
      list.map((e) => ({
        actorId: actor?.id ?? null,
        actorRole: actor ? auditedRole(actor) : null,
        facilityId: actor?.facilityId ?? null,
        action: e.action,
        resourceType: e.resourceType,
        resourceId: e.resourceId ?? null,
        patientId: e.patientId ?? null,
        outcome: e.outcome,
        requestId: ctx?.requestId ?? null,
        clientRequestId: ctx?.clientRequestId ?? null,
        clientIp: ctx?.clientIp ?? null,
        details: e.details ?? null,
      })),
      manager,
    );
  }

  /** Recomputes the audit chain and records that it was checked (and what was found). */
  async verifyChain(): Promise<AuditChainReport> {
    const report = await this.repo.verifyChain();
    await this.record({
      action: 'audit.verify',
      resourceType: 'audit_chain',
      outcome: 'success',
      details: {
        ok: report.ok,
        checked: report.checked,
        headSeq: report.head.chainSeq,
        firstBrokenId: report.firstBroken?.id ?? null,
        reason: report.firstBroken?.reason ?? null,
      },
    });
    return report;
  }

  /**
   * One page of the trail with the names beside the ids. The names include patients' (MRN, name), so the
   * read is itself audited: one row per query, naming only which kinds of filter were used.
   */
  async search(filter: AuditFilter, before: string | undefined, limit: number): Promise<AuditTrailPage> {
    const rows = await this.repo.page(filter, before, limit);
    const labels = await this.labels(rows);
    await this.record({
      action: 'audit.search',
      resourceType: 'audit_event',
      outcome: 'success',
      details: { filters: filterKinds(filter), rows: rows.length },
    });
    return { items: rows, ...labels, nextBefore: rows.length === limit ? rows[rows.length - 1]!.id : null };
  }

  /**
   * Display names of the staff and the non-patient records (users, facilities) the rows name, so the
   * trail reads as sentences. Patients stay ids: the trail shows no more about them than its rows hold.
   */
  async labels(
    rows: readonly Pick<AuditTrailRow, 'actorId' | 'actorRole' | 'resourceType' | 'resourceId' | 'facilityId'>[],
  ): Promise<{
    users: Record<string, { username: string; displayNameZh: string; displayNameEn: string; role: string }>;
    facilities: Record<string, { code: string; nameZh: string; nameEn: string }>;
  }> {
    const uuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
    const userIds = new Set<string>();
    const facilityIds = new Set<string>();
    for (const r of rows) {
      if (r.actorId && r.actorRole !== 'patient' && uuid.test(r.actorId)) userIds.add(r.actorId);
      if (r.resourceType === 'user' && r.resourceId && uuid.test(r.resourceId)) userIds.add(r.resourceId);
      if (r.resourceType === 'facility' && r.resourceId && uuid.test(r.resourceId)) facilityIds.add(r.resourceId);
      if (r.facilityId) facilityIds.add(r.facilityId);
    }
    const [users, facilities] = await Promise.all([
      userIds.size ? this.repo.users([...userIds]) : [],
      facilityIds.size ? this.repo.facilities([...facilityIds]) : [],
    ]);
    return {
      users: Object.fromEntries(
        users.map((u) => [
          u.id,
          { username: u.username, displayNameZh: u.name_zh, displayNameEn: u.name_en, role: u.role },
        ]),
      ),
      facilities: Object.fromEntries(
        facilities.map((f) => [f.id, { code: f.code, nameZh: f.name_zh, nameEn: f.name_en }]),
      ),
    };
  }

  /** Every action and resource type recorded so far (an index skip-scan: fast on a long trail). */
  async vocabulary(): Promise<AuditVocabularyView> {
    const distinct = (column: 'action' | 'resource_type') => this.repo.distinct(column);
    const [actions, resourceTypes] = await Promise.all([distinct('action'), distinct('resource_type')]);
    return { actions, resourceTypes };
  }
}
