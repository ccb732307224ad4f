import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { CriticalCall, CriticalResultView } from '@zhiyin/contracts';
import type { CriticalFinding, CriticalResultPolicy, CriticalState, Priority, Service } from '@zhiyin/workflow';
import { DataSource, type EntityManager } from 'typeorm';

/** The referral columns a critical result's scope rules and alerts need. */
/** A transaction's manager, for the services to pass back (and to the audit and the outbox). */
export type Tx = EntityManager;

export interface CriticalReferral {
  id: string;
  number: string;
  direction: string;
  state: string;
  service: Service;
  priority: Priority;
  patientId: string;
  originFacilityId: string;
  createdBy: string;
  assigneeId: string | null;
}

/** A critical result with its referral's scope columns, locked for a change. */
export interface CriticalRow {
  id: string;
  referralId: string;
  number: string;
  service: Service;
  patientId: string;
  originFacilityId: string;
  referringDoctorId: string;
  raisedBy: string;
  finding: CriticalFinding;
  state: CriticalState;
  confirmDueAt: string;
}

const VIEW_SELECT = `
  SELECT c.id, c.referral_id AS "referralId", r.number, c.service, r.priority, r.origin_facility_id AS "originFacilityId",
         f.name_zh AS "originFacilityNameZh", f.name_en AS "originFacilityNameEn",
         p.family_name_zh || p.given_name_zh AS "patientNameZh", p.mrn AS "patientMrn",
         c.finding_code AS "findingCode", c.finding_zh AS "findingZh", c.finding_en AS "findingEn", c.note, c.state,
         c.raised_at AS "raisedAt", json_build_object('id', ru.id, 'nameZh', ru.display_name_zh, 'nameEn', ru.display_name_en) AS "raisedBy",
         c.confirm_due_at AS "confirmDueAt", c.confirmed_at AS "confirmedAt",
         CASE WHEN cu.id IS NULL THEN NULL
              ELSE json_build_object('id', cu.id, 'nameZh', cu.display_name_zh, 'nameEn', cu.display_name_en) END AS "confirmedBy",
         c.read_back AS "readBack", c.planned_action AS "plannedAction", c.escalated_at AS "escalatedAt", c.closed_at AS "closedAt",
         COALESCE((SELECT json_agg(json_build_object(
                     'id', k.id, 'callerId', k.caller_id, 'callerNameZh', ku.display_name_zh, 'callerNameEn', ku.display_name_en,
                     'callee', k.callee, 'calledAt', k.called_at, 'reached', k.reached, 'readBack', k.read_back, 'note', k.note)
                     ORDER BY k.called_at, k.recorded_at)
                     FROM critical_result_call k JOIN app_user ku ON ku.id = k.caller_id
                    WHERE k.critical_result_id = c.id), '[]'::json) AS calls
    FROM critical_result c
    JOIN referral r ON r.id = c.referral_id
    JOIN facility f ON f.id = r.origin_facility_id
    JOIN patient p ON p.id = r.patient_id
    JOIN app_user ru ON ru.id = c.raised_by
    LEFT JOIN app_user cu ON cu.id = c.confirmed_by`;

type RawView = Omit<CriticalResultView, 'raisedAt' | 'confirmDueAt' | 'confirmedAt' | 'escalatedAt' | 'closedAt'> & {
  raisedAt: Date;
  confirmDueAt: Date;
  confirmedAt: Date | null;
  escalatedAt: Date | null;
  closedAt: Date | null;
  calls: (Omit<CriticalCall, 'calledAt'> & { calledAt: string })[];
};

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);

function toView(r: RawView): CriticalResultView {
  return {
    ...r,
    raisedAt: new Date(r.raisedAt).toISOString(),
    confirmDueAt: new Date(r.confirmDueAt).toISOString(),
    confirmedAt: iso(r.confirmedAt),
    escalatedAt: iso(r.escalatedAt),
    closedAt: iso(r.closedAt),
    calls: r.calls.map((k) => ({ ...k, calledAt: new Date(k.calledAt).toISOString() })),
  };
}

// The only file of the feature that speaks SQL: critical results, their calls, and the stored
// list of critical findings.
@Injectable()
export class CriticalResultsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(work: (m: EntityManager) => Promise<T>): Promise<T> {
    return this.ds.transaction(work);
  }

  async referral(m: EntityManager, id: string): Promise<CriticalReferral | undefined> {
    const [r] = await m.query<CriticalReferral[]>(
      `SELECT id, number, direction, state, service, priority, patient_id AS "patientId",
              origin_facility_id AS "originFacilityId", snapshot->>'createdBy' AS "createdBy", assignee_id AS "assigneeId"
         FROM referral WHERE id = $1 FOR UPDATE`,
      [id],
    );
    return r;
  }

  async hasOpen(m: EntityManager, referralId: string, findingCode: string): Promise<boolean> {
    const rows = await m.query<unknown[]>(
      `SELECT 1 FROM critical_result WHERE referral_id = $1 AND finding_code = $2 AND state IN ('raised', 'escalated')`,
      [referralId, findingCode],
    );
    return rows.length > 0;
  }

  async insert(
    m: EntityManager,
    v: {
      referralId: string;
      service: Service;
      finding: CriticalFinding;
      note: string | null;
      raisedBy: string;
      raisedAt: Date;
      confirmDueAt: string;
    },
  ): Promise<string> {
    const [row] = await m.query<{ id: string }[]>(
      `INSERT INTO critical_result (referral_id, service, finding_code, finding_zh, finding_en, note, state, raised_by,
                                    raised_at, confirm_due_at)
       VALUES ($1, $2, $3, $4, $5, $6, 'raised', $7, $8, $9) RETURNING id`,
      [
        v.referralId,
        v.service,
        v.finding.code,
        v.finding.label['zh-CN'],
        v.finding.label.en,
        v.note,
        v.raisedBy,
        v.raisedAt,
        v.confirmDueAt,
      ],
    );
    return row!.id;
  }

  /** Posts the alert into the referral's message thread, in the reader's name. */
  async postMessage(m: EntityManager, referralId: string, author: { id: string; role: string }, body: string) {
    const [msg] = await m.query<{ id: string }[]>(
      `INSERT INTO message (referral_id, author_id, author_role, kind, body) VALUES ($1, $2, $3, 'message', $4) RETURNING id`,
      [referralId, author.id, author.role, body],
    );
    return msg!.id;
  }

  /** Locks one critical result (with its referral's scope columns); `skipLocked` for the sweep. */
  async lock(m: EntityManager, id: string, skipLocked = false): Promise<CriticalRow | undefined> {
    const [r] = await m.query<(Omit<CriticalRow, 'finding' | 'confirmDueAt'> & Record<string, unknown>)[]>(
      `SELECT c.id, c.referral_id AS "referralId", r.number, c.service, r.patient_id AS "patientId",
              r.origin_facility_id AS "originFacilityId", r.snapshot->>'createdBy' AS "referringDoctorId",
              c.raised_by AS "raisedBy", c.finding_code, c.finding_zh, c.finding_en, c.state, c.confirm_due_at
         FROM critical_result c JOIN referral r ON r.id = c.referral_id
        WHERE c.id = $1 FOR UPDATE OF c ${skipLocked ? 'SKIP LOCKED' : ''}`,
      [id],
    );
    if (!r) return undefined;
    return {
      id: r.id,
      referralId: r.referralId,
      number: r.number,
      service: r.service,
      patientId: r.patientId,
      originFacilityId: r.originFacilityId,
      referringDoctorId: r.referringDoctorId,
      raisedBy: r.raisedBy,
      state: r.state,
      finding: {
        code: r.finding_code as string,
        label: { 'zh-CN': r.finding_zh as string, en: r.finding_en as string },
      },
      confirmDueAt: new Date(r.confirm_due_at as Date).toISOString(),
    };
  }

  async confirm(m: EntityManager, id: string, by: string, at: Date, readBack: string, plannedAction: string) {
    await m.query(
      `UPDATE critical_result SET state = 'confirmed', confirmed_by = $2, confirmed_at = $3, read_back = $4, planned_action = $5
        WHERE id = $1`,
      [id, by, at, readBack, plannedAction],
    );
  }

  async escalate(m: EntityManager, id: string, at: Date) {
    await m.query(`UPDATE critical_result SET state = 'escalated', escalated_at = $2 WHERE id = $1`, [id, at]);
  }

  async close(m: EntityManager, id: string, by: string, at: Date, readBack: string, plannedAction: string | null) {
    await m.query(
      `UPDATE critical_result SET state = 'closed', closed_by = $2, closed_at = $3, read_back = $4, planned_action = $5
        WHERE id = $1`,
      [id, by, at, readBack, plannedAction],
    );
  }

  async insertCall(
    m: EntityManager,
    v: {
      criticalResultId: string;
      callerId: string;
      callee: string;
      calledAt: Date;
      reached: boolean;
      readBack: string | null;
      note: string | null;
    },
  ): Promise<string> {
    const [row] = await m.query<{ id: string }[]>(
      `INSERT INTO critical_result_call (critical_result_id, caller_id, callee, called_at, reached, read_back, note)
       VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
      [v.criticalResultId, v.callerId, v.callee, v.calledAt, v.reached, v.readBack, v.note],
    );
    return row!.id;
  }

  /** The unconfirmed critical results whose read-back is due, oldest first. */
  async dueIds(m: EntityManager, now: Date, limit: number): Promise<string[]> {
    const rows = await m.query<{ id: string }[]>(
      `SELECT id FROM critical_result WHERE state = 'raised' AND confirm_due_at <= $1 ORDER BY confirm_due_at, id LIMIT $2`,
      [now, limit],
    );
    return rows.map((r) => r.id);
  }

  async view(id: string, m: EntityManager = this.ds.manager): Promise<CriticalResultView | undefined> {
    const [r] = await m.query<RawView[]>(`${VIEW_SELECT} WHERE c.id = $1`, [id]);
    return r ? toView(r) : undefined;
  }

  async forReferral(referralId: string): Promise<CriticalResultView[]> {
    const rows = await this.ds.query<RawView[]>(`${VIEW_SELECT} WHERE c.referral_id = $1 ORDER BY c.raised_at, c.id`, [
      referralId,
    ]);
    return rows.map(toView);
  }

  /**
   * A caller's list: open ones (raised or escalated) plus, with `settledSince`, those settled since then. Filtered by
   * the referring centre, the reader who raised them, or neither (coordinators).
   */
  async list(filter: {
    originFacilityId?: string;
    raisedBy?: string;
    settledSince: Date;
    limit: number;
  }): Promise<CriticalResultView[]> {
    const rows = await this.ds.query<RawView[]>(
      `${VIEW_SELECT}
        WHERE ($1::uuid IS NULL OR r.origin_facility_id = $1) AND ($2::uuid IS NULL OR c.raised_by = $2)
          AND (c.state IN ('raised', 'escalated') OR COALESCE(c.confirmed_at, c.closed_at) >= $3)
        ORDER BY (c.state = 'escalated') DESC, (c.state = 'raised') DESC, c.raised_at DESC, c.id
        LIMIT $4`,
      [filter.originFacilityId ?? null, filter.raisedBy ?? null, filter.settledSince, filter.limit],
    );
    return rows.map(toView);
  }

  async currentPolicy(
    m: EntityManager = this.ds.manager,
  ): Promise<{ version: number; policy: unknown; changedAt: Date } | undefined> {
    const [row] = await m.query<{ version: number; policy: unknown; changed_at: Date }[]>(
      'SELECT version, policy, changed_at FROM critical_result_policy ORDER BY version DESC LIMIT 1',
    );
    return row ? { version: row.version, policy: row.policy, changedAt: row.changed_at } : undefined;
  }

  async lockPolicy(m: EntityManager): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('critical_result_policy'))`);
  }

  async insertPolicy(m: EntityManager, version: number, policy: CriticalResultPolicy, by: string): Promise<void> {
    await m.query('INSERT INTO critical_result_policy (version, policy, changed_by) VALUES ($1, $2, $3)', [
      version,
      JSON.stringify(policy),
      by,
    ]);
  }
}
