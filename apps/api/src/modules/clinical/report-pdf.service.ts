import { Inject, Injectable } from '@nestjs/common';
import { decodeEcg, parseFull } from '@zhiyin/dicom';
import type { Service } from '@zhiyin/workflow';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { BLOB_STORE, type BlobStore } from '#src/modules/imaging/blob-store.js';
import { WadoService } from '#src/modules/imaging/wado.service.js';
import { KeyImagesRepository } from '#src/modules/key-images/key-images.repository.js';
import { tracingLeads, type TracingLeads } from './ecg-tracing.js';
import { ClinicalService } from './clinical.service.js';
import { keyImageCaption, renderReportPdf, type PrintedKeyImage } from './report-pdf.js';
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
    private readonly keyImages: KeyImagesRepository,
    private readonly wado: WadoService,
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
      keyImages: await this.printedKeyImages(referralId),
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
   * The key images of the report, each frame rendered as the viewer first shows it (the image's own window, else its
   * full range), scaled down to what print needs. A frame that cannot be rendered is printed as a caption with a note,
   * never dropped: the measurements stay on the paper.
   */
  private async printedKeyImages(referralId: string): Promise<PrintedKeyImage[]> {
    const out: PrintedKeyImage[] = [];
    for (const k of await this.keyImages.forPrint(referralId)) {
      let image: Buffer | null = null;
      try {
        const rendered = await this.wado.rendered(
          {
            ...k.instance,
            studyUid: k.studyInstanceUid,
            seriesUid: k.seriesInstanceUid,
            sopInstanceUid: k.sopInstanceUid,
          },
          k.frame,
          { type: 'image/jpeg', quality: 92, viewport: { width: 1024, height: 1024 }, withoutEnlargement: true },
        );
        image = rendered.body;
      } catch {
        image = null;
      }
      out.push({ caption: keyImageCaption({ ...k, frames: k.instance.frames }), measurements: k.measurements, image });
    }
    return out;
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
