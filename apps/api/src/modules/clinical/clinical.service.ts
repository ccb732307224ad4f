import { Injectable } from '@nestjs/common';
import {
  DISPOSITION_LABELS,
  PATIENT_VISIBLE_STATES,
  inStateGroup,
  planSignerOf,
  type ReferralSnapshot,
} from '@zhiyin/workflow';
import type { PlanView, ReportView } from '@zhiyin/contracts';
import { randomUUID } from 'node:crypto';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ReferralsService } from '#src/modules/referrals/referrals.service.js';
import { TransitionService, type ReferralRow } from '#src/modules/referrals/transition.service.js';
import type { HubAppointmentDto, PlanDto, ReportDraftDto } from './dto.js';
import { ClinicalRepository, type Tx } from './clinical.repository.js';

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
    private readonly repo: ClinicalRepository,
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
    const view = await this.loadReport(id);
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
      await this.repo.upsertDraft(m, id, actor.id, {
        findings: dto.findings ?? null,
        impression: dto.impression ?? null,
        diagnoses: dto.diagnoses ?? null,
        measurements: dto.measurements ?? null,
        disposition: dto.disposition ?? null,
      });
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
    return (await this.loadReport(id))!;
  }

  async sign(actor: Actor, id: string): Promise<ReportView> {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      const draft = await this.loadReport(id, m);
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
      await this.repo.signReport(m, id, actor.id, applied.next.report!.signedAt);
      return undefined;
    });
    return (await this.loadReport(id))!;
  }

  async addAddendum(actor: Actor, id: string, body: string): Promise<ReportView> {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      await this.transitions.apply(m, row, { type: 'add_addendum' }, actor);
      await this.repo.insertAddendum(m, id, actor.id, body.trim());
      return undefined;
    });
    return (await this.loadReport(id))!;
  }

  /** The referral's report, unaudited and unscoped (callers check the read); `m`: the caller's transaction. */
  loadReport(id: string, m?: Tx): Promise<ReportView | null> {
    return this.repo.report(id, m);
  }

  // ---- plan ----

  async plan(actor: Actor, id: string): Promise<PlanView> {
    const scope = await this.referrals.readable(actor, id, 'plan.read');
    await this.audit.record({
      action: 'plan.read',
      resourceType: 'referral',
      resourceId: id,
      patientId: scope.patient_id,
      outcome: 'success',
    });
    return this.loadPlan(id);
  }

  /** Proposes the first plan or revises it: every change is a new version, and clears signatures. */
  async savePlan(actor: Actor, id: string, dto: PlanDto): Promise<PlanView> {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      const appointment = dto.hubAppointment
        ? { at: new Date(dto.hubAppointment.at).toISOString(), department: dto.hubAppointment.department }
        : null;
      const content = {
        ...dto.content,
        ...(dto.hubAppointment?.place ? { appointmentPlace: dto.hubAppointment.place } : {}),
      };
      const latest = await this.repo.latestPlanContent(m, id);
      const event = row.snapshot.plan
        ? {
            type: 'revise_plan' as const,
            disposition: dto.disposition,
            hubAppointment: appointment,
            contentChanged: stableJson(latest) !== stableJson(content),
          }
        : { type: 'propose_plan' as const, disposition: dto.disposition, hubAppointment: appointment };
      const applied = await this.transitions.apply(m, row, event, actor);
      await this.insertVersion(m, id, applied.next, content);
      return undefined;
    });
    return this.loadPlan(id);
  }

  /** A doctor signs the version they read; the second signature makes the plan binding. */
  async signPlan(actor: Actor, id: string, version: number): Promise<PlanView> {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      const plan = row.snapshot.plan;
      const signer = planSignerOf(actor.role);
      const other = signer === 'community_doctor' ? 'specialist' : 'community_doctor';
      const type =
        plan && signer && plan.signatures[other]?.version === plan.version ? 'countersign_plan' : 'sign_plan';
      const applied = await this.transitions.apply(m, row, { type, version }, actor);
      const sig = applied.next.plan!.signatures[signer!]!;
      await this.repo.insertPlanSignature(m, {
        referralId: id,
        version,
        signerRole: signer,
        userId: actor.id,
        signedAt: sig.at,
      });
      return undefined;
    });
    return this.loadPlan(id);
  }

  /** The coordinator books the hub appointment of a patient referred up: part of a new plan version. */
  async book(actor: Actor, id: string, dto: HubAppointmentDto): Promise<PlanView> {
    await this.referrals.inTransition(actor, id, undefined, async (m, row) => {
      const at = new Date(dto.at).toISOString();
      const applied = await this.transitions.apply(
        m,
        row,
        { type: 'set_appointment', hubAppointment: { at, department: dto.department } },
        actor,
      );
      const prev = await this.repo.latestPlanContent(m, id);
      await this.insertVersion(m, id, applied.next, { ...(prev ?? {}), appointmentPlace: dto.place ?? null });
      return undefined;
    });
    return this.loadPlan(id);
  }

  private async insertVersion(m: Tx, id: string, next: ReferralSnapshot, content: Record<string, unknown>) {
    await this.repo.insertPlanVersion(m, id, next.plan!, content);
  }

  /** The referral's plan versions and signatures, unaudited and unscoped; `m`: the caller's transaction. */
  loadPlan(id: string, m?: Tx): Promise<PlanView> {
    return this.repo.plan(id, m);
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
    const row = await this.repo.decisionReferral(patientId, PATIENT_VISIBLE_STATES);
    if (!row) {
      // An agreed plan being changed (e.g. the appointment rebooked) is back with the doctors: say so
      // rather than "no decision yet", and show nothing of the old version.
      return { decision: null, beingRevised: await this.repo.agreedPlanBeingRevised(patientId) };
    }
    const plan = await this.loadPlan(row.id);
    const agreedVersion = plan.versions.filter((v) => v.signatures.length === 2).pop();
    if (!agreedVersion) return { decision: null, beingRevised: false };
    const c = agreedVersion.content as Record<string, any>;
    const disposition = agreedVersion.disposition;
    const appointment = agreedVersion.hubAppointment;
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
      row.snapshot.state === 'acknowledged' || row.state === 'closed' ? await this.repo.acknowledgedAt(row.id) : null;
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
