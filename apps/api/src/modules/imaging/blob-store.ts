import { createHash, randomUUID, type Hash } from 'node:crypto';
import { createReadStream, mkdirSync, type ReadStream } from 'node:fs';
import { mkdir, open, rename, rm, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

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
    let buffers = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    while (buffers.length > 0) {
      const total = buffers.reduce((n, b) => n + b.length, 0);
      const { bytesWritten } = await this.handle!.writev(buffers);
      if (bytesWritten >= total) return;
      // A short write: continue with what is left.
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

  /** Flushes to disk (fsync) and closes; returns the SHA-256 of the content. */
  async seal(): Promise<string> {
    await this.flush();
    await this.handle!.sync();
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

// Content-addressed storage: a file is kept once under its SHA-256 (blobs/ab/cd/<sha256>), written
// to a temporary file, fsynced, then renamed into place and the directory fsynced, so a stored
// file is either whole or absent.
export class BlobStore {
  readonly tmpDir: string;
  readonly blobDir: string;
  // Directories known to exist, so that storing a file costs no mkdir call.
  private readonly knownDirs = new Set<string>();

  constructor(root: string) {
    this.tmpDir = join(root, 'tmp');
    this.blobDir = join(root, 'blobs');
    mkdirSync(this.tmpDir, { recursive: true, mode: 0o700 });
    mkdirSync(this.blobDir, { recursive: true, mode: 0o700 });
  }

  pathOf(sha256: string): string {
    if (!/^[0-9a-f]{64}$/.test(sha256)) throw new Error('not a sha256');
    return join(this.blobDir, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
  }

  createTemp(): Promise<TempBlob> {
    return TempBlob.create(this.tmpDir);
  }

  /**
   * Moves a sealed temporary file into the store and makes the move durable. Content that is already
   * stored is simply replaced by the same bytes, which saves looking first.
   */
  async commit(temp: { path: string }, sha256: string): Promise<void> {
    const target = this.pathOf(sha256);
    const dir = join(this.blobDir, sha256.slice(0, 2), sha256.slice(2, 4));
    if (!this.knownDirs.has(dir)) {
      await mkdir(dir, { recursive: true, mode: 0o700 });
      this.knownDirs.add(dir);
    }
    await rename(temp.path, target).catch(async (err: NodeJS.ErrnoException) => {
      if (err.code !== 'ENOENT') throw err;
      // the directory went away since it was made: make it again
      await mkdir(dir, { recursive: true, mode: 0o700 });
      await rename(temp.path, target);
    });
    if (temp instanceof TempBlob) temp.moved = true;
    const d = await open(dir, 'r');
    try {
      await d.sync();
    } finally {
      await d.close();
    }
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
