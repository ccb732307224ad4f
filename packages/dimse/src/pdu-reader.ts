// PDU types (PS3.8 9.3): the only ones a peer may send.
const PDU_TYPES = new Set([0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07]);
const HEADER = 6;

/**
 * Splits a DICOM upper-layer byte stream into whole PDUs (PS3.8 9.3: type, reserved byte, 32-bit length, body).
 *
 * The chunks of a PDU are kept as they arrive and joined once, when the PDU is complete: dcmjs-dimse's own reader
 * joins everything received so far with every chunk, which copies a 1 MiB P-DATA-TF arriving in 64 KiB chunks
 * about eight times over. A PDU longer than `maxPduBytes` is refused before it is buffered.
 */
export class PduReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private expected: number | undefined;

  constructor(
    private readonly maxPduBytes: number,
    private readonly onPdu: (pdu: Buffer) => void,
    private readonly onError: (err: Error) => void,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (this.expected === undefined) {
        if (this.buffered < HEADER) return;
        const head = this.peekHeader();
        if (!PDU_TYPES.has(head[0]!)) return this.fail(new Error(`Unknown PDU type: ${head[0]}`));
        const length = head.readUInt32BE(2);
        if (length > this.maxPduBytes) return this.fail(new Error(`PDU of ${length} bytes exceeds the limit`));
        this.expected = HEADER + length;
      }
      if (this.buffered < this.expected) return;
      const all = this.chunks.length === 1 ? this.chunks[0]! : Buffer.concat(this.chunks, this.buffered);
      const pdu = all.subarray(0, this.expected);
      const rest = all.subarray(this.expected);
      this.chunks = rest.length ? [rest] : [];
      this.buffered = rest.length;
      this.expected = undefined;
      this.onPdu(pdu);
    }
  }

  private peekHeader(): Buffer {
    const first = this.chunks[0]!;
    if (first.length >= HEADER) return first;
    const joined = Buffer.concat(this.chunks, this.buffered);
    this.chunks = [joined];
    return joined;
  }

  private fail(err: Error): void {
    this.chunks = [];
    this.buffered = 0;
    this.expected = undefined;
    this.onError(err);
  }
}
