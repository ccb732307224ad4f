import pg from 'pg';
import { runMigrations } from './data-source.js';
import { seedDemoNetwork, type SeedResult } from '#src/seed/demo-network.js';

const PREPARE_LOCK = 716_131_000;

/**
 * Migrates (and seeds the demo network when asked) under a PostgreSQL advisory lock, so API nodes
 * starting together take turns instead of racing.
 */
export async function prepareDatabase(url: string, seed: boolean): Promise<SeedResult | undefined> {
  const lock = new pg.Client({ connectionString: url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [PREPARE_LOCK]);
    await runMigrations(url);
    return seed ? await seedDemoNetwork(url) : undefined;
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [PREPARE_LOCK]).catch(() => undefined);
    await lock.end();
  }
}
