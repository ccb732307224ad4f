import dimse from 'dcmjs-dimse';
import type { Socket } from 'node:net';
import type { Writable } from 'node:stream';
import type { PresentationContext } from './negotiation.js';
import { PduReader } from './pdu-reader.js';

const { Scp, Dataset } = dimse;

type ScpT = InstanceType<typeof Scp>;
/** A DIMSE request as dcmjs-dimse hands it to the SCP. */
export type DimseRequest = InstanceType<typeof dimse.requests.Request>;
/** A C-STORE request. */
export type CStoreRequest = InstanceType<typeof dimse.requests.CStoreRequest>;
/** A C-FIND request. */
export type CFindRequest = Parameters<ScpT['cFindRequest']>[0];
/** A response to any request. */
export type DimseResponse = InstanceType<typeof dimse.responses.Response>;
/** A C-FIND response. */
export type CFindResponse = InstanceType<typeof dimse.responses.CFindResponse>;
/** A data set of dcmjs-dimse. */
export type DimseDataset = InstanceType<typeof Dataset>;

/**
 * The data set handed from the DIMSE layer to `cStoreRequest`: only a handle on the writable the instance is being
 * received into, never the parsed data set.
 */
export class ReceivedDataset<W extends Writable = Writable> extends Dataset {
  /**
   * @param receiving - the writable `createStoreWritableStream` made for this instance
   * @param transferSyntaxUid - the presentation context's accepted transfer syntax
   */
  constructor(
    readonly receiving: W,
    transferSyntaxUid: string,
  ) {
    super({}, transferSyntaxUid);
  }
}

/**
 * A response identifier already encoded (in the presentation context's transfer syntax and the peer's character
 * set, see `writeIdentifier`): dcmjs-dimse's own writer knows only UTF-8.
 */
export class EncodedIdentifier extends Dataset {
  /**
   * @param bytes - the encoded data set
   * @param transferSyntaxUid - the transfer syntax it is encoded in
   */
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

/**
 * The affected SOP class and instance of a request's command set, as dcmjs-dimse read them.
 *
 * @param r - the request
 */
export const commandOf = (r: DimseRequest): { sopClassUid: unknown; sopInstanceUid: unknown } => ({
  sopClassUid: (r as unknown as { getAffectedSopClassUid(): unknown }).getAffectedSopClassUid(),
  sopInstanceUid: (r as unknown as { getAffectedSopInstanceUid(): unknown }).getAffectedSopInstanceUid(),
});

/**
 * What every Zhiyin SCP (the hub's, a gateway's) does the same on dcmjs-dimse: dcmjs-dimse parses the PDUs and
 * DIMSE commands; the subclass decides who may associate and answers each service. Release and C-ECHO are answered
 * here, a received instance reaches `cStoreRequest` as a {@link ReceivedDataset} handle (the library would parse it
 * whole in memory and write it again), and responses are built with their status and error comment.
 */
export abstract class ZhiyinScpBase extends Scp {
  /** The peer's connection. */
  protected get peer(): Socket {
    return (this as unknown as { socket: Socket }).socket;
  }

  /**
   * Rejects the association and closes the connection if the requestor does not (it should, on A-ASSOCIATE-RJ,
   * PS3.8 9.2).
   *
   * @param result - RejectResult
   * @param source - RejectSource
   * @param reason - RejectReason
   */
  protected rejectAssociation(result: number, source: number, reason: number): void {
    this.sendAssociationReject(result, source, reason);
    setTimeout(() => this.peer.destroy(), 2000).unref();
  }

  override associationReleaseRequested(): void {
    this.sendAssociationReleaseResponse();
  }

  // C-ECHO (PS3.4 A.4, Verification): a peer checks that it reaches Zhiyin.
  override cEchoRequest(
    request: Parameters<ScpT['cEchoRequest']>[0],
    callback: Parameters<ScpT['cEchoRequest']>[1],
  ): void {
    const response = dimse.responses.CEchoResponse.fromRequest(request);
    response.setStatus(dimse.constants.Status.Success);
    callback(response);
  }

  override createDatasetFromStoreWritableStream(
    writable: Writable,
    pc: PresentationContext,
    callback: (dataset: DimseDataset) => void,
  ): void {
    // At once, with a handle: the next PDUs of this association must not arrive while this one is unset.
    callback(new ReceivedDataset(writable, pc.getAcceptedTransferSyntaxUid() ?? ''));
  }

  /**
   * A C-STORE response.
   *
   * @param request - the request answered
   * @param status - the status (PS3.4 B.2.3)
   * @param comment - Error Comment (0000,0902): a stable code, never patient data
   */
  protected storeResponse(request: CStoreRequest, status: number, comment?: string): DimseResponse {
    const response = dimse.responses.CStoreResponse.fromRequest(request);
    response.setStatus(status);
    if (comment) response.setErrorComment(comment);
    return response;
  }

  /**
   * A C-FIND response, pending (with an identifier set on it) or final.
   *
   * @param request - the request answered
   * @param status - the status (PS3.4 C.4.1.1.4)
   * @param comment - Error Comment (0000,0902): a stable code, never patient data
   */
  protected findResponse(request: CFindRequest, status: number, comment?: string): CFindResponse {
    const response = dimse.responses.CFindResponse.fromRequest(request);
    response.setStatus(status);
    if (comment) response.setErrorComment(comment);
    return response;
  }

  /**
   * Reads the connection's PDUs with {@link PduReader} instead of the library's reader (which copies a large PDU
   * many times over while it arrives); each whole PDU goes to the library's own PDU handling, as its reader would
   * hand it.
   *
   * @param maxPduBytes - a longer PDU drops the connection
   */
  readPdusWith(maxPduBytes: number): void {
    const internals = this as unknown as {
      lastPduTime: number;
      statistics: { addBytesReceived(n: number): void };
      _processPdu(pdu: Buffer): Promise<void>;
    };
    const reader = new PduReader(
      maxPduBytes,
      (pdu) => {
        internals.lastPduTime = Date.now();
        void internals._processPdu(pdu);
      },
      // a stream that is not DICOM, or a PDU over the limit: the connection is dropped (PS3.8 9.1.5)
      () => this.peer.destroy(),
    );
    this.peer.removeAllListeners('data');
    this.peer.on('data', (chunk: Buffer) => {
      reader.push(chunk);
      internals.statistics.addBytesReceived(chunk.length);
    });
  }

  /** The connection ended; a subclass discards what it was still receiving. */
  closed(): Promise<void> {
    return Promise.resolve();
  }
}
