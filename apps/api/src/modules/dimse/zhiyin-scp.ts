import dimse from 'dcmjs-dimse';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { AeActor, AssociationControl } from './association.js';
import { answerEcho } from './c-echo.js';
import { STORE_STATUS, type CStoreService, type ReceivingInstance, type StoreAnswer } from './c-store.js';
import type { KnownAe } from './dicom-ae.repository.js';
import { FIND_STATUS, MODALITY_WORKLIST_FIND, type MwlFindService } from './mwl-find.js';

const { Scp, Dataset } = dimse;
const { PresentationContextResult, Status } = dimse.constants;

type Association = InstanceType<typeof dimse.association.Association>;
type PresentationContext = InstanceType<typeof dimse.association.PresentationContext>;
type Request = InstanceType<typeof dimse.requests.Request>;
type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
type Response = InstanceType<typeof dimse.responses.Response>;
type ScpT = InstanceType<typeof Scp>;

/** What every association of the listener shares. */
export interface DimseServices {
  association: AssociationControl;
  store: CStoreService;
  worklist: MwlFindService;
  /** logs without patient data: ids, AE titles, codes */
  log: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
}

// The data set handed from the DIMSE layer to cStoreRequest: only a handle on the file being received.
class ReceivedDataset extends Dataset {
  constructor(
    readonly receiving: ReceivingInstance,
    transferSyntaxUid: string,
  ) {
    super({}, transferSyntaxUid);
  }
}

// A response identifier already encoded (in the presentation context's transfer syntax and the AE's character set).
class EncodedIdentifier extends Dataset {
  constructor(
    private readonly bytes: Buffer,
    transferSyntaxUid: string,
  ) {
    super({}, transferSyntaxUid);
  }
  override getDenaturalizedDataset(): Buffer {
    return this.bytes;
  }
}

const commandOf = (r: Request) => ({
  sopClassUid: (r as unknown as { getAffectedSopClassUid(): unknown }).getAffectedSopClassUid(),
  sopInstanceUid: (r as unknown as { getAffectedSopInstanceUid(): unknown }).getAffectedSopInstanceUid(),
});

/**
 * One association with a peer. dcmjs-dimse parses the PDUs and DIMSE commands; Zhiyin decides who may
 * associate, what is accepted, and answers each service. Anything the library would do with a received
 * data set (parse it whole in memory, then write it again) is replaced: the bytes go to disk as they came.
 */
export class ZhiyinScp extends Scp {
  services!: DimseServices;
  private actor: AeActor | undefined;
  private ae: KnownAe | undefined;
  private callingAeTitle = '';
  private readonly receiving = new Set<ReceivingInstance>();

  private get peer(): Socket {
    return (this as unknown as { socket: Socket }).socket;
  }

  override associationRequested(association: Association): void {
    void this.services.association.decide(association, this.peer.remoteAddress).then(
      (decision) => {
        if (!decision.ok) {
          this.services.log('info', { reason: decision.why }, 'DICOM association rejected');
          this.sendAssociationReject(decision.result, decision.source, decision.reason);
          // The requestor closes the connection on A-ASSOCIATE-RJ (PS3.8 9.2); one that does not is closed.
          setTimeout(() => this.peer.destroy(), 2000).unref();
          return;
        }
        this.actor = decision.actor;
        this.ae = decision.ae;
        this.callingAeTitle = decision.ae.aeTitle;
        this.sendAssociationAccept();
      },
      () => {
        // The register could not be read: a transient refusal, the peer may try again.
        this.sendAssociationReject(
          dimse.constants.RejectResult.Transient,
          dimse.constants.RejectSource.ServiceProviderPresentation,
          dimse.constants.RejectReason.TemporaryCongestion,
        );
        setTimeout(() => this.peer.destroy(), 2000).unref();
      },
    );
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }

  override abort(): void {
    this.peer.destroy();
  }

  override cEchoRequest(
    request: Parameters<ScpT['cEchoRequest']>[0],
    callback: Parameters<ScpT['cEchoRequest']>[1],
  ): void {
    callback(answerEcho(request));
  }

  override createStoreWritableStream(pc: PresentationContext, request: CStoreRequest): Writable {
    const accepted = pc.getResult() === PresentationContextResult.Accept && this.actor !== undefined;
    const refused: StoreAnswer | undefined = accepted
      ? undefined
      : { status: STORE_STATUS.SOP_CLASS_NOT_SUPPORTED, comment: 'PRESENTATION_CONTEXT_NOT_ACCEPTED' };
    const receiving = this.services.store.receiver(
      commandOf(request),
      pc.getAcceptedTransferSyntaxUid() ?? '',
      this.callingAeTitle,
      this.peer,
      refused,
    );
    this.receiving.add(receiving);
    return receiving;
  }

  override createDatasetFromStoreWritableStream(
    writable: Writable,
    pc: PresentationContext,
    callback: (dataset: InstanceType<typeof Dataset>) => void,
  ): void {
    // At once, with a handle: the next PDUs of this association must not arrive while this one is unset.
    callback(new ReceivedDataset(writable as ReceivingInstance, pc.getAcceptedTransferSyntaxUid() ?? ''));
  }

  override cStoreRequest(request: CStoreRequest, callback: (response: Response) => void): void {
    const dataset = request.getDataset();
    const respond = (answer: StoreAnswer) => {
      const response = dimse.responses.CStoreResponse.fromRequest(request);
      response.setStatus(answer.status);
      if (answer.comment) response.setErrorComment(answer.comment);
      callback(response);
    };
    if (!(dataset instanceof ReceivedDataset) || !this.actor) {
      respond({ status: STORE_STATUS.CANNOT_UNDERSTAND, comment: 'NO_DATASET' });
      return;
    }
    const receiving = dataset.receiving;
    this.services.store
      .store(receiving, commandOf(request), this.actor, this.peer.remoteAddress ?? null)
      .then(
        (answer) => {
          this.services.log(
            answer.status === STORE_STATUS.SUCCESS ? 'info' : 'warn',
            {
              callingAe: this.callingAeTitle,
              status: `0x${answer.status.toString(16).padStart(4, '0')}`,
              code: answer.comment,
            },
            'C-STORE',
          );
          respond(answer);
        },
        () => respond({ status: STORE_STATUS.PROCESSING_FAILURE, comment: 'PROCESSING_FAILURE' }),
      )
      .finally(() => this.receiving.delete(receiving));
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
    if (sopClass !== MODALITY_WORKLIST_FIND || !this.ae || !this.actor || !identifier) {
      // Services not offered (yet) answer "SOP class not supported".
      callback([answer(0x0122)]);
      return;
    }
    const ts = identifier.getTransferSyntaxUid();
    this.services.worklist
      .find(identifier.getElements(), this.ae, this.actor, ts !== '1.2.840.10008.1.2', this.peer.remoteAddress ?? null)
      .then(
        (found) => {
          const pending = found.matches.map((bytes) => {
            const r = answer(FIND_STATUS.PENDING);
            r.setDataset(new EncodedIdentifier(bytes, ts));
            return r;
          });
          callback([...pending, answer(found.status, found.comment)]);
        },
        () => callback([answer(0xc000, 'UNABLE_TO_PROCESS')]),
      );
  }

  override cMoveRequest(
    request: Parameters<ScpT['cMoveRequest']>[0],
    callback: Parameters<ScpT['cMoveRequest']>[1],
  ): void {
    const response = dimse.responses.CMoveResponse.fromRequest(request);
    response.setStatus(0x0122);
    callback([response]);
  }

  override cGetRequest(
    request: Parameters<ScpT['cGetRequest']>[0],
    callback: Parameters<ScpT['cGetRequest']>[1],
  ): void {
    const response = dimse.responses.CGetResponse.fromRequest(request);
    response.setStatus(0x0122);
    callback([response]);
  }

  /** The connection ended: data sets still being received are discarded (nothing half-stored). */
  async closed(): Promise<void> {
    await Promise.all([...this.receiving].map((r) => r.abandon()));
    this.receiving.clear();
  }
}

export { Status };
