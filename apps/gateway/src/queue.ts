import { randomUUID } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fsyncPath, writeAtomic } from './durable-file.js';

export type ItemState = 'queued' | 'sending' | 'sent' | 'failed';

/** An item's journal (its state file): ids, sizes and states, never patient data. */
export interface QueueItem {
  id: string;
  /** the SOP Instance UID, or the dropped file's name */
  label: string;
  source: 'dimse' | 'folder';
  /** a referral the file is for (a non-DICOM file from the watched folder) */
  referralNumber?: string;
  fileName?: string;
  size: number;
  state: ItemState;
  attempts: number;
  reason?: string;
  /** SHA-256 of the file, and how it goes over the link (measured once, before its upload is created) */
  sha256?: string;
  encoding?: 'identity' | 'deflate';
  sendSize?: number;
  /** the hub's tus upload, once created: a resumed send continues it from the hub's offset */
  uploadUrl?: string;
  nextAttemptAt?: number;
  createdAt: string;
  updatedAt: string;
}

export class QueueFullError extends Error {
  constructor() {
    super('queue full');
  }
}

// How many sent items' journals are kept for the status page (their files are removed once the hub has them).
const SENT_KEPT = 500;

/**
 * The durable queue under GATEWAY_DATA_DIR: every item's file is written under tmp/, flushed and renamed into items/
 * (atomic), then its journal `<id>.json` is written the same way. Nothing is acknowledged to a modality or taken out
 * of the watched folder before both are on disk. Bounded: the files not yet at the hub take at most `maxBytes`.
 */
export class DurableQueue {
  private readonly items = new Map<string, QueueItem>();
  private readonly tmpDir: string;
  private readonly itemsDir: string;
  private listeners: (() => void)[] = [];

  constructor(
    dataDir: string,
    readonly maxBytes: number,
  ) {
    this.tmpDir = join(dataDir, 'tmp');
    this.itemsDir = join(dataDir, 'items');
  }

  /** Reads the queue back after a restart (a kill -9 too): what was "sending" is queued again. */
  async open(): Promise<void> {
    await mkdir(this.tmpDir, { recursive: true, mode: 0o700 });
    await mkdir(this.itemsDir, { recursive: true, mode: 0o700 });
    // half-written files were never acknowledged: the modality sends them again
    for (const f of await readdir(this.tmpDir)) await rm(join(this.tmpDir, f), { force: true });
    const names = await readdir(this.itemsDir);
    const payloads = new Set(names.filter((n) => n.endsWith('.bin')).map((n) => n.slice(0, -4)));
    for (const n of names.filter((x) => x.endsWith('.json'))) {
      const id = n.slice(0, -5);
      let item: QueueItem;
      try {
        item = JSON.parse(await readFile(join(this.itemsDir, n), 'utf8')) as QueueItem;
      } catch {
        await rm(join(this.itemsDir, n), { force: true }); // a journal never completed: its file is adopted below
        continue;
      }
      payloads.delete(id);
      if (item.state === 'sending') {
        item.state = 'queued';
        item.nextAttemptAt = 0;
        await this.save(item);
      }
      this.items.set(id, item);
    }
    // A file renamed in whose journal was not yet written (killed in between): it is queued, not lost.
    for (const id of payloads) {
      const { size } = await stat(this.payloadPath(id));
      const now = new Date().toISOString();
      const item: QueueItem = {
        id,
        label: id,
        source: 'dimse',
        size,
        state: 'queued',
        attempts: 0,
        createdAt: now,
        updatedAt: now,
      };
      await this.save(item);
      this.items.set(id, item);
    }
  }

  /** A new temporary file's path, for a receiver to write into before it is added. */
  tempPath(): string {
    return join(this.tmpDir, `${randomUUID()}.part`);
  }

  /** Bytes of the files the hub does not have yet (queued, sending, failed). */
  pendingBytes(): number {
    let n = 0;
    for (const i of this.items.values()) if (i.state !== 'sent') n += i.size;
    return n;
  }

  /** Whether a file of `size` bytes fits now. */
  fits(size: number): boolean {
    return this.pendingBytes() + size <= this.maxBytes;
  }

  /** Takes a flushed temporary file into the queue (QueueFullError when it does not fit; the file is then left). */
  async add(
    tempPath: string,
    meta: Pick<QueueItem, 'label' | 'source' | 'referralNumber' | 'fileName' | 'size'>,
  ): Promise<QueueItem> {
    if (!this.fits(meta.size)) throw new QueueFullError();
    const id = randomUUID();
    const now = new Date().toISOString();
    const item: QueueItem = { id, ...meta, state: 'queued', attempts: 0, createdAt: now, updatedAt: now };
    this.items.set(id, item); // counted at once, so that concurrent receivers do not overfill
    try {
      await rename(tempPath, this.payloadPath(id));
      await fsyncPath(this.itemsDir);
      await this.save(item);
    } catch (e) {
      this.items.delete(id);
      throw e;
    }
    for (const l of this.listeners) l();
    return item;
  }

  onAdded(fn: () => void): void {
    this.listeners.push(fn);
  }

  payloadPath(id: string): string {
    return join(this.itemsDir, `${id}.bin`);
  }

  list(): QueueItem[] {
    return [...this.items.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
  }

  /** The next item due for sending, marked "sending". */
  async take(now = Date.now()): Promise<QueueItem | undefined> {
    for (const item of this.list()) {
      if (item.state === 'queued' && (item.nextAttemptAt ?? 0) <= now) {
        await this.update(item, { state: 'sending' });
        return item;
      }
    }
    return undefined;
  }

  /** The earliest time a queued item is due, or undefined when none is waiting. */
  nextDue(): number | undefined {
    let t: number | undefined;
    for (const i of this.items.values()) if (i.state === 'queued') t = Math.min(t ?? Infinity, i.nextAttemptAt ?? 0);
    return t;
  }

  async update(item: QueueItem, patch: Partial<QueueItem>): Promise<void> {
    Object.assign(item, patch, { updatedAt: new Date().toISOString() });
    await this.save(item);
  }

  /**
   * Sends a failed item again (the centre's staff fixed what the hub refused, e.g. made the referral its file is for):
   * queued as new, its attempts counted afresh. False when there is no such failed item.
   */
  async retry(id: string): Promise<boolean> {
    const item = this.items.get(id);
    if (!item || item.state !== 'failed') return false;
    await this.update(item, { state: 'queued', attempts: 0, reason: undefined, nextAttemptAt: undefined });
    for (const l of this.listeners) l();
    return true;
  }

  /** The hub has it: the journal says so first, then the file is removed (a crash between leaves only a file). */
  async sent(item: QueueItem): Promise<void> {
    await this.update(item, { state: 'sent', reason: undefined, uploadUrl: undefined, nextAttemptAt: undefined });
    await rm(this.payloadPath(item.id), { force: true });
    await rm(`${this.payloadPath(item.id)}.z`, { force: true });
    const sent = this.list().filter((i) => i.state === 'sent');
    for (const old of sent.slice(0, Math.max(0, sent.length - SENT_KEPT))) {
      this.items.delete(old.id);
      await rm(join(this.itemsDir, `${old.id}.json`), { force: true });
    }
  }

  private save(item: QueueItem): Promise<void> {
    return writeAtomic(join(this.itemsDir, `${item.id}.json`), JSON.stringify(item));
  }
}
