import { Inject, Injectable } from '@nestjs/common';
import type { Service } from '@zhiyin/workflow';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { ClinicalService } from './clinical.service.js';
import { renderReportPdf } from './report-pdf.js';
import { ReportPdfRepository } from './report-pdf.repository.js';

/** Printing a signed report: who may, what it says, and the audit row of the read. */
@Injectable()
export class ReportPdfService {
  constructor(
    private readonly clinical: ClinicalService,
    private readonly repo: ReportPdfRepository,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async render(actor: Actor, referralId: string): Promise<{ number: string; body: Buffer }> {
    const { report, patientId } = await this.clinical.visibleReport(actor, referralId, 'report.pdf');
    if (!report?.signedAt)
      throw new AppError('STALE_STATE', 'There is no signed report yet.', { reason: 'no_signed_report' });
    const facts = await this.repo.facts(referralId);
    if (!facts) throw notFound('Referral');
    const body = await renderReportPdf({
      report,
      number: facts.number,
      service: facts.service as Service,
      modality: facts.modality,
      clinicalQuestion: facts.clinicalQuestion,
      hub: facts.hub,
      readingCentre: facts.readingCentre,
      centre: facts.centre,
      patient: facts.patient,
      studyDate: facts.studyDate,
      timeZone: this.config.timeZone,
    });
    await this.audit.record({
      action: 'report.pdf',
      resourceType: 'referral',
      resourceId: referralId,
      patientId,
      outcome: 'success',
    });
    return { number: facts.number, body };
  }
}
