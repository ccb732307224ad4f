import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { BLOB_STORE, type BlobStore } from '#src/modules/imaging/blob-store.js';
import { StowService, type StowResult } from '#src/modules/imaging/stow.service.js';
import { decodeAecg } from './aecg.js';
import {
  ConversionRepository,
  type ConvertedInstance,
  type KeptOriginal,
  type ReferralPatient,
} from './conversion.repository.js';
import { FORMAT_NAME, MEDIA_TYPE, type SourceKind } from './detect.js';
import { writeEcgInstance, writePdfInstance, writePhotoInstance, type ConversionTarget } from './dicom-writer.js';
import { checkPdf, readPhoto } from './photo.js';
import { decodeScpEcg } from './scp-ecg.js';

export type ConvertibleKind = Exclude<SourceKind, 'dicom'>;

/** A received file that is not DICOM: where it is, and what it was found to be. */
export interface ReceivedSource {
  path: string;
  size: number;
  sha256: string;
  kind: ConvertibleKind;
  /** the name the sender gave it (kept with the original, never logged) */
  fileName?: string;
}

// Cart files are small (an aECG of 10 s is under 1 MB, a PDF printout a few hundred KB); a file far past
// this is not an ECG, and is refused before it is read into memory to be converted.
export const MAX_SOURCE_BYTES = 64 * 1024 * 1024;

const now = () => new Date().toISOString().replace(/\D/g, '').slice(0, 14);

// Files that ECG carts and centres make besides DICOM — HL7 aECG, SCP-ECG, a PDF of the tracing, a photo
// of the paper — become DICOM instances of the referral's patient and go through the same ingest as any
// DICOM file (checks, storage, index, audit, referral link); the original is kept beside the instance.
// Any entry point (the desk's upload, the gateway) calls `ingest`.
@Injectable()
export class ConversionService {
  constructor(
    private readonly repo: ConversionRepository,
    private readonly stow: StowService,
    private readonly audit: AuditService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
  ) {}

  /**
   * Converts the file for the referral and stores the instance and the original. A file that cannot be
   * read is refused with the reason (ECG_FILE_INVALID, ECG_FILE_UNSUPPORTED, DOCUMENT_INVALID) and nothing
   * is stored; without a referral there is no patient to write it for (REFERRAL_REQUIRED).
   */
  async ingest(
    actor: Actor,
    referralId: string | undefined,
    source: ReceivedSource,
    baseUrl: string,
  ): Promise<StowResult> {
    const format = FORMAT_NAME[source.kind];
    if (!referralId) {
      throw new AppError(
        'REFERRAL_REQUIRED',
        `A ${format} file has no patient of its own in Zhiyin: upload it into a referral.`,
        { format: source.kind },
      );
    }
    if (source.size > MAX_SOURCE_BYTES) {
      throw new AppError(
        'PAYLOAD_TOO_LARGE',
        `A ${format} file larger than ${MAX_SOURCE_BYTES / 1024 / 1024} MB is not converted; send the ECG itself.`,
        { format: source.kind },
      );
    }
    const patient = actor.facilityId ? await this.repo.referralPatient(actor.facilityId, referralId) : undefined;
    if (!patient) throw notFound('Referral');
    // The same file sent again (a retried upload, a gateway resending after a cut link) is the instance it
    // became the first time: no second study.
    const before = await this.repo.convertedBefore(referralId, source.sha256);
    if (before) {
      await this.audit.record({
        action: 'study.store',
        resourceType: 'study',
        resourceId: before.studyId,
        patientId: patient.patientId,
        outcome: 'success',
        details: { format: source.kind, referralId, alreadyStored: before.sopInstanceUid },
      });
      await rm(source.path, { force: true });
      return alreadyStored(before, baseUrl);
    }
    let dicom: Buffer;
    try {
      dicom = await this.convert(source.kind, await readFile(source.path), target(patient, format));
    } catch (err) {
      const code = err instanceof AppError ? err.code : 'ECG_FILE_INVALID';
      await this.audit.record({
        action: 'study.store',
        resourceType: 'study',
        patientId: patient.patientId,
        outcome: 'failed',
        details: { refused: { [code]: 1 }, format: source.kind, referralId },
      });
      if (err instanceof AppError) throw err;
      throw new AppError('ECG_FILE_INVALID', `This ${format} file cannot be read.`, { format: source.kind });
    }
    // The original goes into the store first (content-addressed, durable), held from the sweep until it is
    // linked to its instance; if the instance is refused it is left unreferenced and swept later.
    const unpin = this.blobs.pin(source.sha256);
    try {
      await this.blobs.commit({ path: source.path }, source.sha256);
      const result = await this.stow.ingest(
        [
          {
            temp: { path: '', data: [dicom], discard: () => Promise.resolve() },
            sha256: createHash('sha256').update(dicom).digest('hex'),
            size: dicom.length,
            prefix: dicom.subarray(0, 64 * 1024),
            contentType: 'application/dicom',
          },
        ],
        actor,
        baseUrl,
        undefined,
        referralId,
      );
      const stored = storedInstanceUid(result);
      if (stored) {
        const original: KeptOriginal = {
          format: source.kind,
          mediaType: MEDIA_TYPE[source.kind],
          fileName: source.fileName?.slice(0, 255) ?? null,
          sha256: source.sha256,
          sizeBytes: source.size,
        };
        await this.repo.keepOriginal(stored, original);
        await this.audit.record({
          action: 'instance.original.store',
          resourceType: 'instance',
          resourceId: stored,
          patientId: patient.patientId,
          outcome: 'success',
          details: { format: source.kind, sizeBytes: source.size, referralId },
        });
      }
      return result;
    } finally {
      unpin();
    }
  }

  private async convert(kind: ConvertibleKind, bytes: Buffer, t: ConversionTarget): Promise<Buffer> {
    switch (kind) {
      case 'aecg':
        return writeEcgInstance(decodeAecg(bytes), t);
      case 'scp-ecg':
        return writeEcgInstance(decodeScpEcg(bytes), t);
      case 'pdf':
        checkPdf(bytes);
        return writePdfInstance(bytes, t, 'ECG (PDF)');
      case 'jpeg':
      case 'png':
        return writePhotoInstance(await readPhoto(bytes, kind), t);
    }
  }
}

function target(p: ReferralPatient, sourceFormat: string): ConversionTarget {
  return {
    patient: { mrn: p.mrn, familyName: p.familyName, givenName: p.givenName, birthDate: p.birthDate, sex: p.sex },
    accessionNumber: p.referralNumber,
    receivedAt: now(),
    sourceFormat,
  };
}

function storedInstanceUid(r: StowResult): string | undefined {
  const seq = r.body['00081199'] as { Value?: Record<string, { Value?: string[] }>[] } | undefined;
  return seq?.Value?.[0]?.['00081155']?.Value?.[0];
}

/** The STOW-RS answer for an instance that is stored already (PS3.18 10.5.3: a success, not a duplicate). */
function alreadyStored(i: ConvertedInstance, baseUrl: string): StowResult {
  const ui = (v: string) => ({ vr: 'UI', Value: [v] });
  return {
    status: 200,
    body: {
      '00081190': { vr: 'UR', Value: [`${baseUrl}/studies/${i.studyUid}`] },
      '00081199': {
        vr: 'SQ',
        Value: [
          {
            '00081150': ui(i.sopClassUid),
            '00081155': ui(i.sopInstanceUid),
            '00081190': {
              vr: 'UR',
              Value: [`${baseUrl}/studies/${i.studyUid}/series/${i.seriesUid}/instances/${i.sopInstanceUid}`],
            },
          },
        ],
      },
    },
  };
}
