import dimse from 'dcmjs-dimse';
import { supportedTransferSyntaxes } from '@zhiyin/dicom';
import { createHash } from 'node:crypto';
import { createServer, type Server, type Socket } from 'node:net';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { Writable } from 'node:stream';
import { fileMetaHeader, IMPLEMENTATION_CLASS_UID, IMPLEMENTATION_VERSION } from './part10.js';
import { QueueFullError, type DurableQueue } from './queue.js';
import { writeWorklistAnswer, type WorklistCharset } from './worklist-answer.js';
import { matchWorklist } from './worklist-match.js';
import type { WorklistCache } from './worklist-cache.js';

const { Scp, Dataset } = dimse;
const { PresentationContextResult, RejectReason, RejectResult, RejectSource } = dimse.constants;

type Association = InstanceType<typeof dimse.association.Association>;
type PresentationContext = InstanceType<typeof dimse.association.PresentationContext>;
type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type Response = InstanceType<typeof dimse.responses.Response>;
type ScpT = InstanceType<typeof Scp>;

const VERIFICATION = '1.2.840.10008.1.1';
const MODALITY_WORKLIST_FIND = '1.2.840.10008.5.1.4.31';
// Every storage SOP class of PS3.4 Annex B lives under this root (images, 12-lead and other ECG waveforms, PDF, SR).
const STORAGE_ROOT = '1.2.840.10008.5.1.4.1.1.';
const UNCOMPRESSED = new Set(['1.2.840.10008.1.2.1', '1.2.840.10008.1.2']);
const STORED = new Set(supportedTransferSyntaxes().map((t) => t.uid));
const MAX_PDU = 1024 * 1024;

// C-STORE statuses (PS3.4 B.2.3).
export const STORE_STATUS = { SUCCESS: 0x0000, OUT_OF_RESOURCES: 0xa700, CANNOT_UNDERSTAND: 0xc000 } as const;

const trimUid = (v: unknown) => (typeof v === 'string' ? v : '').replace(/[\0 ]+$/, '');

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

// A worklist answer written by the gateway in the calling AE's character set; the library sends these bytes as they are.
class WorklistAnswerDataset extends Dataset {
  private readonly bytes: Buffer;
  constructor(answer: Record<string, unknown>, charset: WorklistCharset, ts: string) {
    super({}, ts);
    this.bytes = writeWorklistAnswer(answer, charset, ts !== '1.2.840.10008.1.2');
  }
  override getDenaturalizedDataset(): Buffer {
    return this.bytes;
  }
}

class ReceivedDataset extends Dataset {
  constructor(
    readonly receiving: ReceivingInstance,
    ts: string,
  ) {
    super({}, ts);
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
class GatewayScp extends Scp {
  services!: ScpServices;
  private callingAe = '';

  private get peer(): Socket {
    return (this as unknown as { socket: Socket }).socket;
  }

  override associationRequested(association: Association): void {
    const called = association.getCalledAeTitle().trim();
    const calling = association.getCallingAeTitle().trim();
    const reject = (reason: number) => {
      this.sendAssociationReject(RejectResult.Permanent, RejectSource.ServiceUser, reason);
      setTimeout(() => this.peer.destroy(), 2000).unref();
    };
    if (called !== this.services.aeTitle) return reject(RejectReason.CalledAeNotRecognized);
    if (this.services.allowedAes.length > 0 && !this.services.allowedAes.includes(calling))
      return reject(RejectReason.CallingAeNotRecognized);
    this.callingAe = calling;
    for (const { id } of association.getPresentationContexts()) {
      const pc = association.getPresentationContext(id);
      const abstract = pc.getAbstractSyntaxUid().replace(/[\0 ]+$/, '');
      const storage = abstract.startsWith(STORAGE_ROOT);
      if (!storage && abstract !== VERIFICATION && abstract !== MODALITY_WORKLIST_FIND) {
        pc.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
        continue;
      }
      const ts = pc
        .getTransferSyntaxUids()
        .map((t) => t.replace(/[\0 ]+$/, ''))
        .find((t) => (storage ? STORED.has(t) : UNCOMPRESSED.has(t)));
      if (ts) pc.setResult(PresentationContextResult.Accept, ts);
      else pc.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
    }
    this.sendAssociationAccept();
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }

  override cEchoRequest(
    request: Parameters<ScpT['cEchoRequest']>[0],
    callback: Parameters<ScpT['cEchoRequest']>[1],
  ): void {
    const response = dimse.responses.CEchoResponse.fromRequest(request);
    response.setStatus(dimse.constants.Status.Success);
    callback(response);
  }

  override createStoreWritableStream(pc: PresentationContext, request: CStoreRequest): Writable {
    const r = request as unknown as { getAffectedSopClassUid(): unknown; getAffectedSopInstanceUid(): unknown };
    const accepted = pc.getResult() === PresentationContextResult.Accept;
    // A full queue takes nothing more: the bytes are dropped and the answer is Out of Resources.
    const room =
      accepted && this.services.queue.fits(0) && this.services.queue.pendingBytes() < this.services.queue.maxBytes;
    const header = room
      ? fileMetaHeader({
          sopClassUid: trimUid(r.getAffectedSopClassUid()),
          sopInstanceUid: trimUid(r.getAffectedSopInstanceUid()),
          transferSyntaxUid: pc.getAcceptedTransferSyntaxUid() ?? '',
          sourceAeTitle: this.callingAe,
        })
      : undefined;
    return new ReceivingInstance(this.services.queue.tempPath(), header);
  }

  override createDatasetFromStoreWritableStream(
    writable: Writable,
    pc: PresentationContext,
    callback: (dataset: InstanceType<typeof Dataset>) => void,
  ): void {
    callback(new ReceivedDataset(writable as ReceivingInstance, pc.getAcceptedTransferSyntaxUid() ?? ''));
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: Response) => void): void {
    const respond = (status: number, comment?: string) => {
      const response = dimse.responses.CStoreResponse.fromRequest(request);
      response.setStatus(status);
      if (comment) response.setErrorComment(comment);
      callback(response);
    };
    const dataset = request.getDataset();
    if (!(dataset instanceof ReceivedDataset)) return respond(STORE_STATUS.CANNOT_UNDERSTAND, 'NO_DATASET');
    const sop = trimUid((request as unknown as { getAffectedSopInstanceUid(): unknown }).getAffectedSopInstanceUid());
    void dataset.receiving.done.then(async (received) => {
      if ('failure' in received) {
        await rm(dataset.receiving.path, { force: true });
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

  override cFindRequest(
    request: Parameters<ScpT['cFindRequest']>[0],
    callback: Parameters<ScpT['cFindRequest']>[1],
  ): void {
    const answer = (status: number, comment?: string) => {
      const response = dimse.responses.CFindResponse.fromRequest(request);
      response.setStatus(status);
      if (comment) response.setErrorComment(comment);
      return response;
    };
    const sopClass = (request as unknown as { getAffectedSopClassUid(): string }).getAffectedSopClassUid();
    const identifier = request.getDataset();
    if (sopClass !== MODALITY_WORKLIST_FIND || !identifier) return callback([answer(0x0122)]);
    const found = matchWorklist(this.services.worklist.all(), identifier.getElements());
    if (found === 'malformed') return callback([answer(0xa900, 'MALFORMED_KEY')]);
    const ts = identifier.getTransferSyntaxUid();
    const charset = this.services.worklist.characterSetOf(this.callingAe);
    const pending = found.map((elements) => {
      const r = answer(0xff00);
      r.setDataset(new WorklistAnswerDataset(elements, charset, ts));
      return r;
    });
    callback([...pending, answer(0x0000)]);
  }
}

/** The DICOM listener of the gateway on GATEWAY_DICOM_HOST:GATEWAY_DICOM_PORT. */
export async function startDicomListener(
  host: string,
  port: number,
  services: ScpServices,
): Promise<{ server: Server; port: number; close(): Promise<void> }> {
  dimse.log.setLevel('silent');
  dimse.Implementation.setImplementationClassUid(IMPLEMENTATION_CLASS_UID);
  dimse.Implementation.setImplementationVersion(IMPLEMENTATION_VERSION);
  dimse.Implementation.setMaxPduLength(MAX_PDU);
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const scp = new GatewayScp(socket, { associationTimeout: 30_000, pduTimeout: 120_000, connectTimeout: 300_000 });
    scp.services = services;
    (scp as unknown as { connected: boolean }).connected = true;
    scp.on('networkError', () => socket.destroy());
    socket.on('close', () => sockets.delete(socket));
  });
  server.maxConnections = 32;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  const a = server.address();
  return {
    server,
    port: a && typeof a === 'object' ? a.port : port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const s of sockets) s.destroy();
      }),
  };
}
