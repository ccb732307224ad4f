import { createHash, randomUUID, type Hash } from 'node:crypto';
import {
  closeSync,
  createReadStream,
  existsSync,
  fsync,
  fsyncSync,
  mkdirSync,
  openSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  type ReadStream,
} from 'node:fs';
import { lstat, mkdir, open, opendir, rename, rm, stat, unlink, utimes, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

/** The injection token of the store (one per process, under DATA_DIR/studies). */
export const BLOB_STORE = Symbol('BLOB_STORE');

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
    private readonly onGone: (() => void) | undefined,
  ) {}

  static async create(dir: string, onGone?: () => void): Promise<TempBlob> {
    const path = join(dir, `${randomUUID()}${TEMP_SUFFIX}`);
    return new TempBlob(path, await open(path, 'wx', 0o600), onGone);
  }

  /** Marks the file as moved into the store: it is no longer a temporary file of this request. */
  markMoved(): void {
    this.moved = true;
    this.onGone?.();
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
    this.onGone?.();
  }
}

const TEMP_SUFFIX = '.part';
// A stored file being swept is first renamed to this name beside it (see BlobStore.removeIfOrphan).
const SWEEP_SUFFIX = '.sweep';
const SHA256 = /^[0-9a-f]{64}$/;

/** A file of the store or of its temporary area, as a sweep finds it. */
export interface FoundFile {
  name: string;
  path: string;
  size: number;
  mtimeMs: number;
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

// Flushes a file or a directory (its entries).
async function syncPath(path: string): Promise<void> {
  const fh = await open(path, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

// Content-addressed storage: a file is kept once under its SHA-256 (blobs/ab/<sha256>, in 256
// directories made when the store is opened, so that storing a file never waits for a directory to be
// created). A large part is written to a temporary file, fsynced, renamed into place and the directory
// fsynced; a small one is created under its final name and fsynced with its directory. The index rows
// are committed once the name holds the whole file, while it is flushed, and the file is named in
// blob_unflushed until the flush is done (ImagingRepository, UnflushedBlobs migration): after a crash the
// sweep reads such a file back and forgets its instances unless it hashes to its name. A file cut short by
// a crash is never left indexed, and storing the same content again replaces it (an existing name is never
// trusted).
//
// Files can be left behind: a temporary file of a request cut off by a crash, a stored file whose index
// transaction failed or never came (a crash between the two), a part refused by the index. The sweeper
// (SweeperService) removes them after a grace time; this store tells it which files are in use here now
// (temporary files of requests in progress, stored files not yet indexed) and keeps their times fresh,
// so that a sweep on another node sharing the store sees them as young.
export class BlobStore {
  readonly tmpDir: string;
  readonly blobDir: string;
  // Temporary files of requests in progress, and stored files on their way to the index (by hash, counted).
  private readonly live = new Set<string>();
  private readonly pinned = new Map<string, number>();
  // The 256 directories, opened once each when first flushed: flushing a stored file's directory entry is
  // then one file system call (fsync) rather than three (open, fsync, close), and the pool of threads that
  // runs them has fewer calls to queue behind the files' own flushes.
  private readonly shardFds = new Map<string, number>();

  constructor(root: string) {
    this.tmpDir = join(root, 'tmp');
    this.blobDir = join(root, 'blobs');
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
    openLayout(this.blobDir);
  }

  pathOf(sha256: string): string {
    if (!SHA256.test(sha256)) throw new Error('not a sha256');
    return join(this.blobDir, sha256.slice(0, 2), sha256);
  }

  async createTemp(): Promise<TempBlob> {
    let path = '';
    const t = await TempBlob.create(this.tmpDir, () => this.live.delete(path));
    path = t.path;
    this.live.add(path);
    return t;
  }

  /** Says that a stored file is about to be indexed: no sweep removes it until the returned function is called. */
  pin(sha256: string): () => void {
    this.pinned.set(sha256, (this.pinned.get(sha256) ?? 0) + 1);
    let done = false;
    return () => {
      if (done) return;
      done = true;
      const n = (this.pinned.get(sha256) ?? 1) - 1;
      if (n <= 0) this.pinned.delete(sha256);
      else this.pinned.set(sha256, n);
    };
  }

  /** Whether a temporary file belongs to a request in progress on this node. */
  isLiveTemp(path: string): boolean {
    return this.live.has(path);
  }

  isPinned(sha256: string): boolean {
    return this.pinned.has(sha256);
  }

  /**
   * Every `everyMs`, sets the times of the files in use here (temporary files of requests in progress,
   * stored files not yet indexed) to now: a request that runs longer than the sweep's grace time keeps
   * its files, also from a sweep on another node. Returns the function that stops it.
   */
  keepAlive(everyMs: number): () => void {
    const timer = setInterval(() => {
      const now = new Date();
      const paths = [...this.live, ...[...this.pinned.keys()].map((h) => this.pathOf(h))];
      void Promise.all(paths.map((p) => utimes(p, now, now).catch(() => undefined)));
    }, everyMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /** The files of the temporary area (received parts, copies being written). */
  async *tempFiles(): AsyncGenerator<FoundFile> {
    yield* listFiles(this.tmpDir);
  }

  /** The files of the store, directory by directory (names are SHA-256 hashes, or leftovers of a sweep). */
  async *storedFiles(): AsyncGenerator<FoundFile> {
    for (let i = 0; i < 256; i++) yield* listFiles(join(this.blobDir, hex2(i)));
  }

  /**
   * Removes a stored file that no instance refers to, unless it turns out to be in use. The race to
   * avoid: a request stores the same content (a new file, or the old one replaced) just as the sweep
   * decides the old one is an orphan, then indexes it. So the file is first renamed aside (atomic; a
   * request storing the content from then on makes a new file under the name), then checked again:
   * younger than `olderThanMs` (a request replaced it just before: every store sets the time to now),
   * pinned here, or referred to by the index (`unreferenced` asks the database again) — then it is put
   * back, which is harmless even if a request stored the content meanwhile: the name always holds the
   * same bytes. Otherwise it is unlinked. Returns the bytes removed (0 when kept).
   */
  async removeIfOrphan(sha256: string, olderThanMs: number, unreferenced: () => Promise<boolean>): Promise<number> {
    const path = this.pathOf(sha256);
    const aside = `${path}${SWEEP_SUFFIX}`;
    const before = await lstat(path).catch(() => undefined);
    if (!before?.isFile() || before.mtimeMs >= olderThanMs || this.isPinned(sha256)) return 0;
    try {
      await rename(path, aside);
    } catch {
      return 0; // gone meanwhile
    }
    const moved = await lstat(aside).catch(() => undefined);
    if (!moved) return 0;
    if (moved.mtimeMs < olderThanMs && !this.isPinned(sha256) && (await unreferenced().catch(() => false))) {
      await unlink(aside);
      await this.syncShard(join(this.blobDir, sha256.slice(0, 2)));
      return moved.size;
    }
    await rename(aside, path);
    return 0;
  }

  /**
   * Puts back a file a sweep had renamed aside when it stopped (a crash) before deciding: the file may
   * have been in use. The next sweep looks at it again under its own name.
   */
  async restoreSwept(name: string): Promise<void> {
    if (!name.endsWith(SWEEP_SUFFIX)) return;
    const sha256 = name.slice(0, -SWEEP_SUFFIX.length);
    if (!SHA256.test(sha256)) return;
    await rename(join(this.blobDir, sha256.slice(0, 2), name), this.pathOf(sha256)).catch(() => undefined);
  }

  /**
   * Removes a temporary file if it is not in use here and still older than `olderThanMs`; returns its
   * size, or undefined when it was kept.
   */
  async removeTemp(path: string, olderThanMs: number): Promise<number | undefined> {
    if (this.isLiveTemp(path)) return undefined;
    const st = await lstat(path).catch(() => undefined);
    if (!st?.isFile() || st.mtimeMs >= olderThanMs) return undefined;
    return unlink(path).then(
      () => st.size,
      () => undefined,
    );
  }

  /**
   * Puts a received file into the store durably: a part held in memory is written straight to its
   * place, a temporary file is moved there. Either way the file and its directory entry are flushed
   * (fsync) before this returns. Content that is already stored is replaced by the same bytes.
   * `onWritten` is called once the name holds the whole content, before the flushes end: from then on
   * a reader of the name gets every byte (from the page cache until the flush is done).
   */
  async commit(temp: { path: string; data?: Buffer[] }, sha256: string, onWritten?: () => void): Promise<void> {
    const target = this.pathOf(sha256);
    const dir = join(this.blobDir, sha256.slice(0, 2));
    if (temp.data && (await this.writeNew(target, dir, temp.data, onWritten))) return;
    if (!temp.data) {
      // A file received long ago (early in a long request) arrives in the store young: a sweep judges
      // a stored file by its time, and this one is about to be indexed.
      const now = new Date();
      await utimes(temp.path, now, now);
      await this.moveInto(temp.path, target, dir, onWritten);
      if (temp instanceof TempBlob) temp.markMoved();
      return;
    }
    // Already there (stored before, or being written by another request): write a copy aside and
    // move it over, so that the name never shows a file that is not complete and flushed.
    const copy = await this.createTemp();
    try {
      for (const b of temp.data) await copy.write(b);
      await copy.seal();
      await this.moveInto(copy.path, target, dir, onWritten);
      copy.markMoved();
    } finally {
      await copy.discard();
    }
  }

  /**
   * Reads a stored file back and tells whether its bytes hash to its name; a file that does is then
   * flushed (file and directory), so that it is durable from here on whatever happened before.
   */
  async verify(sha256: string): Promise<boolean> {
    const hash = createHash('sha256');
    try {
      for await (const chunk of this.read(sha256)) hash.update(chunk as Buffer);
    } catch {
      return false; // missing or unreadable
    }
    if (hash.digest('hex') !== sha256) return false;
    await syncPath(this.pathOf(sha256));
    await this.syncShard(join(this.blobDir, sha256.slice(0, 2)));
    return true;
  }

  private async moveInto(from: string, target: string, dir: string, onWritten?: () => void): Promise<void> {
    await rename(from, target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      await this.remakeDir(dir);
      await rename(from, target);
    });
    onWritten?.();
    await this.syncShard(dir);
  }

  // A new file under its final name: created exclusively, written, then the file and its directory
  // flushed together. False when the name exists already.
  private async writeNew(target: string, dir: string, data: Buffer[], onWritten?: () => void): Promise<boolean> {
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
      onWritten?.();
      await Promise.all([fh.datasync(), this.syncShard(dir)]);
    } catch (err) {
      // Left as it is: never indexed, and the next store of the same content replaces it.
      await fh.close().catch(() => undefined);
      throw err;
    }
    await fh.close();
    return true;
  }

  /** Flushes a directory of the store (its entries: the names of files just stored or removed). */
  private async syncShard(dir: string): Promise<void> {
    let fd = this.shardFds.get(dir);
    if (fd === undefined) {
      // a directory's inode is in memory already: opening it does not wait for the disk
      fd = openSync(dir, 'r');
      this.shardFds.set(dir, fd);
    }
    const open = fd;
    await new Promise<void>((resolve, reject) => fsync(open, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes the directories held open: Nest.js calls it when the application has stopped taking requests. */
  onApplicationShutdown(): void {
    for (const fd of this.shardFds.values()) closeSync(fd);
    this.shardFds.clear();
  }

  // A directory of the store that went away while the server ran (it is made when the store opens).
  private async remakeDir(dir: string): Promise<void> {
    // one held open is the directory that went away: its flush would not cover the new one's entries
    const stale = this.shardFds.get(dir);
    if (stale !== undefined) {
      this.shardFds.delete(dir);
      closeSync(stale);
    }
    await mkdir(dir, { recursive: true, mode: 0o700 });
    await syncPath(this.blobDir);
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
  async readBytes(sha256: string, offset: number, length: number, into?: Buffer): Promise<Buffer> {
    const fh = await open(this.pathOf(sha256), 'r');
    try {
      // `into` (at least `length` bytes) is filled instead of a new buffer: see ReadBuffers
      const buf = into ?? Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) break;
        done += bytesRead;
      }
      return done === buf.length ? buf : buf.subarray(0, done);
    } finally {
      await fh.close();
    }
  }
}

// The regular files of one directory with their size and time; a directory that is gone lists nothing.
async function* listFiles(dir: string): AsyncGenerator<FoundFile> {
  const d = await opendir(dir).catch(() => undefined);
  if (!d) return;
  for await (const e of d) {
    if (!e.isFile()) continue;
    const path = join(dir, e.name);
    const st = await lstat(path).catch(() => undefined);
    if (st?.isFile()) yield { name: e.name, path, size: st.size, mtimeMs: st.mtimeMs };
  }
}
