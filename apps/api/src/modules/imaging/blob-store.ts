import { createHash, randomUUID, type Hash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  type ReadStream,
} from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** Writes every buffer, continuing after short writes. */
async function writeAll(handle: FileHandle, buffers: Buffer[]): Promise<void> {
  while (buffers.length > 0) {
    const total = buffers.reduce((n, b) => n + b.length, 0);
    const { bytesWritten } = await handle.writev(buffers);
    if (bytesWritten >= total) return;
    let skip = bytesWritten;
    const rest: Buffer[] = [];
    for (const b of buffers) {
      if (skip >= b.length) skip -= b.length;
      else {
        rest.push(b.subarray(skip));
        skip = 0;
      }
    }
    buffers = rest;
  }
}

/**
 * A part of a small request, held in memory as it arrives and hashed. It is written once, straight
 * to its place in the store, when the whole request has been received and checked.
 */
export class MemoryBlob {
  size = 0;
  readonly path = '';
  readonly data: Buffer[] = [];
  private readonly hash: Hash = createHash('sha256');

  write(data: Buffer): void {
    this.hash.update(data);
    this.size += data.length;
    this.data.push(data);
  }

  seal(): string {
    return this.hash.digest('hex');
  }

  discard(): Promise<void> {
    this.data.length = 0;
    return Promise.resolve();
  }
}

/** A file being received: written to the temporary area and hashed as it arrives. */
export class TempBlob {
  size = 0;
  /** set once the file has been moved into the store */
  moved = false;
  private readonly hash: Hash = createHash('sha256');
  // Received slices are gathered and written together: one system call per MiB, not per chunk.
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private constructor(
    readonly path: string,
    private handle: FileHandle | undefined,
  ) {}

  static async create(dir: string): Promise<TempBlob> {
    const path = join(dir, `${randomUUID()}.part`);
    return new TempBlob(path, await open(path, 'wx', 0o600));
  }

  async write(data: Buffer): Promise<void> {
    this.hash.update(data);
    this.size += data.length;
    this.pending.push(data);
    this.pendingBytes += data.length;
    if (this.pendingBytes >= 1024 * 1024) await this.flush();
  }

  private async flush(): Promise<void> {
    const buffers = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    await writeAll(this.handle!, buffers);
  }

  /**
   * Flushes to disk and closes; returns the SHA-256 of the content. fdatasync: the data and what is
   * needed to read it back (size, blocks) are on disk; only the file's times may not be.
   */
  async seal(): Promise<string> {
    await this.flush();
    await this.handle!.datasync();
    await this.handle!.close();
    this.handle = undefined;
    return this.hash.digest('hex');
  }

  async discard(): Promise<void> {
    if (this.moved) return; // now in the store, under its hash
    await this.handle?.close().catch(() => undefined);
    this.handle = undefined;
    await rm(this.path, { force: true });
  }
}

const LAYOUT_FILE = 'LAYOUT';
const LAYOUT = 'sha256/ab\n';
const hex2 = (i: number) => i.toString(16).padStart(2, '0');

function fsyncPath(path: string): void {
  const fd = openSync(path, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Makes the 256 directories of the store when it is first opened, and moves files kept in the earlier
 * two-level layout (blobs/ab/cd/<sha256>) up one level. Done once, before the store is used; the
 * LAYOUT file says it is done. Interrupted, it is done again from where it stopped: a file moves by
 * rename, so it is always in one place or the other, never in neither.
 */
function openLayout(blobDir: string): void {
  const marker = join(blobDir, LAYOUT_FILE);
  if (existsSync(marker)) return;
  for (let i = 0; i < 256; i++) {
    const shard = join(blobDir, hex2(i));
    mkdirSync(shard, { recursive: true, mode: 0o700 });
    for (const sub of readdirSync(shard, { withFileTypes: true })) {
      if (!sub.isDirectory()) continue;
      const old = join(shard, sub.name);
      for (const f of readdirSync(old)) {
        if (/^[0-9a-f]{64}$/.test(f)) renameSync(join(old, f), join(shard, f));
      }
      fsyncPath(shard);
      rmSync(old, { recursive: true, force: true });
    }
  }
  fsyncPath(blobDir);
  const tmp = `${marker}.tmp`;
  writeFileSync(tmp, LAYOUT, { mode: 0o600 });
  fsyncPath(tmp);
  renameSync(tmp, marker);
  fsyncPath(blobDir);
}

async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

// Content-addressed storage: a file is kept once under its SHA-256 (blobs/ab/<sha256>, in 256
// directories made when the store is opened, so that storing a file never waits for a directory to be
// created). A large part is written to a temporary file, fsynced, renamed into place and the directory
// fsynced; a small one is created under its final name and fsynced with its directory. Only then is the
// file indexed, so what the index names is whole and durable. A file cut short by a crash before that
// is never indexed, and storing the same content again replaces it (an existing name is never trusted).
export class BlobStore {
  readonly tmpDir: string;
  readonly blobDir: string;

  constructor(root: string) {
    this.tmpDir = join(root, 'tmp');
    this.blobDir = join(root, 'blobs');
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
    openLayout(this.blobDir);
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return join(this.blobDir, sha256.slice(0, 2), sha256);
  }

  createTemp(): Promise<TempBlob> {
    return TempBlob.create(this.tmpDir);
  }

  /**
   * Puts a received file into the store durably: a part held in memory is written straight to its
   * place, a temporary file is moved there. Either way the file and its directory entry are flushed
   * (fsync) before this returns. Content that is already stored is replaced by the same bytes.
   */
  async commit(temp: { path: string; data?: Buffer[] }, sha256: string): Promise<void> {
    const target = this.pathOf(sha256);
    const dir = join(this.blobDir, sha256.slice(0, 2));
    if (temp.data && (await this.writeNew(target, dir, temp.data))) return;
    let from = temp.path;
    if (temp.data) {
      // Already there (stored before, or being written by another request): write a copy aside and
      // move it over, so that the name never shows a file that is not complete and flushed.
      const t = await TempBlob.create(this.tmpDir);
      for (const b of temp.data) await t.write(b);
      await t.seal();
      from = t.path;
    }
    await rename(from, target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await this.remakeDir(dir);
      await rename(from, target);
    });
    if (temp instanceof TempBlob) temp.moved = true;
    await syncDir(dir);
  }

  // A new file under its final name: created exclusively, written, then the file and its directory
  // flushed together. False when the name exists already.
  private async writeNew(target: string, dir: string, data: Buffer[]): Promise<boolean> {
    let fh: FileHandle;
    try {
      fh = await open(target, 'wx', 0o600).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code !== 'ENOENT') throw err;
        await this.remakeDir(dir);
        return open(target, 'wx', 0o600);
      });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
      throw err;
    }
    try {
      await writeAll(fh, data);
      await Promise.all([fh.datasync(), syncDir(dir)]);
    } catch (err) {
      // Left as it is: never indexed, and the next store of the same content replaces it.
      await fh.close().catch(() => undefined);
      throw err;
    }
    await fh.close();
    return true;
  }

  // A directory of the store that went away while the server ran (it is made when the store opens).
  private async remakeDir(dir: string): Promise<void> {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await syncDir(this.blobDir);
  }

  async has(sha256: string): Promise<boolean> {
    return stat(this.pathOf(sha256)).then(
      () => true,
      () => false,
    );
  }

  read(sha256: string, range?: { start: number; end: number }): ReadStream {
    return createReadStream(this.pathOf(sha256), range ? { start: range.start, end: range.end - 1 } : {});
  }

  /** Reads `length` bytes at `offset` (frames, header bytes). */
  async readBytes(sha256: string, offset: number, length: number): Promise<Buffer> {
    const fh = await open(this.pathOf(sha256), 'r');
    try {
      const buf = Buffer.alloc(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === length ? buf : buf.subarray(0, done);
    } finally {
      await fh.close();
    }
  }
}
