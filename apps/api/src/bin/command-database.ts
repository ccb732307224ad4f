import { join } from 'node:path';
import pg from 'pg';
import { embeddedDatabaseSecrets, type AppConfig } from '#src/config/app-config.js';

/**
 * Runs `fn` on the configured database: DATABASE_MIGRATION_URL or DATABASE_URL, else the embedded server
 * of DATA_DIR (the running API's, or started for the command and stopped after it).
 */
export async function withCommandDatabase<T>(config: AppConfig, fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const url = config.databaseMigrationUrl ?? config.databaseUrl;
  if (url) return use(url, fn);
  const { superuserPassword } = embeddedDatabaseSecrets(config.dataDir);
  const embeddedUrl = `postgres://zhiyin:${encodeURIComponent(superuserPassword)}@127.0.0.1:${config.embeddedPgPort}/zhiyin`;
  try {
    return await use(embeddedUrl, fn);
  } catch (err) {
    if ((err as { code?: string }).code !== 'ECONNREFUSED') throw err;
  }
  const { startEmbeddedPostgres } = await import('#src/database/embedded-postgres.js');
  const embedded = await startEmbeddedPostgres({
    dir: join(config.dataDir, 'pg'),
    port: config.embeddedPgPort,
    database: 'zhiyin',
    password: superuserPassword,
  });
  try {
    return await use(embedded.url, fn);
  } finally {
    await embedded.stop();
  }
}

async function use<T>(url: string, fn: (db: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A RunSql over a pg client. */
export const sqlOf =
  (db: pg.Client) =>
  async <T>(sql: string, params?: unknown[]): Promise<T[]> =>
    (await db.query(sql, params)).rows as T[];
