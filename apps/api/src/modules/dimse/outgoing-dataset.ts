import dimse from 'dcmjs-dimse';
import type { OutgoingInstance } from './qr-retrieve.js';

/**
 * A stored instance going out in a C-STORE sub-operation: its data set written exactly as kept, in its own transfer
 * syntax (the library would otherwise parse it and write it again).
 */
export class OutgoingDataset extends dimse.Dataset {
  constructor(private readonly instance: OutgoingInstance) {
    super({ SOPClassUID: instance.sopClassUid, SOPInstanceUID: instance.sopInstanceUid }, instance.transferSyntaxUid);
  }
  override getDenaturalizedDataset(): Buffer {
    return this.instance.dataset;
  }
}
