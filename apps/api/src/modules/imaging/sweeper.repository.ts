import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

// One sweeper at a time across every API node sharing the database (and so the store).
const SWEEP_LOCK = 716_131_007;

// What the storage sweep asks the database: the lock that makes it run on one node, and which stored
// files (by SHA-256) an instance row refers to.
@Injectable()
export class SweeperRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Runs `work` while holding the sweep's advisory lock, on a session of its own (released if the
   * node dies); resolves `{ ran: false }` without running it when another node holds the lock.
   */
  async exclusively<T>(work: () => Promise<T>): Promise<{ ran: true; value: T } | { ran: false }> {
    const runner = this.ds.createQueryRunner();
    await runner.connect();
    try {
      const rows = (await runner.query('SELECT pg_try_advisory_lock($1) AS locked', [SWEEP_LOCK])) as {
        locked: boolean;
      }[];
      if (!rows[0]?.locked) return { ran: false };
      try {
        return { ran: true, value: await work() };
      } finally {
        await runner.query('SELECT pg_advisory_unlock($1)', [SWEEP_LOCK]).catch(() => undefined);
      }
    } finally {
      await runner.release();
    }
  }

  /** The hashes among `sha256s` that an instance row, or the original file kept beside one, refers to. */
  async referenced(sha256s: string[]): Promise<Set<string>> {
    if (sha256s.length === 0) return new Set();
    const rows = await this.ds.query<{ sha256: string }[]>(
      `SELECT sha256 FROM instance WHERE sha256 = ANY($1::text[])
       UNION SELECT sha256 FROM instance_original WHERE sha256 = ANY($1::text[])`,
      [sha256s],
    );
    return new Set(rows.map((r) => r.sha256));
  }
}
