import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import type { AuditChainReport, AuditTrailRow } from '@zhiyin/contracts';
import { AuditEventEntity, type AuditOutcome } from './audit-event.entity.js';
import { verifyAuditChain } from './verify-audit-chain.js';

/** What the administrator can narrow the trail by. Every field is optional; all given ones must hold. */
export interface AuditFilter {
  actorId?: string;
  /** the actor's user name (staff), exact */
  actor?: string;
  patientId?: string;
  facilityId?: string;
  /** an exact action, or a prefix ending in "." (e.g. "user.") */
  action?: string;
  resourceType?: string;
  resourceId?: string;
  outcome?: AuditOutcome;
  /** a referral's number (ZY…): the rows about that referral and its studies */
  referralNumber?: string;
  /** a patient's MRN: the rows about that patient (directly or through one of their referrals) */
  mrn?: string;
  /** part of a patient's name, in Han characters or pinyin (spaces ignored), or their initials */
  patientName?: string;
  from?: Date;
  to?: Date;
}

// Ids are cast only inside CASE: in a join condition PostgreSQL may evaluate a cast before the test that
// guards it, and the trail holds ids that are not UUIDs (e.g. a patient's access-code session).
const UUID_RE = '^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$';
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * The rows of the audit trail joined with the names of what they mention. Read only: the trail is
 * append-only and hash-chained by the database. A row's referral is its own resource (resource type
 * `referral`), else the referral its writer named in its details (`referralId`: a critical result's steps, a
 * converted upload), else the referral of the study it names; its patient is its own patient id, else its referral's.
 */
const SELECT = `
  SELECT a.id::text AS id, a.at, a.actor_id, a.actor_role, a.facility_id, a.action, a.resource_type,
         a.resource_id, a.patient_id, a.outcome, a.request_id, a.client_ip, a.details,
         u.username AS actor_username, u.display_name_zh AS actor_name_zh, u.display_name_en AS actor_name_en,
         f.code AS facility_code, f.name_zh AS facility_name_zh, f.name_en AS facility_name_en,
         r.id AS referral_id, r.number AS referral_number,
         p.id AS row_patient_id, p.mrn AS patient_mrn, p.family_name_zh || p.given_name_zh AS patient_name_zh,
         p.name_pinyin AS patient_name_pinyin
    FROM audit_event a
    LEFT JOIN app_user u
           ON u.id = CASE WHEN a.actor_role IS DISTINCT FROM 'patient' AND a.actor_id ~ '${UUID_RE}'
                          THEN a.actor_id::uuid END
    LEFT JOIN facility f ON f.id = a.facility_id
    LEFT JOIN study s
           ON s.id = CASE WHEN a.resource_type = 'study' AND a.resource_id ~ '${UUID_RE}' THEN a.resource_id::uuid END
    LEFT JOIN referral r
           ON r.id = CASE WHEN a.resource_type = 'referral' AND a.resource_id ~ '${UUID_RE}'
                          THEN a.resource_id::uuid
                          WHEN a.details->>'referralId' ~ '${UUID_RE}' THEN (a.details->>'referralId')::uuid
                          ELSE s.referral_id END
    LEFT JOIN patient p ON p.id = COALESCE(a.patient_id, r.patient_id)`;

interface RawRow {
  id: string;
  at: Date;
  actor_id: string | null;
  actor_role: string | null;
  facility_id: string | null;
  action: string;
  resource_type: string;
  resource_id: string | null;
  patient_id: string | null;
  outcome: AuditOutcome;
  request_id: string | null;
  client_ip: string | null;
  details: Record<string, unknown> | null;
  actor_username: string | null;
  actor_name_zh: string | null;
  actor_name_en: string | null;
  facility_code: string | null;
  facility_name_zh: string | null;
  facility_name_en: string | null;
  referral_id: string | null;
  referral_number: string | null;
  row_patient_id: string | null;
  patient_mrn: string | null;
  patient_name_zh: string | null;
  patient_name_pinyin: string | null;
}

const toRow = (r: RawRow): AuditTrailRow => ({
  id: r.id,
  at: new Date(r.at).toISOString(),
  actorId: r.actor_id,
  actorRole: r.actor_role,
  facilityId: r.facility_id,
  action: r.action,
  resourceType: r.resource_type,
  resourceId: r.resource_id,
  patientId: r.patient_id,
  outcome: r.outcome,
  requestId: r.request_id,
  clientIp: r.client_ip,
  details: r.details,
  actor: r.actor_username
    ? { username: r.actor_username, displayNameZh: r.actor_name_zh ?? '', displayNameEn: r.actor_name_en ?? '' }
    : null,
  facility: r.facility_code
    ? { code: r.facility_code, nameZh: r.facility_name_zh ?? '', nameEn: r.facility_name_en ?? '' }
    : null,
  referral: r.referral_id ? { id: r.referral_id, number: r.referral_number ?? '' } : null,
  patient: r.row_patient_id
    ? {
        id: r.row_patient_id,
        mrn: r.patient_mrn ?? '',
        nameZh: r.patient_name_zh ?? '',
        namePinyin: r.patient_name_pinyin ?? '',
      }
    : null,
});

/** A transaction's manager: audit rows commit with the change they record. */
export type Tx = EntityManager;

/** An audit row as written (the database adds id, time and the chain). */
export type NewAuditEvent = Pick<
  AuditEventEntity,
  | 'actorId'
  | 'actorRole'
  | 'facilityId'
  | 'action'
  | 'resourceType'
  | 'resourceId'
  | 'patientId'
  | 'outcome'
  | 'requestId'
  | 'clientRequestId'
  | 'clientIp'
  | 'details'
>;

@Injectable()
export class AuditRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Writes audit rows in one statement, inside the caller's transaction when a manager is given. */
  async insert(rows: NewAuditEvent[], m: Tx = this.ds.manager): Promise<void> {
    // TypeORM's deep-partial insert type does not take a plain JSON record for the jsonb column.
    await m.insert(
      AuditEventEntity,
      rows.map((r) => ({ ...r, details: r.details as never })),
    );
  }

  /** Recomputes the audit chain in one statement (verify-audit-chain.ts). */
  verifyChain(): Promise<AuditChainReport> {
    return verifyAuditChain(<T>(sql: string, params?: unknown[]) => this.ds.query<T[]>(sql, params));
  }

  /** Staff accounts' names, by id. */
  users(ids: string[]): Promise<{ id: string; username: string; name_zh: string; name_en: string; role: string }[]> {
    return this.ds.query<{ id: string; username: string; name_zh: string; name_en: string; role: string }[]>(
      'SELECT id, username, display_name_zh AS name_zh, display_name_en AS name_en, role FROM app_user WHERE id = ANY($1::uuid[])',
      [ids],
    );
  }

  /** Facilities' codes and names, by id. */
  facilities(ids: string[]): Promise<{ id: string; code: string; name_zh: string; name_en: string }[]> {
    return this.ds.query<{ id: string; code: string; name_zh: string; name_en: string }[]>(
      'SELECT id, code, name_zh, name_en FROM facility WHERE id = ANY($1::uuid[])',
      [ids],
    );
  }

  /** Every distinct value of the column so far (an index skip-scan: fast on a long trail). */
  async distinct(column: 'action' | 'resource_type'): Promise<string[]> {
    return (
      await this.ds.query<{ v: string }[]>(
        `WITH RECURSIVE d AS (
           (SELECT ${column} AS v FROM audit_event ORDER BY ${column} LIMIT 1)
           UNION ALL
           SELECT (SELECT ${column} FROM audit_event WHERE ${column} > d.v ORDER BY ${column} LIMIT 1) FROM d WHERE d.v IS NOT NULL
         ) SELECT v FROM d WHERE v IS NOT NULL`,
      )
    ).map((r) => r.v);
  }

  /** One page of the trail, newest first: rows with id below `before`, at most `limit` of them. */
  async page(f: AuditFilter, before: string | undefined, limit: number): Promise<AuditTrailRow[]> {
    const params: unknown[] = [];
    const where = this.where(f, params);
    if (before) where.push(`a.id < $${params.push(before)}::bigint`);
    const sql = `${SELECT} ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.id DESC LIMIT $${params.push(limit)}`;
    return (await this.ds.query<RawRow[]>(sql, params)).map(toRow);
  }

  private where(f: AuditFilter, params: unknown[]): string[] {
    const w: string[] = [];
    const p = (v: unknown) => `$${params.push(v)}`;
    if (f.actorId) w.push(`a.actor_id = ${p(f.actorId)}`);
    if (f.actor)
      w.push(`a.actor_id IN (SELECT id::text FROM app_user WHERE username = ${p(f.actor.trim().toLowerCase())})`);
    if (f.resourceType) w.push(`a.resource_type = ${p(f.resourceType)}`);
    if (f.resourceId) w.push(`a.resource_id = ${p(f.resourceId)}`);
    if (f.patientId) w.push(`COALESCE(a.patient_id, r.patient_id) = ${p(f.patientId)}::uuid`);
    if (f.facilityId) w.push(`a.facility_id = ${p(f.facilityId)}::uuid`);
    if (f.action?.endsWith('.')) w.push(`a.action LIKE ${p(`${likeEscape(f.action)}%`)} ESCAPE '\\'`);
    else if (f.action) w.push(`a.action = ${p(f.action)}`);
    if (f.outcome) w.push(`a.outcome = ${p(f.outcome)}`);
    if (f.from) w.push(`a.at >= ${p(f.from)}`);
    if (f.to) w.push(`a.at < ${p(f.to)}`);
    if (f.referralNumber) w.push(`r.number = ${p(f.referralNumber.trim().toUpperCase())}`);
    if (f.mrn) w.push(`p.mrn = ${p(f.mrn.trim())}`);
    if (f.patientName) {
      const q = f.patientName.replace(/\s+/g, '').toLowerCase();
      const like = p(`%${likeEscape(q)}%`);
      w.push(
        `(p.family_name_zh || p.given_name_zh LIKE ${like} ESCAPE '\\'
          OR lower(replace(p.name_pinyin, ' ', '')) LIKE ${like} ESCAPE '\\'
          OR lower(p.pinyin_initials) = ${p(q)})`,
      );
    }
    return w;
  }
}

/** The kinds of filter used (never their values, which may be patient data), for the audit row of a search. */
export const filterKinds = (f: AuditFilter): string[] =>
  Object.entries(f)
    .filter(([, v]) => v !== undefined && v !== '')
    .map(([k]) => k)
    .sort();
