import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import {
  DISPOSITION_LABELS,
  PATIENT_VISIBLE_STATES,
  inStateGroup,
  planSignerOf,
  type ReferralSnapshot,
} from '@zhiyin/workflow';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ReferralsService } from '#src/modules/referrals/referrals.service.js';
import { TransitionService, type ReferralRow } from '#src/modules/referrals/transition.service.js';
import type { HubAppointmentDto, PlanDto, ReportDraftDto } from './dto.js';

export interface ReportView {
  referralId: string;
  authorId: string;
  findings: string;
  impression: string;
  diagnoses: { code: string; label: string }[];
  measurements: Record<string, unknown> | null;
  disposition: string | null;
  signedBy: string | null;
  signedAt: string | null;
  signerNameZh: string | null;
  signerNameEn: string | null;
  updatedAt: string;
  addenda: { id: string; body: string; createdAt: string; authorId: string }[];
}

/** JSON with sorted keys, to compare plan contents. */
function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v)
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined && (v as Record<string, unknown>)[k] !== null)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v ?? null);
}

// The specialist's structured report and the treatment plan both doctors sign. Every step is a
// transition of the referral rules inside one transaction, audited and announced after commit.
@Injectable()
export class ClinicalService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly referrals: ReferralsService,
    private readonly transitions: TransitionService,
    private readonly audit: AuditService,
  ) {}

  // ---- report ----

  async report(actor: Actor, id: string): Promise<ReportView | null> {
    const { report, patientId } = await this.visibleReport(actor, id, 'report.read');
    await this.audit.record({
      action: 'report.read',
      resourceType: 'referral',
      resourceId: id,
      patientId,
      outcome: 'success',
    });
    return report;
  }

  /**
   * The report as the caller may see it, and the referral's patient (for the audit row), without
   * auditing the success: the PDF is audited once it is made. A refusal is audited as `readAction`.
   */
  async visibleReport(
    actor: Actor,
    id: string,
    readAction: 'report.read' | 'report.pdf',
  ): Promise<{ report: ReportView | null; patientId: string }> {
    const scope = await this.referrals.readable(actor, id, readAction);
    const view = await this.loadReport(this.ds.manager, id);
    // Until signed, a draft is the reader's working copy.
    const visible =
      view && (view.signedAt || actor.role === 'specialist' || actor.role === 'coordinator') ? view : null;
    return { report: visible, patientId: scope.patient_id };
  }

  async saveDraft(actor: Actor, id: string, dto: ReportDraftDto): Promise<ReportView> {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      const s = row.snapshot;
      if (s.assigneeId !== actor.id)
        throw new AppError('FORBIDDEN', 'Only the specialist reading this referral writes its report.');
      if (s.report)
        throw new AppError('STALE_STATE', 'The report is signed; add an addendum instead.', {
          reason: 'report_signed',
        });
      if (!inStateGroup('heldByReader', s.state))
        throw new AppError('STALE_STATE', 'Accept the referral before writing its report.', { state: s.state });
      await m.query(
        `INSERT INTO report (referral_id, author_id, findings, impression, diagnoses, measurements, disposition, updated_at)
         VALUES ($1, $2, COALESCE($3, ''), COALESCE($4, ''), COALESCE($5::jsonb, '[]'), $6, $7, now())
         ON CONFLICT (referral_id) DO UPDATE SET
           findings = COALESCE($3, report.findings), impression = COALESCE($4, report.impression),
           diagnoses = COALESCE($5::jsonb, report.diagnoses), measurements = COALESCE($6, report.measurements),
           disposition = COALESCE($7, report.disposition), updated_at = now()`,
        [
          id,
          actor.id,
          dto.findings ?? null,
          dto.impression ?? null,
          dto.diagnoses ? JSON.stringify(dto.diagnoses) : null,
          dto.measurements ? JSON.stringify(dto.measurements) : null,
          dto.disposition ?? null,
        ],
      );
      await this.audit.record(
        {
          action: 'report.draft',
          resourceType: 'referral',
          resourceId: id,
          patientId: s.patientId,
          outcome: 'success',
        },
        m,
      );
      return undefined;
    });
    return (await this.loadReport(this.ds.manager, id))!;
  }

  async sign(actor: Actor, id: string): Promise<ReportView> {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      const draft = await this.loadReport(m, id);
      if (!draft || draft.signedAt) {
        throw new AppError(
          'STALE_STATE',
          draft ? 'The report is already signed.' : 'Write the report before signing it.',
          { reason: draft ? 'report_signed' : 'no_report' },
        );
      }
      const missing = [
        !draft.findings.trim() && 'findings',
        !draft.impression.trim() && 'impression',
        !draft.disposition && 'disposition',
      ].filter(Boolean);
      if (missing.length > 0)
        throw new AppError('VALIDATION_FAILED', 'Findings, impression and a disposition are needed to sign.', {
          fields: missing,
        });
      const applied = await this.transitions.apply(
        m,
        row,
        { type: 'sign_report', disposition: draft.disposition as never },
        actor,
      );
      await m.query('UPDATE report SET signed_by = $2, signed_at = $3 WHERE referral_id = $1', [
        id,
        actor.id,
        applied.next.report!.signedAt,
      ]);
      return undefined;
    });
    return (await this.loadReport(this.ds.manager, id))!;
  }

  async addAddendum(actor: Actor, id: string, body: string): Promise<ReportView> {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      await this.transitions.apply(m, row, { type: 'add_addendum' }, actor);
      await m.query('INSERT INTO report_addendum (referral_id, author_id, body) VALUES ($1, $2, $3)', [
        id,
        actor.id,
        body.trim(),
      ]);
      return undefined;
    });
    return (await this.loadReport(this.ds.manager, id))!;
  }

  async loadReport(m: EntityManager, id: string): Promise<ReportView | null> {
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

  async plan(actor: Actor, id: string) {
    const scope = await this.referrals.readable(actor, id, 'plan.read');
    await this.audit.record({
      action: 'plan.read',
      resourceType: 'referral',
      resourceId: id,
      patientId: scope.patient_id,
      outcome: 'success',
    });
    return this.loadPlan(this.ds.manager, id);
  }

  /** Proposes the first plan or revises it: every change is a new version, and clears signatures. */
  async savePlan(actor: Actor, id: string, dto: PlanDto) {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      const appointment = dto.hubAppointment
        ? { at: new Date(dto.hubAppointment.at).toISOString(), department: dto.hubAppointment.department }
        : null;
      const content = {
        ...dto.content,
        ...(dto.hubAppointment?.place ? { appointmentPlace: dto.hubAppointment.place } : {}),
      };
      const [latest] = await m.query<{ content: Record<string, unknown> }[]>(
        'SELECT content FROM plan_version WHERE referral_id = $1 ORDER BY version DESC LIMIT 1',
        [id],
      );
      const event = row.snapshot.plan
        ? {
            type: 'revise_plan' as const,
            disposition: dto.disposition,
            hubAppointment: appointment,
            contentChanged: stableJson(latest?.content) !== stableJson(content),
          }
        : { type: 'propose_plan' as const, disposition: dto.disposition, hubAppointment: appointment };
      const applied = await this.transitions.apply(m, row, event, actor);
      await this.insertVersion(m, id, applied.next, content);
      return undefined;
    });
    return this.loadPlan(this.ds.manager, id);
  }

  /** A doctor signs the version they read; the second signature makes the plan binding. */
  async signPlan(actor: Actor, id: string, version: number) {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      const plan = row.snapshot.plan;
      const signer = planSignerOf(actor.role);
      const other = signer === 'community_doctor' ? 'specialist' : 'community_doctor';
      const type =
        plan && signer && plan.signatures[other]?.version === plan.version ? 'countersign_plan' : 'sign_plan';
      const applied = await this.transitions.apply(m, row, { type, version }, actor);
      const sig = applied.next.plan!.signatures[signer!]!;
      await m.query(
        'INSERT INTO plan_signature (referral_id, version, signer_role, user_id, signed_at) VALUES ($1, $2, $3, $4, $5)',
        [id, version, signer, actor.id, sig.at],
      );
      return undefined;
    });
    return this.loadPlan(this.ds.manager, id);
  }

  /** The coordinator books the hub appointment of a patient referred up: part of a new plan version. */
  async book(actor: Actor, id: string, dto: HubAppointmentDto) {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      const at = new Date(dto.at).toISOString();
      const applied = await this.transitions.apply(
        m,
        row,
        { type: 'set_appointment', hubAppointment: { at, department: dto.department } },
        actor,
      );
      const [prev] = await m.query<{ content: Record<string, unknown> }[]>(
        'SELECT content FROM plan_version WHERE referral_id = $1 ORDER BY version DESC LIMIT 1',
        [id],
      );
      await this.insertVersion(m, id, applied.next, { ...(prev?.content ?? {}), appointmentPlace: dto.place ?? null });
      return undefined;
    });
    return this.loadPlan(this.ds.manager, id);
  }

  private async insertVersion(m: EntityManager, id: string, next: ReferralSnapshot, content: Record<string, unknown>) {
    const p = next.plan!;
    await m.query(
      `INSERT INTO plan_version (referral_id, version, content, disposition, hub_appointment, changed_by, changed_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        id,
        p.version,
        JSON.stringify(content),
        p.disposition,
        p.hubAppointment ? JSON.stringify(p.hubAppointment) : null,
        p.changedBy,
        p.changedAt,
      ],
    );
  }

  async loadPlan(m: EntityManager, id: string) {
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

  /** The latest agreed decision of the signed-in patient, in plain words (Chinese and English). */
  async decision(actor: Actor) {
    const found = await this.decisionOf(actor.id);
    if (!found.decision) {
      await this.audit.record({
        action: 'decision.read',
        resourceType: 'patient',
        resourceId: actor.id,
        patientId: actor.id,
        outcome: 'not_found',
      });
      if (found.beingRevised)
        throw new AppError(
          'NOT_FOUND',
          'Your doctors are changing the decision they agreed. The new one appears here once both have signed it.',
          { reason: 'being_revised' },
        );
      throw notFound('Decision');
    }
    await this.audit.record({
      action: 'decision.read',
      resourceType: 'referral',
      resourceId: found.decision.referralId,
      patientId: actor.id,
      outcome: 'success',
    });
    return found.decision;
  }

  /**
   * A patient's latest agreed decision, unaudited (the caller audits its own read: the patient's page, the
   * printed patient sheet), or whether an agreed one is being changed.
   */
  async decisionOf(patientId: string) {
    const [row] = await this.ds.query<
      {
        id: string;
        number: string;
        state: string;
        snapshot: ReferralSnapshot;
        centre_zh: string;
        centre_en: string;
        hub_zh: string;
        hub_en: string;
        hub_address: string | null;
      }[]
    >(
      `SELECT r.id, r.number, r.state, r.snapshot, o.name_zh AS centre_zh, o.name_en AS centre_en,
              h.name_zh AS hub_zh, h.name_en AS hub_en, h.address AS hub_address
         FROM referral r JOIN facility o ON o.id = r.origin_facility_id LEFT JOIN facility h ON h.id = o.hub_id
        WHERE r.patient_id = $1 AND r.direction = 'up' AND r.state = ANY($2)
          AND r.snapshot->'plan' IS NOT NULL AND jsonb_typeof(r.snapshot->'plan') = 'object'
        ORDER BY r.updated_at DESC LIMIT 1`,
      [patientId, PATIENT_VISIBLE_STATES],
    );
    if (!row) {
      // An agreed plan being changed (e.g. the appointment rebooked) is back with the doctors: say so
      // rather than "no decision yet", and show nothing of the old version.
      const revising = await this.ds.query<unknown[]>(
        `SELECT 1 FROM referral r
          WHERE r.patient_id = $1 AND r.direction = 'up' AND r.state = 'reported'
            AND EXISTS (SELECT 1 FROM plan_signature s GROUP BY s.referral_id, s.version
                         HAVING s.referral_id = r.id AND count(*) = 2)
          LIMIT 1`,
        [patientId],
      );
      return { decision: null, beingRevised: revising.length > 0 };
    }
    const plan = await this.loadPlan(this.ds.manager, row.id);
    const agreedVersion = plan.versions.filter((v) => v.signatures.length === 2).pop();
    if (!agreedVersion) return { decision: null, beingRevised: false };
    const c = agreedVersion.content as Record<string, any>;
    const disposition = agreedVersion.disposition as keyof typeof DISPOSITION_LABELS;
    const appointment = agreedVersion.hubAppointment as { at: string; department: string | null } | null;
    const whereZh =
      disposition === 'manage_in_community'
        ? `在${row.centre_zh}继续治疗`
        : disposition === 'refer_up_emergency'
          ? `立即前往${row.hub_zh ?? '上级医院'}急诊科`
          : `前往${row.hub_zh ?? '上级医院'}${appointment?.department ?? ''}就诊`;
    const whereEn =
      disposition === 'manage_in_community'
        ? `Continue treatment at ${row.centre_en}`
        : disposition === 'refer_up_emergency'
          ? `Go to the emergency department of ${row.hub_en ?? 'the hub hospital'} now`
          : `Go to ${appointment?.department ? `${appointment.department}, ` : ''}${row.hub_en ?? 'the hub hospital'}`;
    const acknowledgedAt =
      row.snapshot.state === 'acknowledged' || row.state === 'closed'
        ? ((
            await this.ds.query<{ at: Date }[]>(
              `SELECT at FROM referral_event WHERE referral_id = $1 AND event = 'acknowledge' ORDER BY id DESC LIMIT 1`,
              [row.id],
            )
          )[0]?.at ?? null)
        : null;
    const decision = {
      referralId: row.id,
      number: row.number,
      version: agreedVersion.version,
      disposition,
      dispositionLabel: DISPOSITION_LABELS[disposition],
      where: { 'zh-CN': whereZh, en: whereEn },
      address: disposition === 'manage_in_community' ? null : row.hub_address,
      appointment: appointment ? { ...appointment, place: c.appointmentPlace ?? null } : null,
      diagnosis: c.diagnosis,
      medications: c.medications ?? [],
      tests: c.tests ?? null,
      followUp: c.followUp ?? null,
      instructions: c.instructions ?? null,
      bring: c.bring ?? null,
      warningSigns: c.warningSigns ?? null,
      seekHelpNow: {
        'zh-CN': '如出现胸痛加重、呼吸困难、晕厥或意识不清，请立即拨打 120 或前往最近的急诊。',
        en: 'If chest pain gets worse, or you are short of breath, faint or confused, call 120 or go to the nearest emergency department at once.',
      },
      acknowledged: row.state === 'acknowledged' || acknowledgedAt !== null,
      acknowledgedAt: acknowledgedAt ? new Date(acknowledgedAt).toISOString() : null,
    };
    return { decision, beingRevised: false };
  }

  async acknowledge(actor: Actor) {
    const d = await this.decision(actor);
    await this.referrals.inTransition(actor, d.referralId, undefined, async (m, row: ReferralRow) => {
      await this.transitions.apply(m, row, { type: 'acknowledge' }, actor, { planVersion: d.version });
      return undefined;
    });
    return this.decision(actor);
  }

  newBackReferralId(): string {
    return randomUUID();
  }
}
