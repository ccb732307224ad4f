import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { PlanView, ReportView } from '@zhiyin/contracts';
import type { ReferralSnapshot } from '@zhiyin/workflow';
import { DataSource, type EntityManager } from 'typeorm';

/** A transaction's manager (a referral transition's), passed back to the methods below. */
export type Tx = EntityManager;

/** A report draft's fields; null keeps the stored value. */
export interface DraftFields {
  findings: string | null;
  impression: string | null;
  diagnoses: unknown[] | null;
  measurements: object | null;
  disposition: string | null;
}

/** The referral a patient's decision is read from, with the centre and its hub. */
export interface DecisionRow {
  id: string;
  number: string;
  state: string;
  snapshot: ReferralSnapshot;
  centre_zh: string;
  centre_en: string;
  hub_zh: string;
  hub_en: string;
  hub_address: string | null;
}

// The SQL of reports, treatment plans and the patient's decision.
@Injectable()
export class ClinicalRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  // ---- report ----

  async upsertDraft(m: Tx, referralId: string, authorId: string, d: DraftFields): Promise<void> {
    await m.query(
      `INSERT INTO report (referral_id, author_id, findings, impression, diagnoses, measurements, disposition, updated_at)
       VALUES ($1, $2, COALESCE($3, ''), COALESCE($4, ''), COALESCE($5::jsonb, '[]'), $6, $7, now())
       ON CONFLICT (referral_id) DO UPDATE SET
         findings = COALESCE($3, report.findings), impression = COALESCE($4, report.impression),
         diagnoses = COALESCE($5::jsonb, report.diagnoses), measurements = COALESCE($6, report.measurements),
         disposition = COALESCE($7, report.disposition), updated_at = now()`,
      [
        referralId,
        authorId,
        d.findings,
        d.impression,
        d.diagnoses ? JSON.stringify(d.diagnoses) : null,
        d.measurements ? JSON.stringify(d.measurements) : null,
        d.disposition,
      ],
    );
  }

  async signReport(m: Tx, referralId: string, signedBy: string, signedAt: string): Promise<void> {
    await m.query('UPDATE report SET signed_by = $2, signed_at = $3 WHERE referral_id = $1', [
      referralId,
      signedBy,
      signedAt,
    ]);
  }

  async insertAddendum(m: Tx, referralId: string, authorId: string, body: string): Promise<void> {
    await m.query('INSERT INTO report_addendum (referral_id, author_id, body) VALUES ($1, $2, $3)', [
      referralId,
      authorId,
      body,
    ]);
  }

  /** The referral's report with its signer's name and its addenda; null when none was written. */
  async report(id: string, m: Tx = this.ds.manager): Promise<ReportView | null> {
    const [r] = await m.query<Record<string, any>[]>(
      `SELECT r.*, u.display_name_zh AS signer_zh, u.display_name_en AS signer_en
         FROM report r LEFT JOIN app_user u ON u.id = r.signed_by WHERE r.referral_id = $1`,
      [id],
    );
    if (!r) return null;
    const addenda = await m.query<Record<string, any>[]>(
      'SELECT id, body, created_at, author_id FROM report_addendum WHERE referral_id = $1 ORDER BY created_at, id',
      [id],
    );
    return {
      referralId: id,
      authorId: r.author_id,
      findings: r.findings,
      impression: r.impression,
      diagnoses: r.diagnoses,
      measurements: r.measurements,
      disposition: r.disposition,
      signedBy: r.signed_by,
      signedAt: r.signed_at ? new Date(r.signed_at).toISOString() : null,
      signerNameZh: r.signer_zh,
      signerNameEn: r.signer_en,
      updatedAt: new Date(r.updated_at).toISOString(),
      addenda: addenda.map((a) => ({
        id: a.id,
        body: a.body,
        createdAt: new Date(a.created_at).toISOString(),
        authorId: a.author_id,
      })),
    };
  }

  // ---- plan ----

  /** The content of the referral's latest plan version, if any. */
  async latestPlanContent(m: Tx, referralId: string): Promise<Record<string, unknown> | undefined> {
    const [latest] = await m.query<{ content: Record<string, unknown> }[]>(
      'SELECT content FROM plan_version WHERE referral_id = $1 ORDER BY version DESC LIMIT 1',
      [referralId],
    );
    return latest?.content;
  }

  async insertPlanVersion(
    m: Tx,
    referralId: string,
    p: NonNullable<ReferralSnapshot['plan']>,
    content: Record<string, unknown>,
  ): Promise<void> {
    await m.query(
      `INSERT INTO plan_version (referral_id, version, content, disposition, hub_appointment, changed_by, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        referralId,
        p.version,
        JSON.stringify(content),
        p.disposition,
        p.hubAppointment ? JSON.stringify(p.hubAppointment) : null,
        p.changedBy,
        p.changedAt,
      ],
    );
  }

  async insertPlanSignature(
    m: Tx,
    v: { referralId: string; version: number; signerRole: string | null; userId: string; signedAt: string },
  ): Promise<void> {
    await m.query(
      'INSERT INTO plan_signature (referral_id, version, signer_role, user_id, signed_at) VALUES ($1, $2, $3, $4, $5)',
      [v.referralId, v.version, v.signerRole, v.userId, v.signedAt],
    );
  }

  /** Every plan version with who changed it and its signatures, and whether the current one binds. */
  async plan(id: string, m: Tx = this.ds.manager): Promise<PlanView> {
    const versions = await m.query<Record<string, any>[]>(
      `SELECT v.version, v.content, v.disposition, v.hub_appointment, v.changed_by, v.changed_at, u.display_name_zh, u.display_name_en, u.role
         FROM plan_version v JOIN app_user u ON u.id = v.changed_by WHERE v.referral_id = $1 ORDER BY v.version`,
      [id],
    );
    const signatures = await m.query<Record<string, any>[]>(
      `SELECT s.version, s.signer_role, s.user_id, s.signed_at, u.display_name_zh, u.display_name_en
         FROM plan_signature s JOIN app_user u ON u.id = s.user_id WHERE s.referral_id = $1 ORDER BY s.signed_at`,
      [id],
    );
    const [ref] = await m.query<{ snapshot: ReferralSnapshot }[]>('SELECT snapshot FROM referral WHERE id = $1', [id]);
    const all = versions.map((v) => ({
      version: v.version as number,
      content: v.content,
      disposition: v.disposition,
      hubAppointment: v.hub_appointment,
      changedBy: { id: v.changed_by, role: v.role, nameZh: v.display_name_zh, nameEn: v.display_name_en },
      changedAt: new Date(v.changed_at).toISOString(),
      signatures: signatures
        .filter((s) => s.version === v.version)
        .map((s) => ({
          role: s.signer_role,
          userId: s.user_id,
          nameZh: s.display_name_zh,
          nameEn: s.display_name_en,
          at: new Date(s.signed_at).toISOString(),
        })),
    }));
    const current = all[all.length - 1] ?? null;
    const agreed = Boolean(current && ref?.snapshot.plan && current.signatures.length === 2);
    return { current, agreed, versions: all };
  }

  // ---- the patient's decision ----

  /** The patient's latest referral up in one of `states` with a plan. */
  async decisionReferral(patientId: string, states: readonly string[]): Promise<DecisionRow | undefined> {
    const [row] = await this.ds.query<DecisionRow[]>(
      `SELECT r.id, r.number, r.state, r.snapshot, o.name_zh AS centre_zh, o.name_en AS centre_en,
              h.name_zh AS hub_zh, h.name_en AS hub_en, h.address AS hub_address
         FROM referral r JOIN facility o ON o.id = r.origin_facility_id LEFT JOIN facility h ON h.id = o.hub_id
        WHERE r.patient_id = $1 AND r.direction = 'up' AND r.state = ANY($2)
          AND r.snapshot->'plan' IS NOT NULL AND jsonb_typeof(r.snapshot->'plan') = 'object'
        ORDER BY r.updated_at DESC LIMIT 1`,
      [patientId, states],
    );
    return row;
  }

  /** Whether a referral up of the patient is back at 'reported' with a version once signed by both. */
  async agreedPlanBeingRevised(patientId: string): Promise<boolean> {
    const revising = await this.ds.query<unknown[]>(
      `SELECT 1 FROM referral r
        WHERE r.patient_id = $1 AND r.direction = 'up' AND r.state = 'reported'
          AND EXISTS (SELECT 1 FROM plan_signature s GROUP BY s.referral_id, s.version
                       HAVING s.referral_id = r.id AND count(*) = 2)
        LIMIT 1`,
      [patientId],
    );
    return revising.length > 0;
  }

  /** When the patient last acknowledged the referral's decision, if ever. */
  async acknowledgedAt(referralId: string): Promise<Date | null> {
    return (
      (
        await this.ds.query<{ at: Date }[]>(
          `SELECT at FROM referral_event WHERE referral_id = $1 AND event = 'acknowledge' ORDER BY id DESC LIMIT 1`,
          [referralId],
        )
      )[0]?.at ?? null
    );
  }
}
