import { Inject, Injectable } from '@nestjs/common';
import { refersUp, type Disposition, type Service } from '@zhiyin/workflow';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ReferralsService } from '#src/modules/referrals/referrals.service.js';
import { ClinicalService } from './clinical.service.js';
import { renderReferralForm } from './referral-form.js';
import { ReferralFormRepository } from './referral-form.repository.js';

const sendsUp = (d: string | null | undefined) => Boolean(d && refersUp(d as Disposition));

/** Printing the referral form (转诊单): who may, when there is one, what it says, and the audit row. */
@Injectable()
export class ReferralFormService {
  constructor(
    private readonly referrals: ReferralsService,
    private readonly clinical: ClinicalService,
    private readonly repo: ReferralFormRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async render(actor: Actor, referralId: string): Promise<{ number: string; body: Buffer }> {
    // The report PDF's read scope; a refusal is a 404, audited.
    const scope = await this.referrals.readable(actor, referralId, 'referral_form.pdf');
    const facts = await this.repo.facts(referralId);
    if (!facts) throw notFound('Referral');
    const report = await this.clinical.loadReport(facts.clinicalReferralId);
    const signed = report?.signedAt ? report : null;
    const plan = await this.clinical.loadPlan(facts.clinicalReferralId);
    const version = plan.versions.filter((v) => v.signatures.length === 2).pop() ?? plan.current;
    // A referral up has a form once the patient is sent to the hub (the plan or the signed report says so);
    // a referral back down always has one.
    const applies =
      facts.direction === 'down' ||
      sendsUp(version?.disposition) ||
      sendsUp(facts.planDisposition) ||
      sendsUp(signed?.disposition);
    if (!applies) {
      await this.audit.record({
        action: 'referral_form.pdf',
        resourceType: 'referral',
        resourceId: referralId,
        patientId: scope.patient_id,
        outcome: 'failed',
        details: { reason: 'not_referred' },
      });
      throw new AppError(
        'STALE_STATE',
        'This referral does not send the patient to the hub (yet): there is no referral form.',
        {
          reason: 'not_referred',
        },
      );
    }
    const body = await renderReferralForm({
      direction: facts.direction,
      number: facts.number,
      service: facts.service as Service,
      priority: facts.priority,
      patient: facts.patient,
      from: facts.from,
      to: facts.to,
      clinicalQuestion: facts.clinicalQuestion,
      history: facts.history,
      report: signed,
      plan: version
        ? {
            agreed: version.signatures.length === 2,
            disposition: version.disposition,
            content: { ...version.content },
            hubAppointment: version.hubAppointment,
            signatures: version.signatures,
          }
        : null,
      referredBy: facts.referredBy,
      referredAt: facts.referredAt,
      printedAt: new Date().toISOString(),
      timeZone: this.config.timeZone,
    });
    await this.audit.record({
      action: 'referral_form.pdf',
      resourceType: 'referral',
      resourceId: referralId,
      patientId: scope.patient_id,
      outcome: 'success',
      details: { direction: facts.direction },
    });
    return { number: facts.number, body };
  }
}
