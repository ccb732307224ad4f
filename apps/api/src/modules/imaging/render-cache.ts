// Rendered frames kept in memory, by the file's content address, the frame and the options: the same bytes always
// render to the same image, so an entry never goes stale. It is what lets a case's first image be made before the
// reader opens the case (a claim, a submit) and then answered at once; every answer still goes through the
// caller's scope check and its audit row, which happen outside this cache. Bounded in bytes, least recently used
// first out; renderings of the same key asked for at the same time are made once.

export interface Rendered {
  body: Buffer;
  type: string;
}

// A 512 × 512 CT slice renders to ~150–250 kB of PNG: this keeps a few hundred first images.
const DEFAULT_MAX_BYTES = 48 * 1024 * 1024;
// An image larger than this (a whole chest film as PNG) is rendered for its caller and not kept.
const MAX_ENTRY_BYTES = 8 * 1024 * 1024;

export class RenderCache {
  private readonly done = new Map<string, Rendered>();
  private readonly making = new Map<string, Promise<Rendered>>();
  private bytes = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_BYTES) {}

  /** The rendering under `key`, made by `make` when it is neither kept nor being made. */
  async get(key: string, make: () => Promise<Rendered>): Promise<Rendered> {
    const hit = this.done.get(key);
    if (hit) {
      // most recently used last
      this.done.delete(key);
      this.done.set(key, hit);
      return hit;
    }
    const pending = this.making.get(key);
    if (pending) return pending;
    const made = make().then(
      (r) => {
        this.making.delete(key);
        this.keep(key, r);
        return r;
      },
      (err: unknown) => {
        this.making.delete(key);
        throw err;
      },
    );
    this.making.set(key, made);
    return made;
  }

  has(key: string): boolean {
    return this.done.has(key);
  }

  private keep(key: string, r: Rendered): void {
    if (r.body.length > MAX_ENTRY_BYTES || r.body.length > this.maxBytes) return;
    this.done.set(key, r);
    this.bytes += r.body.length;
    for (const [k, v] of this.done) {
      if (this.bytes <= this.maxBytes) break;
      this.done.delete(k);
      this.bytes -= v.body.length;
    }
  }
}

/** The cache key of a rendering: the file's content address, the frame and the options asked for. */
export function renderKey(sha256: string, frame: number, opts: object): string {
  return `${sha256}/${frame}/${JSON.stringify(opts)}`;
}
