import dimse from 'dcmjs-dimse';
import { isStoredTransferSyntax, UNCOMPRESSED } from './sop-classes.js';

const { PresentationContextResult } = dimse.constants;

/** An A-ASSOCIATE-RQ as dcmjs-dimse hands it to the SCP. */
export type Association = InstanceType<typeof dimse.association.Association>;
/** One proposed presentation context. */
export type PresentationContext = InstanceType<typeof dimse.association.PresentationContext>;

/**
 * How a proposed abstract syntax is taken: with an uncompressed transfer syntax (verification, queries), with one
 * the ingest keeps as it is (storage: stored unchanged, never transcoded), or not at all.
 */
export type ContextOffer = 'uncompressed' | 'stored' | 'reject';

/**
 * A UID as it came off the wire, without the NUL or space padding some peers add (PS3.5 9.1).
 *
 * @param v - the value dcmjs-dimse read
 */
export const trimUid = (v: unknown): string => (typeof v === 'string' ? v : '').replace(/[\0 ]+$/, '');

/**
 * Sets the result of each proposed presentation context (PS3.8 7.1.1.13): the abstract syntax the caller's policy
 * offers, with the first proposed transfer syntax (the requestor's preference, PS3.8 7.1.1.14) that the offer
 * allows; otherwise the standard reason. The association itself is then accepted by the caller.
 *
 * @param association - the association being negotiated
 * @param offer - the policy: what this peer may use each abstract syntax for
 */
export function negotiatePresentationContexts(
  association: Association,
  offer: (abstractSyntaxUid: string, pc: PresentationContext) => ContextOffer,
): void {
  for (const { id } of association.getPresentationContexts()) {
    const pc = association.getPresentationContext(id);
    const taken = offer(trimUid(pc.getAbstractSyntaxUid()), pc);
    if (taken === 'reject') {
      pc.setResult(PresentationContextResult.RejectAbstractSyntaxNotSupported);
      continue;
    }
    const ts = pc
      .getTransferSyntaxUids()
      .map(trimUid)
      .find((t) => (taken === 'uncompressed' ? UNCOMPRESSED.has(t) : isStoredTransferSyntax(t)));
    if (ts) pc.setResult(PresentationContextResult.Accept, ts);
    else pc.setResult(PresentationContextResult.RejectTransferSyntaxesNotSupported);
  }
}
