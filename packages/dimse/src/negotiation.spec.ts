import dimse from 'dcmjs-dimse';
import { negotiatePresentationContexts, type ContextOffer } from './negotiation.js';
import { MODALITY_WORKLIST_FIND, STUDY_ROOT_FIND, VERIFICATION } from './sop-classes.js';

const { PresentationContextResult } = dimse.constants;
const CT = '1.2.840.10008.5.1.4.1.1.2';
const EXPLICIT = '1.2.840.10008.1.2.1';
const IMPLICIT = '1.2.840.10008.1.2';
const JPEG_LS = '1.2.840.10008.1.2.4.80';

// An A-ASSOCIATE-RQ as a modality proposes it: each abstract syntax with its transfer syntaxes, in preference order.
function proposed(contexts: [string, string[]][]) {
  const association = new dimse.association.Association('HYJQ_CT1', 'ZHIYIN');
  const ids = contexts.map(([abstract, syntaxes]) => {
    const id = association.addPresentationContext(abstract);
    for (const ts of syntaxes) association.addTransferSyntaxToPresentationContext(id, ts);
    return id;
  });
  return { association, ids };
}

const modalityPolicy = (abstract: string): ContextOffer =>
  abstract === CT
    ? 'stored'
    : abstract === VERIFICATION || abstract === MODALITY_WORKLIST_FIND
      ? 'uncompressed'
      : 'reject';

describe('presentation context negotiation', () => {
  it('accepts each context with the first proposed transfer syntax its use allows', () => {
    const { association, ids } = proposed([
      [CT, [JPEG_LS, EXPLICIT]],
      [MODALITY_WORKLIST_FIND, [JPEG_LS, IMPLICIT, EXPLICIT]],
      [VERIFICATION, [EXPLICIT]],
    ]);
    negotiatePresentationContexts(association, modalityPolicy);
    const result = ids.map((id) => {
      const pc = association.getPresentationContext(id);
      return [pc.getResult(), pc.getAcceptedTransferSyntaxUid()];
    });
    // storage keeps JPEG-LS as it was sent; the worklist query takes the first uncompressed syntax
    expect(result).toEqual([
      [PresentationContextResult.Accept, JPEG_LS],
      [PresentationContextResult.Accept, IMPLICIT],
      [PresentationContextResult.Accept, EXPLICIT],
    ]);
  });

  it('refuses what the peer may not use, and a use without a transfer syntax it allows, each with its reason', () => {
    const { association, ids } = proposed([
      [STUDY_ROOT_FIND, [EXPLICIT]],
      [MODALITY_WORKLIST_FIND, [JPEG_LS]],
      [CT, ['1.2.3.4.5']],
    ]);
    negotiatePresentationContexts(association, modalityPolicy);
    expect(ids.map((id) => association.getPresentationContext(id).getResult())).toEqual([
      PresentationContextResult.RejectAbstractSyntaxNotSupported,
      PresentationContextResult.RejectTransferSyntaxesNotSupported,
      PresentationContextResult.RejectTransferSyntaxesNotSupported,
    ]);
  });
});
