import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { lstat, opendir, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { LOGGER } from '#src/common/logging/logger.js';
import { BLOB_STORE, type BlobStore } from './blob-store.js';
import { SweeperRepository } from './sweeper.repository.js';
import { UnflushedFiles } from './unflushed-files.service.js';
import { UPLOAD_EXPIRY_MS } from './upload-expiry.js';

/** What one sweep found and removed: counts and bytes only, never names. */
export interface SweepFindings {
  /** when the sweep started and ended (ISO 8601) */
  startedAt: string;
  finishedAt: string;
  /** false when another API node was sweeping (then every count is 0) */
  ran: boolean;
  /** temporary files of requests that never finished */
  tempFiles: number;
  tempBytes: number;
  /** stored files no instance refers to */
  orphanFiles: number;
  orphanBytes: number;
  /** resumable uploads finished or abandoned but never taken in */
  uploadFiles: number;
  uploadBytes: number;
  /** stored files looked at */
  storedFilesSeen: number;
  /** files indexed before their flush ended and never unnamed (a crash): read back and kept whole */
  unflushedKept: number;
  /** the same, found cut short or missing: their instances were forgotten */
  unflushedLost: number;
  instancesForgotten: number;
  /** set when the sweep stopped on an error (its type only) */
  error?: string;
}

const SHA256 = /^[0-9a-f]{64}$/;
// Stored files asked about in one query.
const BATCH = 1000;
// A file named in blob_unflushed for longer than this is no longer being flushed by a request in flight.
const FLUSH_SETTLED_MS = 30_000;

// Removes files left behind (PS: nothing in the index may ever name a missing file):
//  - temporary files of requests cut off by a crash or a lost connection;
//  - stored files no instance row refers to: written by a request whose index transaction failed or
//    never came (a crash, a database outage), or refused by the index (a duplicate UID);
//  - resumable uploads left finished but not taken in (a crash while checking them).
// First of all it settles the files indexed before their flush ended and still named so (UnflushedFiles): at
// start every one of them (a crash left them), later those named for longer than a flush takes.
// Each only after the grace time, judged by the file's time, and never one in use: a request in
// progress here keeps its files apart (BlobStore.pin / live temporary files) and refreshes their
// times for the other nodes, and a stored file is checked against the index once more right before it
// goes (BlobStore.removeIfOrphan). Runs at start and then periodically, on one node at a time (a
// PostgreSQL advisory lock).
@Injectable()
export class SweeperService implements OnApplicationBootstrap, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private stopKeepAlive: (() => void) | undefined;
  private queue: Promise<unknown> = Promise.resolve();
  private pending = 0;
  private last: SweepFindings | undefined;
  private stopping = false;
  private recovered = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(BLOB_STORE) private readonly blobs: BlobStore,
    private readonly repo: SweeperRepository,
    private readonly unflushed: UnflushedFiles,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onApplicationBootstrap(): void {
    const grace = this.config.storageSweepGraceSeconds * 1000;
    // Files in use are refreshed well within the grace time, so a sweep on another node sees them young.
    if (grace > 0)
      this.stopKeepAlive = this.blobs.keepAlive(Math.min(24 * 3600_000, Math.max(1000, Math.floor(grace / 4))));
    void this.tick();
    this.timer = setInterval(() => void this.tick(), this.config.storageSweepIntervalSeconds * 1000);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping = true;
    if (this.timer) clearInterval(this.timer);
    this.stopKeepAlive?.();
    await this.queue.catch(() => undefined);
  }

  /** The findings of the last sweep that ran on this node (for the metrics endpoint), if any. */
  lastRun(): SweepFindings | undefined {
    return this.last;
  }

  /** Sweeps now, after any sweep already running here; resolves with its findings. */
  sweep(): Promise<SweepFindings> {
    this.pending++;
    const run = this.queue.then(() => this.once());
    this.queue = run.catch(() => undefined).finally(() => this.pending--);
    return run;
  }

  // The periodic sweep: skipped while one is running or waiting.
  private async tick(): Promise<void> {
    if (this.pending > 0) return;
    await this.sweep().catch(() => undefined);
  }

  private async once(): Promise<SweepFindings> {
    const findings: SweepFindings = {
      startedAt: new Date().toISOString(),
      finishedAt: '',
      ran: false,
      tempFiles: 0,
      tempBytes: 0,
      orphanFiles: 0,
      orphanBytes: 0,
      uploadFiles: 0,
      uploadBytes: 0,
      storedFilesSeen: 0,
      unflushedKept: 0,
      unflushedLost: 0,
      instancesForgotten: 0,
    };
    const started = Date.now();
    try {
      const outcome = await this.repo.exclusively(() => this.run(findings));
      findings.ran = outcome.ran;
    } catch (err) {
      findings.ran = true;
      findings.error = (err as Error)?.name ?? 'Error';
    }
    findings.finishedAt = new Date().toISOString();
    this.last = findings;
    if (findings.ran) {
      const { startedAt: _s, finishedAt: _f, ran: _r, ...counts } = findings;
      const log = findings.error ? this.logger.warn.bind(this.logger) : this.logger.info.bind(this.logger);
      log({ ...counts, ms: Date.now() - started }, 'storage sweep');
    }
    return findings;
  }

  private async run(f: SweepFindings): Promise<void> {
    const now = Date.now();
    const cutoff = now - this.config.storageSweepGraceSeconds * 1000;

    const settled = await this.unflushed.recover(new Date(this.recovered ? now - FLUSH_SETTLED_MS : now));
    this.recovered = true;
    f.unflushedKept = settled.kept;
    f.unflushedLost = settled.lost;
    f.instancesForgotten = settled.forgotten;

    for await (const file of this.blobs.tempFiles()) {
      if (this.stopping) return;
      if (file.mtimeMs >= cutoff) continue;
      const bytes = await this.blobs.removeTemp(file.path, cutoff);
      if (bytes !== undefined) {
        f.tempFiles++;
        f.tempBytes += bytes;
      }
    }

    let batch: string[] = [];
    const flush = async () => {
      const candidates = batch;
      batch = [];
      const referenced = await this.repo.referenced(candidates);
      for (const sha256 of candidates) {
        if (this.stopping) return;
        if (referenced.has(sha256)) continue;
        const bytes = await this.blobs.removeIfOrphan(
          sha256,
          cutoff,
          async () => !(await this.repo.referenced([sha256])).has(sha256),
        );
        if (bytes > 0) {
          f.orphanFiles++;
          f.orphanBytes += bytes;
        }
      }
    };
    for await (const file of this.blobs.storedFiles()) {
      if (this.stopping) return;
      if (!SHA256.test(file.name)) {
        await this.blobs.restoreSwept(file.name);
        continue;
      }
      f.storedFilesSeen++;
      if (file.mtimeMs >= cutoff || this.blobs.isPinned(file.name)) continue;
      batch.push(file.name);
      if (batch.length >= BATCH) await flush();
    }
    await flush();

    await this.sweepUploads(f, Math.min(cutoff, now - UPLOAD_EXPIRY_MS));
  }

  // A resumable upload is its data file and `<id>.json`. The tus server removes unfinished ones once
  // expired; one left finished (the process stopped while checking it) would stay forever. Both go once
  // neither has changed for the upload expiry time (and the grace time).
  private async sweepUploads(f: SweepFindings, cutoff: number): Promise<void> {
    const dir = join(this.config.dataDir, 'uploads');
    const d = await opendir(dir).catch(() => undefined);
    if (!d) return;
    const ids = new Set<string>();
    for await (const e of d) if (e.isFile()) ids.add(e.name.replace(/\.json$/, ''));
    for (const id of ids) {
      if (this.stopping) return;
      const files = [join(dir, id), join(dir, `${id}.json`)];
      const stats = await Promise.all(files.map((p) => lstat(p).catch(() => undefined)));
      if (stats.some((s) => s && s.mtimeMs >= cutoff)) continue;
      for (const [i, s] of stats.entries()) {
        if (!s?.isFile()) continue;
        await unlink(files[i]!).catch(() => undefined);
        f.uploadFiles++;
        f.uploadBytes += s.size;
      }
    }
  }
}
