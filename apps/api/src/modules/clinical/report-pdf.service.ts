import { Inject, Injectable } from '@nestjs/common';
import { decodeEcg, parseFull } from '@zhiyin/dicom';
import type { Service } from '@zhiyin/workflow';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import type { BlobStore } from '#src/modules/imaging/blob-store.js';
import { BLOB_STORE } from '#src/modules/imaging/stow.service.js';
import { tracingLeads, type TracingLeads } from './ecg-tracing.js';
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
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
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
      tracing: facts.service === 'ECG' ? await this.tracing(referralId) : null,
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

  /**
   * The referral's ECG waveform in µV (channel sensitivity, correction and baseline applied by the decoder), or
   * null when none is stored or it cannot be decoded: the written report still prints, without the tracing.
   */
  private async tracing(referralId: string): Promise<TracingLeads | null> {
    const file = await this.repo.ecgInstance(referralId);
    if (!file) return null;
    try {
      const bytes = await this.blobs.readBytes(file.sha256, 0, file.sizeBytes);
      return tracingLeads(decodeEcg(parseFull(bytes, { validate: false })));
    } catch {
      return null;
    }
  }
}
