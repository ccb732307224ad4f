/**
 * Buffers for reading whole stored files before they are sent, handed out again once the socket has taken them.
 *
 * Why: a retrieval that reads every file into a fresh Buffer allocates hundreds of MB of memory outside V8's heap
 * per study. V8 counts that memory and, every few tens of MB of it, runs a full mark-compact to free the Buffers
 * that died — on this server's 74 MB heap a full collection every ~200 ms during a whole-study retrieval, seen as
 * the unsteady WADO-RS figures right after an ingest. Reused buffers allocate nothing once warm, so retrieval
 * causes no such collections.
 *
 * Buffers come in power-of-two sizes from 64 KiB to `maxBytes`; at most `keepBytes` of them are kept when
 * returned. A buffer that is never returned (the client went away before its write completed) is simply left to
 * the garbage collector.
 */
export class ReadBuffers {
  private readonly free = new Map<number, Buffer[]>();
  private kept = 0;

  constructor(
    readonly maxBytes: number,
    private readonly keepBytes: number,
  ) {}

  /** A buffer of at least `size` bytes (not zeroed: the caller fills it), or undefined above `maxBytes`. */
  take(size: number): Buffer | undefined {
    if (size > this.maxBytes) return undefined;
    const cls = sizeClass(size);
    const b = this.free.get(cls)?.pop();
    if (b) {
      this.kept -= b.length;
      return b;
    }
    // allocUnsafeSlow: a buffer of its own, never a slice of Node's shared pool, so it can be handed back whole
    return Buffer.allocUnsafeSlow(cls);
  }

  /** Hands a buffer from take() back once nothing refers to its bytes any more. */
  give(b: Buffer): void {
    if (b.length !== sizeClass(b.length) || b.length > this.maxBytes || this.kept + b.length > this.keepBytes) return;
    let list = this.free.get(b.length);
    if (!list) this.free.set(b.length, (list = []));
    list.push(b);
    this.kept += b.length;
  }

  /** Bytes held for reuse (for tests and diagnostics). */
  get keptBytes(): number {
    return this.kept;
  }
}

const MIN_CLASS = 64 * 1024;

function sizeClass(size: number): number {
  let c = MIN_CLASS;
  while (c < size) c *= 2;
  return c;
}
