import {
  commandOf,
  configureDimse,
  EncodedIdentifier,
  fileMetaHeader,
  FIND_STATUS,
  IMPLICIT_VR_LITTLE_ENDIAN,
  matchWorklist,
  MODALITY_WORKLIST_FIND,
  negotiatePresentationContexts,
  parseWorklistKeys,
  ReceivedDataset,
  SCP_TIMEOUTS,
  startDimseServer,
  STORAGE_ROOT,
  STORE_STATUS,
  trimUid,
  VERIFICATION,
  worklistAnswer,
  writeIdentifier,
  ZhiyinScpBase,
  type Association,
  type CFindRequest,
  type CFindResponse,
  type CStoreRequest,
  type DimseResponse,
  type DimseServer,
  type PresentationContext,
} from '@zhiyin/dimse';
import dimse from 'dcmjs-dimse';
import { createHash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { GATEWAY_IMPLEMENTATION } from './implementation.js';
import { QueueFullError, type DurableQueue } from './queue.js';
import type { WorklistCache } from './worklist-cache.js';

const { RejectReason, RejectResult, RejectSource } = dimse.constants;

const MAX_PDU = 1024 * 1024;

/**
 * One received instance: the File Meta Information, then the data set's bytes exactly as they arrive, into a
 * temporary file of the queue; flushed before it counts as received. Refused (its bytes dropped) when the queue is full.
 */
class ReceivingInstance extends Writable {
  private fh: FileHandle | undefined;
  private size = 0;
  readonly hash = createHash('sha256');
  readonly done: Promise<{ path: string; size: number } | { failure: number }>;
  private settle!: (v: { path: string; size: number } | { failure: number }) => void;

  constructor(
    readonly path: string,
    private readonly header: Buffer | undefined,
  ) {
    super();
    this.done = new Promise((resolve) => (this.settle = resolve));
    this.on('error', () => this.settle({ failure: STORE_STATUS.CANNOT_UNDERSTAND }));
  }

  override _construct(callback: (error?: Error | null) => void): void {
    if (!this.header) return callback();
    open(this.path, 'w', 0o600).then(
      async (fh) => {
        this.fh = fh;
        await fh.write(this.header!);
        this.size = this.header!.length;
        callback();
      },
      (e: Error) => callback(e),
    );
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, callback: (error?: Error | null) => void): void {
    if (!this.fh) return callback();
    this.size += chunk.length;
    this.fh.write(chunk).then(() => callback(), callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    if (!this.fh) {
      this.settle({ failure: STORE_STATUS.OUT_OF_RESOURCES });
      return callback();
    }
    const fh = this.fh;
    fh.sync()
      .then(() => fh.close())
      .then(
        () => {
          this.settle({ path: this.path, size: this.size });
          callback();
        },
        (e: Error) => callback(e),
      );
  }
}

export interface ScpServices {
  aeTitle: string;
  allowedAes: string[];
  queue: DurableQueue;
  worklist: WorklistCache;
}

// The gateway's DICOM service class provider on the centre's LAN: C-ECHO, C-STORE into the durable queue (answered
// only once the file is on disk; 0xA700 when the queue is full, so the modality keeps it and sends again), and the
// modality worklist answered from the cached copy of the hub's.
class GatewayScp extends ZhiyinScpBase {
  services!: ScpServices;
  private callingAe = '';

  override associationRequested(association: Association): void {
    const called = association.getCalledAeTitle().trim();
    const calling = association.getCallingAeTitle().trim();
    const reject = (reason: number) => this.rejectAssociation(RejectResult.Permanent, RejectSource.ServiceUser, reason);
    if (called !== this.services.aeTitle) return reject(RejectReason.CalledAeNotRecognized);
    if (this.services.allowedAes.length > 0 && !this.services.allowedAes.includes(calling))
      return reject(RejectReason.CallingAeNotRecognized);
    this.callingAe = calling;
    negotiatePresentationContexts(association, (abstract) =>
      abstract.startsWith(STORAGE_ROOT)
        ? 'stored'
        : abstract === VERIFICATION || abstract === MODALITY_WORKLIST_FIND
          ? 'uncompressed'
          : 'reject',
    );
    this.sendAssociationAccept();
  }

  override createStoreWritableStream(pc: PresentationContext, request: CStoreRequest): Writable {
    const command = commandOf(request);
    const accepted = pc.getResult() === dimse.constants.PresentationContextResult.Accept;
    // A full queue takes nothing more: the bytes are dropped and the answer is Out of Resources.
    const room =
      accepted && this.services.queue.fits(0) && this.services.queue.pendingBytes() < this.services.queue.maxBytes;
    const header = room
      ? fileMetaHeader(
          {
            sopClassUid: trimUid(command.sopClassUid),
            sopInstanceUid: trimUid(command.sopInstanceUid),
            transferSyntaxUid: pc.getAcceptedTransferSyntaxUid() ?? '',
            sourceAeTitle: this.callingAe,
          },
          GATEWAY_IMPLEMENTATION,
        )
      : undefined;
    return new ReceivingInstance(this.services.queue.tempPath(), header);
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: DimseResponse) => void): void {
    const respond = (status: number, comment?: string) => callback(this.storeResponse(request, status, comment));
    const dataset = request.getDataset();
    if (!(dataset instanceof ReceivedDataset)) return respond(STORE_STATUS.CANNOT_UNDERSTAND, 'NO_DATASET');
    const receiving = dataset.receiving as ReceivingInstance;
    const sop = trimUid(commandOf(request).sopInstanceUid);
    void receiving.done.then(async (received) => {
      if ('failure' in received) {
        await rm(receiving.path, { force: true });
        return respond(
          received.failure,
          received.failure === STORE_STATUS.OUT_OF_RESOURCES ? 'QUEUE_FULL' : 'WRITE_FAILED',
        );
      }
      try {
        await this.services.queue.add(received.path, { label: sop, source: 'dimse', size: received.size });
        respond(STORE_STATUS.SUCCESS);
      } catch (e) {
        await rm(received.path, { force: true });
        if (e instanceof QueueFullError) respond(STORE_STATUS.OUT_OF_RESOURCES, 'QUEUE_FULL');
        else respond(STORE_STATUS.OUT_OF_RESOURCES, 'WRITE_FAILED');
      }
    });
  }

  // The modality worklist from the cached copy of the hub's: the same keys and answers as the hub's own
  // worklist C-FIND, matched in memory.
  override cFindRequest(request: CFindRequest, callback: (responses: CFindResponse[]) => void): void {
    const answer = (status: number, comment?: string) => this.findResponse(request, status, comment);
    const sopClass = trimUid(commandOf(request).sopClassUid);
    const identifier = request.getDataset();
    if (sopClass !== MODALITY_WORKLIST_FIND || !identifier)
      return callback([answer(FIND_STATUS.SOP_CLASS_NOT_SUPPORTED)]);
    const asked = identifier.getElements();
    const keys = parseWorklistKeys(asked);
    if (keys === 'malformed') return callback([answer(FIND_STATUS.IDENTIFIER_DOES_NOT_MATCH, 'MALFORMED_KEY')]);
    const ts = identifier.getTransferSyntaxUid();
    // in the character set the hub registered the calling AE with (its copy comes with the worklist)
    const station = { aeTitle: this.callingAe, characterSet: this.services.worklist.characterSetOf(this.callingAe) };
    const pending = matchWorklist(this.services.worklist.all(), keys, this.callingAe).map((s) => {
      const r = answer(FIND_STATUS.PENDING);
      r.setDataset(
        new EncodedIdentifier(
          writeIdentifier(worklistAnswer(s, asked, station), ts !== IMPLICIT_VR_LITTLE_ENDIAN, station.characterSet),
          ts,
        ),
      );
      return r;
    });
    callback([...pending, answer(FIND_STATUS.SUCCESS)]);
  }
}

/** The DICOM listener of the gateway on GATEWAY_DICOM_HOST:GATEWAY_DICOM_PORT. */
export async function startDicomListener(host: string, port: number, services: ScpServices): Promise<DimseServer> {
  configureDimse(GATEWAY_IMPLEMENTATION, MAX_PDU);
  return startDimseServer({
    host,
    port,
    maxConnections: 32,
    scpFor: (socket) => {
      const scp = new GatewayScp(socket, SCP_TIMEOUTS);
      scp.services = services;
      return scp;
    },
  });
}
