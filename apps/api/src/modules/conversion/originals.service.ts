import { Inject, Injectable } from '@nestjs/common';
import type { OriginalFile } from '@zhiyin/contracts';
import type { ReadStream } from 'node:fs';
import { notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { BLOB_STORE, type BlobStore } from '#src/modules/imaging/blob-store.js';
import { WadoService } from '#src/modules/imaging/wado.service.js';
import { ConversionRepository, type KeptOriginal } from './conversion.repository.js';

@Injectable()
export class OriginalsService {
  constructor(
    private readonly wado: WadoService,
    private readonly repo: ConversionRepository,
    private readonly audit: AuditService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  /** Which instances of a study (in the caller's read scope, else 404) have their original file kept. */
  async ofStudy(actor: Actor, studyUid: string): Promise<OriginalFile[]> {
    const [inst] = await this.wado.instances(actor, { studyUid }, 'originals');
    const list = await this.repo.originalsOfStudy(inst!.studyId);
    await this.audit.record({
      action: 'study.retrieve',
      resourceType: 'study',
      resourceId: inst!.studyId,
      patientId: inst!.patientId,
      outcome: 'success',
      details: { what: 'originals', count: list.length },
    });
    return list;
  }

  /**
   * The original file of an instance in the caller's read scope (the same scope, 404 and audit as the
   * instance's own retrieval); 404 for an instance that was not converted from another format.
   */
  async open(
    actor: Actor,
    t: { studyUid: string; seriesUid: string; sopInstanceUid: string },
  ): Promise<{ original: KeptOriginal; stream: ReadStream }> {
    const [inst] = await this.wado.instances(actor, t, 'original');
    const original = await this.repo.originalOf(inst!.sopInstanceUid);
    if (!original) throw notFound('Original file');
    await this.audit.record({
      action: 'study.retrieve',
      resourceType: 'study',
      resourceId: inst!.studyId,
      patientId: inst!.patientId,
      outcome: 'success',
      details: { what: 'original', format: original.format },
    });
    return { original, stream: this.blobs.read(original.sha256) };
  }
}
