import dimse from 'dcmjs-dimse';
import type { OutgoingInstance } from './qr-retrieve.js';
import { RETRIEVE_STATUS } from './qr-retrieve.js';
import { OutgoingDataset } from './outgoing-dataset.js';

const { PresentationContextResult } = dimse.constants;

type Association = InstanceType<typeof dimse.association.Association>;
type Response = InstanceType<typeof dimse.responses.Response>;

/** The C-STORE side of a C-MOVE: one association to the destination for all its sub-operations. */
export interface MoveSender {
  /** the C-STORE status of this instance's sub-operation (a failure status when it could not be sent) */
  store(instance: OutgoingInstance): Promise<number>;
  /** aborts the association (after a C-CANCEL); otherwise it is released once every instance is answered */
  abort(): void;
}

/**
 * Opens a new association from the hub (as Storage SCU) to a C-MOVE destination and sends the instances in it, each
 * in a presentation context of its own stored transfer syntax, so that the destination receives the stored bytes
 * unchanged (PS3.4 C.4.2.2; the library would otherwise transcode). An instance whose SOP class and transfer
 * syntax the destination did not accept, or that a refused association or a network error left unsent, is a failed
 * sub-operation. Carries the Move Originator AE Title and Message ID (PS3.7 9.1.1.1).
 */
export function openMoveAssociation(
  destination: { host: string; port: number },
  callingAeTitle: string,
  calledAeTitle: string,
  instances: OutgoingInstance[],
  originator: { originatorAe: string; originatorMessageId: number },
): Promise<MoveSender> {
  const outcome = new Map<string, Promise<number>>();
  if (instances.length === 0) return Promise.resolve({ store: () => Promise.resolve(0xc000), abort: () => {} });
  const settle = new Map<string, (status: number) => void>();
  const client = new dimse.Client();
  const requests = instances.map((instance) => {
    const request = new dimse.requests.CStoreRequest(new OutgoingDataset(instance));
    const command = request.getCommandDataset();
    command.setElement('MoveOriginatorApplicationEntityTitle', originator.originatorAe);
    // US: the library's typing says string, its writer takes the number.
    command.setElement('MoveOriginatorMessageID', originator.originatorMessageId as unknown as string);
    outcome.set(
      instance.sopInstanceUid,
      new Promise<number>((resolve) => settle.set(instance.sopInstanceUid, resolve)),
    );
    request.on('response', (r: Response) => settle.get(instance.sopInstanceUid)?.(r.getStatus()));
    client.addRequest(request);
    return { request, instance };
  });
  // One context per SOP class and stored transfer syntax, proposing that syntax only.
  const proposed = new Set<string>();
  for (const { instance } of requests) {
    const key = `${instance.sopClassUid}|${instance.transferSyntaxUid}`;
    if (proposed.has(key)) continue;
    proposed.add(key);
    client.addAdditionalPresentationContext(
      new dimse.association.PresentationContext(0, instance.sopClassUid, instance.transferSyntaxUid),
      true,
    );
  }
  const failAll = () => {
    for (const resolve of settle.values()) resolve(RETRIEVE_STATUS.UNABLE_TO_PROCESS);
  };
  client.on('associationAccepted', (association: Association) => {
    // Before the library sends them: an instance with no context of its own syntax is not sent (never transcoded).
    const queue = (client as unknown as { requests: (typeof requests)[number]['request'][] }).requests;
    for (const { request, instance } of requests) {
      const exact = association
        .getPresentationContexts()
        .map(({ id }) => association.getPresentationContext(id))
        .some(
          (pc) =>
            pc.getResult() === PresentationContextResult.Accept &&
            pc.getAbstractSyntaxUid() === instance.sopClassUid &&
            pc.getAcceptedTransferSyntaxUid() === instance.transferSyntaxUid,
        );
      if (!exact) {
        queue.splice(queue.indexOf(request), 1);
        settle.get(instance.sopInstanceUid)?.(RETRIEVE_STATUS.OUT_OF_RESOURCES_SUB_OPERATIONS);
      }
    }
  });
  client.on('associationRejected', failAll);
  client.on('networkError', failAll);
  client.on('closed', failAll);
  client.send(destination.host, destination.port, callingAeTitle, calledAeTitle, {
    connectTimeout: 10_000,
    associationTimeout: 30_000,
    pduTimeout: 120_000,
  });
  return Promise.resolve({
    store: (instance) => outcome.get(instance.sopInstanceUid) ?? Promise.resolve(RETRIEVE_STATUS.UNABLE_TO_PROCESS),
    abort: () => {
      try {
        client.abort();
      } catch {
        // not connected, or already closed
      }
    },
  });
}
