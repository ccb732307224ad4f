import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { Logger } from 'pino';
import { LOGGER } from '#src/common/logging/logger.js';
import { BLOB_STORE, type BlobStore } from './blob-store.js';
import { ImagingRepository } from './imaging.repository.js';

// Files made durable are unnamed together, at most this long after the first of them.
const UNNAME_AFTER_MS = 50;
// Files read back in one pass of a recovery.
const RECOVER_BATCH = 500;

/**
 * The files whose index rows were committed before their flush ended (ImagingRepository.write): named in
 * blob_unflushed by the same statement, unnamed here once durable. A name left behind (a crash, a failed
 * flush) is settled by reading the file back: kept (and flushed) when its bytes hash to its name, else its
 * instances are forgotten — their client was never told they were stored.
 */
@Injectable()
export class UnflushedFiles implements OnApplicationShutdown {
  private pending = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private unnaming: Promise<void> = Promise.resolve();

  constructor(
    private readonly repo: ImagingRepository,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  /** The files are durable: their names go, a moment later, together with others'. */
  flushed(sha256s: string[]): void {
    for (const s of sha256s) this.pending.add(s);
    this.timer ??= setTimeout(() => void this.unname(), UNNAME_AFTER_MS);
  }

  /**
   * The flush of these files failed after their rows were committed: each is read back and kept when whole,
   * else its instances are forgotten.
   */
  async settle(sha256s: string[]): Promise<{ kept: number; lost: number; forgotten: number }> {
    const lost: string[] = [];
    const kept: string[] = [];
    for (const sha of new Set(sha256s)) ((await this.blobs.verify(sha).catch(() => false)) ? kept : lost).push(sha);
    if (kept.length > 0) await this.repo.blobsFlushed(kept);
    const forgotten = lost.length > 0 ? await this.repo.forgetLost(lost) : 0;
    // counts only: a file's name is the hash of patient data
    if (lost.length > 0)
      this.logger.error(
        { files: lost.length, instances: forgotten },
        'stored files lost before their flush: their instances are forgotten',
      );
    return { kept: kept.length, lost: lost.length, forgotten };
  }

  /**
   * Settles every file still named since before `before` (after a crash: all of them). Named files of requests
   * in flight elsewhere are whole under their names, so reading them back keeps them.
   */
  async recover(before: Date): Promise<{ kept: number; lost: number; forgotten: number }> {
    const total = { kept: 0, lost: 0, forgotten: 0 };
    for (;;) {
      const shas = await this.repo.unflushedBlobs(before, RECOVER_BATCH);
      if (shas.length === 0) break;
      const r = await this.settle(shas);
      total.kept += r.kept;
      total.lost += r.lost;
      total.forgotten += r.forgotten;
      if (shas.length < RECOVER_BATCH) break;
    }
    return total;
  }

  private async unname(): Promise<void> {
    this.timer = undefined;
    const shas = [...this.pending];
    this.pending.clear();
    if (shas.length === 0) return;
    this.unnaming = this.unnaming.then(() =>
      this.repo.blobsFlushed(shas).catch((err: Error) => {
        // the names stay: the next sweep reads those files back and keeps them
        this.logger.warn({ files: shas.length, err: err.name }, 'could not unname flushed files');
      }),
    );
    await this.unnaming;
  }

  /** Unnames what is pending before the database goes. */
  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    await this.unname();
  }
}
