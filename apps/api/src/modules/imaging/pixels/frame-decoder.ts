import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { AppError } from '#src/common/errors.js';

export interface DecodeRequest {
  transferSyntaxUid: string;
  data: Uint8Array;
  rows: number;
  columns: number;
  samplesPerPixel: number;
  bitsAllocated: number;
  bitsStored: number;
  pixelRepresentation: number;
  planarConfiguration: number;
  photometric: string;
}

export interface DecodeResult {
  /** native little-endian pixels, Rows × Columns × Samples × BitsAllocated/8 bytes */
  pixels: Uint8Array;
  /** the photometric interpretation of the decoded pixels (a JPEG decoder returns RGB for YBR) */
  photometric: string;
  planarConfiguration: number;
}

/** Transfer syntaxes a worker can decode. */
export const DECODABLE = new Set([
  '1.2.840.10008.1.2.4.50',
  '1.2.840.10008.1.2.4.51',
  '1.2.840.10008.1.2.4.57',
  '1.2.840.10008.1.2.4.70',
  '1.2.840.10008.1.2.4.80',
  '1.2.840.10008.1.2.4.81',
  '1.2.840.10008.1.2.4.90',
  '1.2.840.10008.1.2.4.91',
  '1.2.840.10008.1.2.4.201',
  '1.2.840.10008.1.2.4.202',
  '1.2.840.10008.1.2.4.203',
  '1.2.840.10008.1.2.5',
]);

export interface DecoderLimits {
  /** workers decoding at once */
  workers: number;
  /** requests waiting for a worker; beyond it, 503 */
  queue: number;
  /** largest decoded frame in bytes */
  maxFrameBytes: number;
  /** time for one decode; a worker that overruns it is ended */
  timeoutMs: number;
}

/**
 * The worker's compiled file. Beside this module when it runs compiled; when the API runs from its
 * TypeScript sources (the test runner), the worker is taken from the build output, since a worker
 * thread cannot load TypeScript.
 */
function workerFile(): string {
  const here = fileURLToPath(new URL('./decode-worker.js', import.meta.url));
  if (existsSync(here)) return here;
  return here.replace(/([\\/])src([\\/]modules[\\/]imaging[\\/]pixels[\\/])/, '$1dist$2');
}

interface Job {
  request: DecodeRequest;
  resolve(r: DecodeResult): void;
  reject(e: Error): void;
}

interface Slot {
  worker: Worker;
  busy: Job | null;
  timer: NodeJS.Timeout | null;
}

/**
 * Decodes compressed frames in a small pool of worker threads: decoding (tens to hundreds of
 * milliseconds for a large frame) never blocks the event loop; at most `workers` decode at once,
 * at most `queue` wait; a frame whose decoded size passes `maxFrameBytes` is refused before any
 * work, and a decode that overruns `timeoutMs` ends its worker (a fresh one takes its place).
 */
export class FrameDecoder {
  private readonly slots: Slot[] = [];
  private readonly waiting: Job[] = [];
  private nextId = 0;
  private closed = false;

  constructor(readonly limits: DecoderLimits) {}

  decode(request: DecodeRequest): Promise<DecodeResult> {
    const bytes = (request.rows * request.columns * request.samplesPerPixel * request.bitsAllocated) / 8;
    if (!(bytes > 0) || !Number.isInteger(bytes)) {
      return Promise.reject(
        new AppError('NOT_ACCEPTABLE', 'This image has no decodable size (Rows, Columns, Bits Allocated).'),
      );
    }
    if (bytes > this.limits.maxFrameBytes) {
      return Promise.reject(
        new AppError(
          'NOT_ACCEPTABLE',
          `A decoded frame would take ${bytes} bytes, more than the ${this.limits.maxFrameBytes} allowed.`,
        ),
      );
    }
    if (![8, 16].includes(request.bitsAllocated)) {
      return Promise.reject(
        new AppError('NOT_ACCEPTABLE', `Frames with ${request.bitsAllocated} bits allocated are not decoded.`),
      );
    }
    if (this.closed) return Promise.reject(new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down.'));
    if (this.waiting.length >= this.limits.queue) {
      return Promise.reject(
        new AppError('SERVICE_UNAVAILABLE', 'Too many frames are being decoded; try again shortly.'),
      );
    }
    return new Promise<DecodeResult>((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.pump();
    }).then((r) => {
      if (r.pixels.length !== bytes) {
        throw new AppError(
          'NOT_ACCEPTABLE',
          `The frame decodes to ${r.pixels.length} bytes where its attributes describe ${bytes}; it cannot be converted.`,
        );
      }
      return r;
    });
  }

  async onModuleDestroy(): Promise<void> {
    await this.close();
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const j of this.waiting.splice(0))
      j.reject(new AppError('SERVICE_UNAVAILABLE', 'The server is shutting down.'));
    await Promise.all(this.slots.splice(0).map((s) => s.worker.terminate()));
  }

  private pump(): void {
    while (this.waiting.length > 0) {
      let slot = this.slots.find((s) => !s.busy);
      if (!slot && this.slots.length < this.limits.workers) slot = this.spawn();
      if (!slot) return;
      this.run(slot, this.waiting.shift()!);
    }
  }

  private spawn(): Slot {
    const worker = new Worker(workerFile());
    worker.unref();
    const slot: Slot = { worker, busy: null, timer: null };
    worker.on('message', (m: { id: number; result?: DecodeResult; error?: string }) => {
      const job = slot.busy;
      if (!job) return;
      this.finish(slot);
      if (m.result) job.resolve(m.result);
      else job.reject(new AppError('NOT_ACCEPTABLE', `The frame cannot be decoded: ${m.error ?? 'unknown error'}`));
      this.pump();
    });
    const lost = (why: string) => {
      const job = slot.busy;
      this.finish(slot);
      this.drop(slot);
      // The decoder itself failed (not the frame's data): a server fault, not a refusal.
      job?.reject(new AppError('SERVICE_UNAVAILABLE', `The frame decoder stopped: ${why}`));
      this.pump();
    };
    worker.on('error', (e) => lost(e.message));
    worker.on('exit', () => lost('the decoder stopped'));
    this.slots.push(slot);
    return slot;
  }

  private run(slot: Slot, job: Job): void {
    slot.busy = job;
    slot.timer = setTimeout(() => {
      // A decode that runs away (a crafted stream) ends its worker; the next request gets a new one.
      const j = slot.busy;
      this.finish(slot);
      this.drop(slot);
      void slot.worker.terminate();
      j?.reject(new AppError('SERVICE_UNAVAILABLE', 'Decoding the frame took too long.'));
      this.pump();
    }, this.limits.timeoutMs);
    slot.worker.postMessage({ id: this.nextId++, request: job.request });
  }

  private finish(slot: Slot): void {
    if (slot.timer) clearTimeout(slot.timer);
    slot.timer = null;
    slot.busy = null;
  }

  private drop(slot: Slot): void {
    const i = this.slots.indexOf(slot);
    if (i >= 0) this.slots.splice(i, 1);
  }
}
