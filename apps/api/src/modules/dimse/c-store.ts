import { Inject, Injectable } from '@nestjs/common';
import { Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { requestContext } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { analysePart, fileSource } from '#src/modules/imaging/analyse-part.js';
import { BLOB_STORE, type BlobStore, type TempBlob } from '#src/modules/imaging/blob-store.js';
import { StowService } from '#src/modules/imaging/stow.service.js';
import type { AeActor } from './association.js';
import { fileMetaHeader, STORE_STATUS, trimUid } from '@zhiyin/dimse';
import { HUB_IMPLEMENTATION } from './implementation.js';

export interface StoreAnswer {
  status: number;
  /** ErrorComment (0000,0902): a stable code, never patient data */
  comment?: string;
}

const PREFIX_BYTES = 64 * 1024;
// Past this many bytes waiting for the disk, the peer is made to wait (TCP back-pressure).
const PAUSE_BYTES = 8 * 1024 * 1024;

type Received = { temp: TempBlob; sha256: string; size: number; prefix: Buffer } | { failure: StoreAnswer };

/**
 * Receives one C-STORE data set straight into a temporary file of the study store, behind the File Meta
 * Information made from the request: the data set's bytes are kept exactly as they arrived, never parsed
 * and written again. Never emits 'error' (the DIMSE layer listens for none): a failure is kept and
 * answered as the C-STORE status.
 */
export class ReceivingInstance extends Writable {
  private readonly temp: Promise<TempBlob>;
  private size = 0;
  private readonly prefix: Buffer[] = [];
  private prefixLength = 0;
  private failure: StoreAnswer | undefined;
  private sealed: Promise<string> | undefined;
  readonly done: Promise<Received>;
  private settle!: (r: Received) => void;

  constructor(
    blobs: BlobStore,
    header: Buffer,
    private readonly maxBytes: number,
    private readonly socket: Socket,
    refused?: StoreAnswer,
  ) {
    super({ highWaterMark: 64 * 1024 * 1024 });
    this.failure = refused;
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.temp = blobs.createTemp();
    this.temp.catch(() => undefined);
    void this.take(header).catch(
      () => (this.failure ??= { status: STORE_STATUS.OUT_OF_RESOURCES, comment: 'STORAGE_UNAVAILABLE' }),
    );
  }

  private take(chunk: Buffer): Promise<void> {
    if (this.failure) return Promise.resolve();
    if (this.size + chunk.length > this.maxBytes) {
      this.failure = { status: STORE_STATUS.OUT_OF_RESOURCES, comment: 'OBJECT_TOO_LARGE' };
      return Promise.resolve();
    }
    this.size += chunk.length;
    if (this.prefixLength < PREFIX_BYTES) {
      const part = chunk.subarray(0, PREFIX_BYTES - this.prefixLength);
      this.prefix.push(part);
      this.prefixLength += part.length;
    }
    return this.temp.then((t) => t.write(chunk));
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    if (this.writableLength > PAUSE_BYTES) this.socket.pause();
    this.take(chunk).then(
      () => {
        if (this.writableLength < PAUSE_BYTES / 4) this.socket.resume();
        cb();
      },
      () => {
        this.failure ??= { status: STORE_STATUS.OUT_OF_RESOURCES, comment: 'STORAGE_UNAVAILABLE' };
        this.socket.resume();
        cb();
      },
    );
  }

  override _final(cb: () => void): void {
    void this.finish().then(cb, cb);
  }

  private async finish(): Promise<void> {
    const temp = await this.temp.catch(() => undefined);
    if (!temp) {
      this.settle({ failure: { status: STORE_STATUS.OUT_OF_RESOURCES, comment: 'STORAGE_UNAVAILABLE' } });
      return;
    }
    if (this.failure) {
      await temp.discard();
      this.settle({ failure: this.failure });
      return;
    }
    try {
      this.sealed = temp.seal();
      const sha256 = await this.sealed;
      this.settle({ temp, sha256, size: this.size, prefix: Buffer.concat(this.prefix) });
    } catch {
      await temp.discard();
      this.settle({ failure: { status: STORE_STATUS.OUT_OF_RESOURCES, comment: 'STORAGE_UNAVAILABLE' } });
    }
  }

  /** Discards what was received when the association ends before the data set is complete. */
  async abandon(): Promise<void> {
    if (this.writableFinished) return;
    this.failure ??= { status: STORE_STATUS.PROCESSING_FAILURE, comment: 'ABORTED' };
    const temp = await this.temp.catch(() => undefined);
    await temp?.discard();
  }
}

// C-STORE SCP: the same ingest as STOW-RS (checks, content-addressed storage, index, audit, and the
// link of an Accession Number to the centre's referral), answered with the C-STORE status.
@Injectable()
export class CStoreService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly stow: StowService,
    private readonly audit: AuditService,
  ) {}

  /** The stream that receives a C-STORE data set; `refused` when the presentation context was not accepted. */
  receiver(
    command: { sopClassUid: unknown; sopInstanceUid: unknown },
    transferSyntaxUid: string,
    callingAeTitle: string,
    socket: Socket,
    refused?: StoreAnswer,
  ): ReceivingInstance {
    const header = fileMetaHeader(
      {
        sopClassUid: trimUid(command.sopClassUid),
        sopInstanceUid: trimUid(command.sopInstanceUid),
        transferSyntaxUid,
        sourceAeTitle: callingAeTitle,
      },
      HUB_IMPLEMENTATION,
    );
    return new ReceivingInstance(this.blobs, header, this.config.stowMaxPartBytes, socket, refused);
  }

  async store(
    receiving: ReceivingInstance,
    command: { sopClassUid: unknown; sopInstanceUid: unknown },
    actor: AeActor,
    clientIp: string | null,
  ): Promise<StoreAnswer> {
    return requestContext.run({ requestId: crypto.randomUUID(), clientIp, actor }, async () => {
      const received = await receiving.done;
      if ('failure' in received) {
        await this.refused(received.failure);
        return received.failure;
      }
      const { temp, sha256, size, prefix } = received;
      const analysed = await analysePart(fileSource(temp.path, size), prefix);
      // The data set must be the instance the command announces (PS3.4 B.2.3: A900 otherwise).
      if (
        !('code' in analysed) &&
        (analysed.summary.sopClassUid !== trimUid(command.sopClassUid) ||
          analysed.summary.sopInstanceUid !== trimUid(command.sopInstanceUid))
      ) {
        await temp.discard();
        const answer = { status: STORE_STATUS.DATASET_DOES_NOT_MATCH_SOP_CLASS, comment: 'SOP_UID_MISMATCH' };
        await this.refused(answer);
        return answer;
      }
      try {
        const result = await this.stow.ingest(
          [{ analysed, temp, sha256, size, prefix, contentType: 'application/dicom' }],
          actor,
          '/dicomweb',
        );
        if (result.status === 200) return { status: STORE_STATUS.SUCCESS };
        return failureOf(result.body);
      } catch {
        await temp.discard();
        return { status: STORE_STATUS.PROCESSING_FAILURE, comment: 'PROCESSING_FAILURE' };
      }
    });
  }

  // Refusals the ingest never saw are audited here, like the ingest audits its own.
  private async refused(answer: StoreAnswer): Promise<void> {
    await this.audit.record({
      action: 'study.store',
      resourceType: 'study',
      outcome: 'failed',
      details: { refused: { [answer.comment ?? 'REFUSED']: 1 }, via: 'dimse' },
    });
  }
}

// The ingest answers as STOW-RS does; its failure reason is already a C-STORE status (PS3.18 10.5 uses them).
function failureOf(body: Record<string, unknown>): StoreAnswer {
  const failed = (body['00081198'] as { Value?: Record<string, { Value?: unknown[] }>[] } | undefined)?.Value?.[0];
  const reason = failed?.['00081197']?.Value?.[0];
  const comment = failed?.['00000902']?.Value?.[0];
  return {
    status: typeof reason === 'number' ? reason : STORE_STATUS.PROCESSING_FAILURE,
    comment: typeof comment === 'string' ? comment.split(':')[0]!.slice(0, 64) : undefined,
  };
}
