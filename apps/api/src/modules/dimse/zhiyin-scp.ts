import {
  commandOf,
  EncodedIdentifier,
  FIND_STATUS,
  IMPLICIT_VR_LITTLE_ENDIAN,
  MODALITY_WORKLIST_FIND,
  ReceivedDataset,
  STORE_STATUS,
  STUDY_ROOT_FIND,
  STUDY_ROOT_GET,
  STUDY_ROOT_MOVE,
  writeIdentifier,
  ZhiyinScpBase,
  type Association,
  type CStoreRequest,
  type DimseDataset,
  type DimseRequest,
  type DimseResponse,
  type PresentationContext,
} from '@zhiyin/dimse';
import dimse from 'dcmjs-dimse';
import type { Writable } from 'node:stream';
import type { AeActor, AssociationControl } from './association.js';
import type { CStoreService, ReceivingInstance, StoreAnswer } from './c-store.js';
import type { KnownAe } from './dicom-ae.repository.js';
import type { MwlFindService } from './mwl-find.js';
import type { QrFindService } from './qr-find.js';
import { RETRIEVE_STATUS, type OutgoingInstance, type QrRetrieveService } from './qr-retrieve.js';
import { openMoveAssociation } from './move-scu.js';
import { OutgoingDataset } from './outgoing-dataset.js';
import { runSubOperations, type SubOperationCounts } from './sub-operations.js';

const { PresentationContextResult, Status } = dimse.constants;

type CGetResponse = InstanceType<typeof dimse.responses.CGetResponse>;
type CMoveResponse = InstanceType<typeof dimse.responses.CMoveResponse>;
type ScpT = InstanceType<typeof dimse.Scp>;

/** What every association of the listener shares. */
export interface DimseServices {
  association: AssociationControl;
  store: CStoreService;
  worklist: MwlFindService;
  studyFind: QrFindService;
  retrieve: QrRetrieveService;
  /** the hub's own AE title, the calling AE of its move associations */
  callingAeTitle: string;
  /** logs without patient data: ids, AE titles, codes */
  log: (level: 'info' | 'warn', fields: Record<string, unknown>, message: string) => void;
}

/**
 * One association of the hub with a peer: who may associate and what is accepted (association control), C-STORE
 * into the study store (the bytes go to disk as they came), the worklist and study root queries, C-MOVE and C-GET.
 */
export class ZhiyinScp extends ZhiyinScpBase {
  services!: DimseServices;
  private actor: AeActor | undefined;
  private ae: KnownAe | undefined;
  private callingAeTitle = '';
  private readonly receiving = new Set<ReceivingInstance>();

  override associationRequested(association: Association): void {
    void this.services.association.decide(association, this.peer.remoteAddress).then(
      (decision) => {
        if (!decision.ok) {
          this.services.log('info', { reason: decision.why }, 'DICOM association rejected');
          this.rejectAssociation(decision.result, decision.source, decision.reason);
          return;
        }
        this.actor = decision.actor;
        this.ae = decision.ae;
        this.callingAeTitle = decision.ae.aeTitle;
        this.sendAssociationAccept();
      },
      () => {
        // The register could not be read: a transient refusal, the peer may try again.
        this.rejectAssociation(
          dimse.constants.RejectResult.Transient,
          dimse.constants.RejectSource.ServiceProviderPresentation,
          dimse.constants.RejectReason.TemporaryCongestion,
        );
      },
    );
  }

  override abort(): void {
    this.peer.destroy();
  }

  override createStoreWritableStream(pc: PresentationContext, request: CStoreRequest): Writable {
    // Only a modality stores into the hub; a workstation's storage contexts are for the C-GETs it receives.
    const accepted =
      pc.getResult() === PresentationContextResult.Accept && this.actor !== undefined && this.ae?.kind === 'modality';
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

  override cStoreRequest(request: CStoreRequest, callback: (response: DimseResponse) => void): void {
    const dataset = request.getDataset();
    const respond = (answer: StoreAnswer) => callback(this.storeResponse(request, answer.status, answer.comment));
    if (!(dataset instanceof ReceivedDataset) || !this.actor) {
      respond({ status: STORE_STATUS.CANNOT_UNDERSTAND, comment: 'NO_DATASET' });
      return;
    }
    const receiving = dataset.receiving as ReceivingInstance;
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
    const answer = (status: number, comment?: string) => this.findResponse(request, status, comment);
    const sopClass = (request as unknown as { getAffectedSopClassUid(): string }).getAffectedSopClassUid();
    const identifier = request.getDataset();
    // Only the information model this kind of AE is offered (as association control negotiates it): the
    // worklist for modalities, study root queries for workstations.
    const service =
      sopClass === MODALITY_WORKLIST_FIND && this.ae?.kind === 'modality'
        ? this.services.worklist
        : sopClass === STUDY_ROOT_FIND && this.ae?.kind === 'workstation'
          ? this.services.studyFind
          : undefined;
    if (!service || !this.ae || !this.actor || !identifier) {
      // Services not offered answer "SOP class not supported".
      callback([answer(FIND_STATUS.SOP_CLASS_NOT_SUPPORTED)]);
      return;
    }
    const ts = identifier.getTransferSyntaxUid();
    service
      .find(
        identifier.getElements(),
        this.ae,
        this.actor,
        ts !== IMPLICIT_VR_LITTLE_ENDIAN,
        this.peer.remoteAddress ?? null,
      )
      .then(
        (found) => {
          const pending = found.matches.map((bytes) => {
            const r = answer(FIND_STATUS.PENDING);
            r.setDataset(new EncodedIdentifier(bytes, ts));
            return r;
          });
          callback([...pending, answer(found.status, found.comment)]);
        },
        () => callback([answer(FIND_STATUS.UNABLE_TO_PROCESS, 'UNABLE_TO_PROCESS')]),
      );
  }

  override cMoveRequest(
    request: Parameters<ScpT['cMoveRequest']>[0],
    callback: Parameters<ScpT['cMoveRequest']>[1],
  ): void {
    const respond = this.retrieveResponder(request, () => dimse.responses.CMoveResponse.fromRequest(request), callback);
    const sopClass = (request as unknown as { getAffectedSopClassUid(): string }).getAffectedSopClassUid();
    const identifier = request.getDataset();
    const actor = this.actor;
    const ae = this.ae;
    if (sopClass !== STUDY_ROOT_MOVE || ae?.kind !== 'workstation' || !ae.readingCentreId || !actor || !identifier) {
      respond(0x0122);
      return;
    }
    const destinationAe = String(request.getCommandDataset().getElement('MoveDestination') ?? '').trim();
    const messageId = request.getMessageId();
    const clientIp = this.peer.remoteAddress ?? null;
    const via = 'dimse-move';
    void (async () => {
      // Only a workstation of the caller's own reading centre the administrator registered as a destination:
      // the hub never sends a study to an address a peer names.
      const destination = destinationAe
        ? await this.services.retrieve.destination(destinationAe, ae.readingCentreId!, actor, clientIp)
        : undefined;
      if (!destination) return respond(RETRIEVE_STATUS.MOVE_DESTINATION_UNKNOWN, undefined, 'MOVE_DESTINATION_UNKNOWN');
      const located = await this.services.retrieve.locate(identifier.getElements(), actor, via, clientIp);
      if (!located.ok) return respond(located.status, undefined, located.comment);
      const instances = await Promise.all(located.rows.map((row) => this.services.retrieve.load(row)));
      const byUid = new Map(instances.map((i) => [i.sopInstanceUid, i]));
      const sender = await openMoveAssociation(destination, this.services.callingAeTitle, destinationAe, instances, {
        originatorAe: this.callingAeTitle,
        originatorMessageId: messageId,
      });
      const counts = await runSubOperations(located.rows, {
        load: (row) => Promise.resolve(byUid.get(row.sop_instance_uid) ?? Promise.reject(new Error('not loaded'))),
        store: (instance) => sender.store(instance),
        pending: (c) => respond(RETRIEVE_STATUS.PENDING, c),
        cancelled: () => this.cancelled.has(messageId),
      });
      if (counts.summary.cancelled) sender.abort();
      this.cancelled.delete(messageId);
      await this.services.retrieve.finished(actor, clientIp, { via, ...counts.summary });
      this.services.log(
        'info',
        { callingAe: this.callingAeTitle, destination: destinationAe, ...counts.summary },
        'C-MOVE',
      );
      respond(counts.finalStatus, counts);
    })().catch(() => respond(RETRIEVE_STATUS.UNABLE_TO_PROCESS, undefined, 'UNABLE_TO_PROCESS'));
  }

  override cGetRequest(
    request: Parameters<ScpT['cGetRequest']>[0],
    callback: Parameters<ScpT['cGetRequest']>[1],
  ): void {
    const respond = this.retrieveResponder(request, () => dimse.responses.CGetResponse.fromRequest(request), callback);
    const sopClass = (request as unknown as { getAffectedSopClassUid(): string }).getAffectedSopClassUid();
    const identifier = request.getDataset();
    const actor = this.actor;
    if (sopClass !== STUDY_ROOT_GET || this.ae?.kind !== 'workstation' || !actor || !identifier) {
      respond(0x0122);
      return;
    }
    const messageId = request.getMessageId();
    const clientIp = this.peer.remoteAddress ?? null;
    const via = 'dimse-get';
    void (async () => {
      const located = await this.services.retrieve.locate(identifier.getElements(), actor, via, clientIp);
      if (!located.ok) return respond(located.status, undefined, located.comment);
      const counts = await runSubOperations(located.rows, {
        load: (row) => this.services.retrieve.load(row),
        store: (instance) => this.storeHere(instance),
        pending: (c) => respond(RETRIEVE_STATUS.PENDING, c),
        cancelled: () => this.cancelled.has(messageId),
      });
      this.cancelled.delete(messageId);
      await this.services.retrieve.finished(actor, clientIp, { via, ...counts.summary });
      this.services.log('info', { callingAe: this.callingAeTitle, ...counts.summary }, 'C-GET');
      respond(counts.finalStatus, counts);
    })().catch(() => respond(RETRIEVE_STATUS.UNABLE_TO_PROCESS, undefined, 'UNABLE_TO_PROCESS'));
  }

  // The responses of a C-MOVE or C-GET: pending ones with the remaining count go out as they come (the library's
  // callback answers once, with the final one), the final one with the Failed SOP Instance UID List if any failed.
  private retrieveResponder<R extends CMoveResponse | CGetResponse>(
    request: DimseRequest,
    make: () => R,
    callback: (responses: R[]) => void,
  ): (status: number, counts?: SubOperationCounts, comment?: string) => void {
    return (status, counts, comment) => {
      const r = make();
      r.setStatus(status);
      if (comment) r.setErrorComment(comment);
      if (counts) setCounts(r, counts, status === RETRIEVE_STATUS.PENDING);
      if (counts && counts.failedUids.length > 0 && status !== RETRIEVE_STATUS.PENDING)
        r.setDataset(failedList(counts.failedUids, this.getTs(request)));
      if (status === RETRIEVE_STATUS.PENDING) this.sendResponse(request, r);
      else callback([r]);
    };
  }

  // C-CANCEL of a C-GET or C-MOVE: its sub-operations stop after the one under way (PS3.4 C.4.2.3.1).
  private readonly cancelled = new Set<number>();
  override cCancelRequest(request: Parameters<ScpT['cCancelRequest']>[0]): void {
    this.cancelled.add(
      (request as unknown as { getMessageIdBeingRespondedTo(): number }).getMessageIdBeingRespondedTo(),
    );
  }

  // A C-STORE sub-operation of a C-GET, over this association, in a storage context the requestor accepted for
  // the instance's SOP class and its stored transfer syntax (never transcoded); none: the sub-operation fails.
  private storeHere(instance: OutgoingInstance): Promise<number> {
    const association = (this as unknown as { association?: Association }).association;
    const context = association
      ?.getPresentationContexts()
      .map(({ id }) => association.getPresentationContext(id))
      .find(
        (pc) =>
          pc.getResult() === PresentationContextResult.Accept &&
          pc.getAbstractSyntaxUid() === instance.sopClassUid &&
          pc.getAcceptedTransferSyntaxUid() === instance.transferSyntaxUid,
      );
    if (!context) return Promise.resolve(RETRIEVE_STATUS.OUT_OF_RESOURCES_SUB_OPERATIONS);
    const request = new dimse.requests.CStoreRequest(new OutgoingDataset(instance));
    return new Promise((resolve) => {
      const gone = () => resolve(RETRIEVE_STATUS.UNABLE_TO_PROCESS);
      this.peer.once('close', gone);
      request.on('response', (r: DimseResponse) => {
        this.peer.off('close', gone);
        resolve(r.getStatus());
      });
      this.sendRequests(request);
    });
  }

  private getTs(request: DimseRequest): string {
    return request.getDataset()?.getTransferSyntaxUid() ?? IMPLICIT_VR_LITTLE_ENDIAN;
  }

  /** The connection ended: data sets still being received are discarded (nothing half-stored). */
  override async closed(): Promise<void> {
    await Promise.all([...this.receiving].map((r) => r.abandon()));
    this.receiving.clear();
  }
}

// Sub-operation counts of a C-GET / C-MOVE response (PS3.7 C.4.2, C.4.3): remaining only while pending.
function setCounts(
  r: {
    setRemaining(n: number): void;
    setCompleted(n: number): void;
    setFailures(n: number): void;
    setWarnings(n: number): void;
  },
  c: SubOperationCounts,
  pending: boolean,
): void {
  if (pending) r.setRemaining(c.remaining);
  r.setCompleted(c.completed);
  r.setFailures(c.failed);
  r.setWarnings(c.warning);
}

// The final response's identifier when sub-operations failed: Failed SOP Instance UID List (PS3.4 C.4.2.1.4.2).
function failedList(uids: string[], ts: string): DimseDataset {
  return new EncodedIdentifier(
    writeIdentifier(
      [{ tag: 0x00080058, vr: 'UI', value: uids.join('\\') }],
      ts !== IMPLICIT_VR_LITTLE_ENDIAN,
      'ISO_IR 192',
    ),
    ts,
  );
}

export { Status };
