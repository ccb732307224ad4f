import { Inject, Injectable } from '@nestjs/common';
import { studyReadScope } from '@zhiyin/workflow';
import { auditedRole, requestContext } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { BLOB_STORE, type BlobStore } from '#src/modules/imaging/blob-store.js';
import { ImagingRepository, type RetrieveRow, type StudyTarget } from '#src/modules/imaging/imaging.repository.js';
import type { AeActor } from './association.js';
import { DicomAeRepository } from './dicom-ae.repository.js';

// C-MOVE / C-GET statuses (PS3.4 C.4.2.1.5, C.4.3.1.4).
export const RETRIEVE_STATUS = {
  SUCCESS: 0x0000,
  PENDING: 0xff00,
  CANCELLED: 0xfe00,
  WARNING_SUB_OPERATIONS: 0xb000,
  MOVE_DESTINATION_UNKNOWN: 0xa801,
  OUT_OF_RESOURCES_SUB_OPERATIONS: 0xa702,
  IDENTIFIER_DOES_NOT_MATCH: 0xa900,
  UNABLE_TO_PROCESS: 0xc000,
} as const;

type Naturalized = Record<string, unknown>;

/** A stored instance as it goes out in a C-STORE sub-operation: its data set exactly as kept. */
export interface OutgoingInstance {
  sopClassUid: string;
  sopInstanceUid: string;
  transferSyntaxUid: string;
  /** the data set after the File Meta Information, byte for byte as stored */
  dataset: Buffer;
}

export type Located = { ok: true; rows: RetrieveRow[] } | { ok: false; status: number; comment: string };

const UID = /^[0-9.]{1,64}$/;

function uidList(v: unknown): string[] | undefined {
  const values = (Array.isArray(v) ? v : [v]).flatMap((x) => (typeof x === 'string' ? x.split('\\') : []));
  const uids = values.map((x) => x.replace(/[\0 ]+$/, '').trim()).filter(Boolean);
  return uids.length > 0 && uids.every((u) => UID.test(u)) ? uids : undefined;
}

// The File Meta Information's elements (PS3.10 7.1, always Explicit VR Little Endian) and where the data set starts.
function splitPart10(file: Buffer): { meta: Map<number, string>; datasetOffset: number } {
  const meta = new Map<number, string>();
  let at = 132;
  while (at + 8 <= file.length && file.readUInt16LE(at) === 0x0002) {
    const element = file.readUInt16LE(at + 2);
    const vr = file.toString('latin1', at + 4, at + 6);
    const long = ['OB', 'OW', 'OF', 'SQ', 'UT', 'UN'].includes(vr);
    const length = long ? file.readUInt32LE(at + 8) : file.readUInt16LE(at + 6);
    const start = at + (long ? 12 : 8);
    if (vr === 'UI') meta.set(element, file.toString('latin1', start, start + length).replace(/[\0 ]+$/, ''));
    at = start + length;
  }
  return { meta, datasetOffset: at };
}

// Which stored instances a C-MOVE or C-GET names (PS3.4 C.4.2.2.1, C.6.2.2.2): the unique keys of the level and of
// every level above it, within the AE's read scope — the one rule of DICOMweb retrieval (`studyReadScope`, applied
// by the repository, which writes the retrieval's audit row with the query). Out of scope is the same as absent.
@Injectable()
export class QrRetrieveService {
  constructor(
    private readonly repo: ImagingRepository,
    private readonly audit: AuditService,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly aes: DicomAeRepository,
  ) {}

  async locate(identifier: Naturalized, actor: AeActor, via: string, clientIp: string | null): Promise<Located> {
    const requestId = crypto.randomUUID();
    return requestContext.run({ requestId, clientIp, actor }, async () => {
      const level = typeof identifier.QueryRetrieveLevel === 'string' ? identifier.QueryRetrieveLevel.trim() : '';
      const studies = uidList(identifier.StudyInstanceUID);
      const series = uidList(identifier.SeriesInstanceUID);
      const instances = uidList(identifier.SOPInstanceUID);
      let targets: StudyTarget[] | undefined;
      if (level === 'STUDY' && studies) targets = studies.map((studyUid) => ({ studyUid }));
      else if (level === 'SERIES' && studies?.length === 1 && series)
        targets = series.map((seriesUid) => ({ studyUid: studies[0]!, seriesUid }));
      else if (level === 'IMAGE' && studies?.length === 1 && series?.length === 1 && instances)
        targets = instances.map((sopInstanceUid) => ({
          studyUid: studies[0]!,
          seriesUid: series[0]!,
          sopInstanceUid,
        }));
      if (!targets) {
        await this.audit.record({
          action: 'study.retrieve',
          resourceType: 'study',
          outcome: 'failed',
          details: { reason: 'MALFORMED_KEY', via },
        });
        return { ok: false, status: RETRIEVE_STATUS.IDENTIFIER_DOES_NOT_MATCH, comment: 'MALFORMED_KEY' };
      }
      const scope = studyReadScope(actor);
      const rows: RetrieveRow[] = [];
      const seen = new Set<string>();
      for (const t of targets) {
        const found = await this.repo.findForRetrieve(t, scope, {
          actorId: actor.id,
          actorRole: auditedRole(actor),
          facilityId: actor.facilityId,
          requestId,
          // a DICOM association carries no client request id (X-Request-Id is HTTP's)
          clientRequestId: null,
          clientIp,
          what: via,
        });
        for (const r of found) if (!seen.has(r.sop_instance_uid) && seen.add(r.sop_instance_uid)) rows.push(r);
      }
      if (rows.length === 0)
        await this.audit.record({
          action: 'study.retrieve',
          resourceType: 'study',
          outcome: 'failed',
          details: { reason: 'NOT_FOUND', via, targets: targets.length },
        });
      return { ok: true, rows };
    });
  }

  /** The registered move destination of this name for the reading centre; an unknown one is audited as refused. */
  async destination(
    aeTitle: string,
    readingCentreId: string,
    actor: AeActor,
    clientIp: string | null,
  ): Promise<{ host: string; port: number } | undefined> {
    const found = await this.aes.findMoveDestination(aeTitle, readingCentreId);
    if (!found)
      await requestContext.run({ requestId: crypto.randomUUID(), clientIp, actor }, () =>
        this.audit.record({
          action: 'study.retrieve',
          resourceType: 'dicom_ae',
          outcome: 'denied',
          details: { reason: 'MOVE_DESTINATION_UNKNOWN', via: 'dimse-move' },
        }),
      );
    return found;
  }

  /** The stored file of an instance, as it goes out: its own transfer syntax, its data set unchanged. */
  async load(row: RetrieveRow): Promise<OutgoingInstance> {
    const file = await this.blobs.readBytes(row.sha256, 0, row.size_bytes);
    const { meta, datasetOffset } = splitPart10(file);
    return {
      sopClassUid: meta.get(0x0002) ?? '',
      sopInstanceUid: meta.get(0x0003) ?? row.sop_instance_uid,
      transferSyntaxUid: meta.get(0x0010) ?? row.transfer_syntax_uid,
      dataset: file.subarray(datasetOffset),
    };
  }

  /** The outcome of a retrieval, once its sub-operations are done (no patient data: counts and the destination). */
  async finished(
    actor: AeActor,
    clientIp: string | null,
    details: { via: string; completed: number; failed: number; warning: number; cancelled?: boolean },
  ): Promise<void> {
    await requestContext.run({ requestId: crypto.randomUUID(), clientIp, actor }, () =>
      this.audit.record({
        action: 'study.retrieve',
        resourceType: 'study',
        outcome: details.failed === 0 && !details.cancelled ? 'success' : 'failed',
        details: { ...details, stage: 'sub_operations' },
      }),
    );
  }
}
