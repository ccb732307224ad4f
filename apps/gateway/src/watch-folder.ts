import { createReadStream } from 'node:fs';
import { open, readdir, rm, stat } from 'node:fs/promises';
import { basename, join, relative, sep } from 'node:path';
import type { DurableQueue } from './queue.js';

// A referral number names the referral a cart's file (aECG, SCP-ECG, PDF, photo) is for: the folder it is dropped in.
const REFERRAL_NUMBER = /^[A-Za-z0-9-]{4,32}$/;
// Names a writer uses while it writes: the file is taken once it is renamed to its final name.
const IN_PROGRESS = /^\.|\.(part|tmp|crdownload|partial)$|~$/i;

interface Seen {
  size: number;
  mtimeMs: number;
  since: number;
}

/**
 * The watched folder (GATEWAY_WATCH_DIR): a file is taken when it is complete — its size and time unchanged over a
 * whole interval, never a name still being written — copied into the queue (flushed, renamed), and only then removed
 * from the folder, so that a crash at any point leaves it in one place or the other. A DICOM file may lie anywhere;
 * a cart's own file (aECG, SCP-ECG, PDF, JPEG/PNG) in a folder named with its referral's number. While the queue is
 * full, files wait in the folder.
 */
export class WatchFolder {
  private readonly seen = new Map<string, Seen>();
  private timer: NodeJS.Timeout | undefined;
  private busy = false;
  /** files waiting because the queue is full */
  waiting = 0;

  constructor(
    private readonly dir: string,
    private readonly queue: DurableQueue,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.scan(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
  }

  async scan(now = Date.now()): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    try {
      const files = await this.list(this.dir);
      const present = new Set(files);
      for (const k of this.seen.keys()) if (!present.has(k)) this.seen.delete(k);
      let waiting = 0;
      for (const path of files) {
        let st;
        try {
          st = await stat(path);
        } catch {
          continue;
        }
        const before = this.seen.get(path);
        if (!before || before.size !== st.size || before.mtimeMs !== st.mtimeMs) {
          this.seen.set(path, { size: st.size, mtimeMs: st.mtimeMs, since: now });
          continue;
        }
        if (now - before.since < this.intervalMs) continue;
        if (!this.queue.fits(st.size)) {
          waiting++;
          continue;
        }
        await this.take(path, st.size);
        this.seen.delete(path);
      }
      this.waiting = waiting;
    } finally {
      this.busy = false;
    }
  }

  private async list(dir: string): Promise<string[]> {
    const out: string[] = [];
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return out;
    }
    for (const e of entries) {
      if (IN_PROGRESS.test(e.name)) continue;
      const p = join(dir, e.name);
      if (e.isDirectory()) out.push(...(await this.list(p)));
      else if (e.isFile()) out.push(p);
    }
    return out;
  }

  private async take(path: string, size: number): Promise<void> {
    const temp = this.queue.tempPath();
    const fh = await open(temp, 'w', 0o600);
    try {
      for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) await fh.write(chunk);
      await fh.sync();
    } finally {
      await fh.close();
    }
    const parts = relative(this.dir, path).split(sep);
    const folder = parts.length > 1 ? parts[0]! : undefined;
    const head = Buffer.alloc(132);
    const r = await open(temp, 'r');
    try {
      await r.read(head, 0, 132, 0);
    } finally {
      await r.close();
    }
    const dicom = head.subarray(128, 132).toString('latin1') === 'DICM';
    await this.queue.add(temp, {
      label: basename(path),
      source: 'folder',
      fileName: basename(path),
      size,
      ...(!dicom && folder && REFERRAL_NUMBER.test(folder) ? { referralNumber: folder } : {}),
    });
    await rm(path, { force: true });
  }
}
