// The two servers under test: Zhiyin (the built API as a child process, on a fresh database and DATA_DIR per ingest
// pass) and Orthanc with its DICOMweb plugin (through ../shared/peers/orthanc/*.sh). Both expose the same small
// interface, so every scenario runs the same client code against either.
import { execFileSync, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  symlinkSync,
} from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { json, makeAgent, request } from './http.mjs';

const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** utime + stime of one process in seconds, or undefined when it is gone. @param {number} pid */
export function cpuSecondsOf(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / CLK_TCK;
  } catch {
    return undefined;
  }
}

/** VmRSS / VmHWM of one process in bytes. @param {number} pid */
export function memoryOf(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (/** @type {string} */ key) =>
      Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
    return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
  } catch {
    return { rss: NaN, hwm: NaN };
  }
}

/** PIDs whose command line matches. @param {(cmdline: string) => boolean} pred */
function pidsWhere(pred) {
  /** @type {number[]} */
  const out = [];
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (pred(readFileSync(`/proc/${e}/cmdline`, 'utf8').replace(/\0/g, ' '))) out.push(Number(e));
    } catch {
      // gone
    }
  }
  return out;
}

/** Children, grandchildren, … of a process. @param {number} root */
function descendants(root) {
  /** @type {Map<number, number[]>} */
  const children = new Map();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch {
      // gone
    }
  }
  /** @type {number[]} */
  const out = [];
  const stack = [root];
  while (stack.length)
    for (const c of children.get(/** @type {number} */ (stack.pop())) ?? []) (out.push(c), stack.push(c));
  return out;
}

/** A free TCP port on loopback. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * A CPU meter over a set of processes that may change while it runs (database backends come and go):
 * CPU of processes present at both ends counts as the difference, of processes born since as their total.
 * @param {() => number[]} pidsFn
 */
function cpuMeter(pidsFn) {
  /** @type {Map<number, number>} */
  let start = new Map();
  return {
    begin() {
      start = new Map(pidsFn().map((p) => [p, cpuSecondsOf(p) ?? 0]));
    },
    end() {
      let total = 0;
      for (const p of pidsFn()) total += (cpuSecondsOf(p) ?? 0) - (start.get(p) ?? 0);
      return total;
    },
  };
}

/**
 * Runs one SQL command through psql on the PostgreSQL server given by an admin URL (nothing without one).
 * @param {URL | undefined} admin
 */
function psqlOn(admin) {
  return (/** @type {string} */ sql) => {
    if (!admin) return '';
    return execFileSync(
      'psql',
      [
        '-h',
        admin.hostname,
        '-p',
        admin.port || '5432',
        '-U',
        decodeURIComponent(admin.username || 'postgres'),
        '-d',
        admin.pathname.slice(1) || 'postgres',
        '-Atqc',
        sql,
      ],
      {
        encoding: 'utf8',
        env: {
          ...process.env,
          PGPASSWORD: decodeURIComponent(admin.password),
          PGOPTIONS: '-c client_min_messages=warning',
        },
      },
    );
  };
}

/**
 * Stops a child process: SIGTERM, then SIGKILL if it has not exited after `graceMs`.
 * @param {import('node:child_process').ChildProcess | undefined} proc @param {number} graceMs @param {() => void} onKill
 */
async function stopChild(proc, graceMs, onKill) {
  if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise((resolve) => proc.once('exit', resolve));
  proc.kill('SIGTERM');
  if (await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)])) return;
  onKill();
  proc.kill('SIGKILL');
  await Promise.race([exited, sleep(5_000)]);
}

/** The PostgreSQL backends of one database on the local server. @param {string} dbName */
function backendsOf(dbName) {
  return pidsWhere((c) => c.startsWith('postgres: ') && c.includes(` ${dbName} `));
}

/**
 * CPU of a server process and, separately, of the database processes working for it.
 * @param {number} pid @param {() => number[]} databasePids
 */
function serverAndDatabaseCpu(pid, databasePids) {
  const node = cpuMeter(() => [pid]);
  const db = cpuMeter(databasePids);
  return {
    begin() {
      node.begin();
      db.begin();
    },
    end() {
      return { server: node.end(), database: db.end() };
    },
  };
}

/**
 * @typedef {object} Server
 * @property {'zhiyin' | 'orthanc' | 'bare' | 'bare-data' | 'bare-light'} name
 * @property {boolean} [reference]  the bare write path (STOW-RS only): answers are part counts, not DICOM JSON
 * @property {string} label
 * @property {string} base        DICOMweb root URL, without a trailing slash
 * @property {number} pid
 * @property {import('node:http').Agent} agent
 * @property {() => Promise<void>} reset        an empty, freshly started server
 * @property {() => Promise<void>} stop
 * @property {(purpose: 'write' | 'read') => Promise<Record<string, string>>} auth
 * @property {() => { begin(): void, end(): { server: number, database?: number } }} cpu
 * @property {() => Promise<Record<string, string>>} versions
 * @property {string} storageDir  where it keeps its files (for the file-system check)
 * @property {{ port: number, aeTitle: string }} [dicom]  its DICOM (DIMSE) listener on 127.0.0.1, when it has one
 */

/**
 * @param {{ scriptsDir: string, runDir: string, port: number, dicomPort?: number, log: (s: string) => void }} o
 *   `dicomPort`: also run Orthanc's DICOM server there (AE title ORTHANC), for the C-STORE comparison
 * @returns {Server}
 */
export function orthancServer({ scriptsDir, runDir, port, dicomPort, log }) {
  const env = {
    ...process.env,
    ORTHANC_RUN: runDir,
    ORTHANC_PORT: String(port),
    ...(dicomPort ? { ORTHANC_DICOM_PORT: String(dicomPort) } : {}),
  };
  const run = (/** @type {string} */ script, /** @type {string[]} */ args = []) =>
    execFileSync(join(scriptsDir, script), args, { env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const readPid = () => Number(readFileSync(join(runDir, 'orthanc.pid'), 'utf8').trim());
  /** @type {Server} */
  const s = {
    name: 'orthanc',
    label: 'Orthanc',
    base: `http://127.0.0.1:${port}/dicom-web`,
    pid: 0,
    agent: makeAgent(16),
    storageDir: join(runDir, 'storage'),
    ...(dicomPort ? { dicom: { port: dicomPort, aeTitle: 'ORTHANC' } } : {}),
    async reset() {
      mkdirSync(runDir, { recursive: true });
      s.agent.destroy();
      s.agent = makeAgent(16);
      const out = run('reset.sh');
      s.pid = readPid();
      if (!/Orthanc up/.test(out)) log(out.trim());
    },
    async stop() {
      s.agent.destroy();
      if (existsSync(join(runDir, 'orthanc.pid'))) run('stop.sh');
      s.pid = 0;
    },
    async auth() {
      return {};
    },
    cpu() {
      const pid = s.pid;
      const start = cpuSecondsOf(pid) ?? 0;
      let t0 = start;
      return {
        begin() {
          t0 = cpuSecondsOf(pid) ?? 0;
        },
        end() {
          return { server: (cpuSecondsOf(pid) ?? t0) - t0 };
        },
      };
    },
    async versions() {
      const sys = json(await request(`http://127.0.0.1:${port}/system`, { timeoutMs: 10_000 }));
      const plugin = json(await request(`http://127.0.0.1:${port}/plugins/dicom-web`, { timeoutMs: 10_000 }));
      return { orthanc: String(sys.Version), dicomweb: String(plugin.Version), database: 'SQLite (in-process)' };
    },
  };
  return s;
}

/**
 * @typedef {Server & { origin: string, dataDir: string, dbName: string | undefined, cleanup(): void, exitInfo(): string,
 *   token(username: string): Promise<string>, psql(sql: string): string }} ZhiyinServer
 *   `origin`: the API's http://host:port; `token`: an access token of any seeded or bench-made user (one sign-in per
 *   user, reused); `psql`: one SQL command on its database (set-up only, never measured)
 */

/**
 * Zhiyin from its build (apps/api/dist/main.js). Every reset stops the process, drops and re-creates its database
 * (or gives the embedded PostgreSQL a fresh directory) and starts it on a fresh DATA_DIR.
 * `dicom`: its DICOM listener on a free port of loopback (otherwise DICOM_PORT=0, off). `env`: more of its environment
 * (e.g. WEB_DIR, the web app it serves).
 * @param {{ apiDir: string, dataRoot: string, pgUrl: string | undefined, log: (s: string) => void, users: { write: string, read: string }, password: string, dicom?: boolean, env?: Record<string, string> }} o
 * @returns {ZhiyinServer}
 */
export function zhiyinServer({ apiDir, dataRoot, pgUrl, log, users, password, dicom = false, env: extraEnv = {} }) {
  const main = join(apiDir, 'dist', 'main.js');
  // extra Node.js options for Zhiyin, e.g. "--cpu-prof --cpu-prof-dir=DIR" to profile it
  const nodeArgs = (process.env.ZHIYIN_BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  let stderrTail = '';
  /** @type {Map<string, { token: string, at: number }>} */
  const tokens = new Map();
  const signingIn = new Map();
  const signIn = async (/** @type {string} */ username) => {
    const origin = s.origin;
    const body = Buffer.from(JSON.stringify({ username, password }));
    const r = await request(`${origin}/api/auth/login`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body,
      timeoutMs: 30_000,
    });
    if (r.status !== 200)
      throw new Error(`login as ${username}: status ${r.status} ${r.body.toString('utf8').slice(0, 200)}`);
    const token = json(r).accessToken;
    tokens.set(username, { token, at: Date.now() });
    return token;
  };
  /** One sign-in per user at a time, its token reused for 10 minutes. @param {string} username */
  const tokenOf = (username) => {
    const cached = tokens.get(username);
    if (cached && Date.now() - cached.at < 600_000) return Promise.resolve(cached.token);
    // The server counts sign-in attempts before checking them, so a burst of parallel sign-ins of one
    // account is slowed down like a burst of guesses.
    let pending = signingIn.get(username);
    if (!pending) {
      pending = signIn(username).finally(() => signingIn.delete(username));
      signingIn.set(username, pending);
    }
    return pending;
  };
  let runCount = 0;
  const dbName = pgUrl ? `zhiyin_bench_${process.pid}` : undefined;
  const admin = pgUrl ? new URL(pgUrl) : undefined;
  const psql = psqlOn(admin);
  mkdirSync(dataRoot, { recursive: true });
  const runRoot = mkdtempSync(join(dataRoot, 'zhiyin-bench-'));

  /** @type {ZhiyinServer} */
  const s = {
    name: 'zhiyin',
    label: 'Zhiyin',
    base: '',
    origin: '',
    pid: 0,
    agent: makeAgent(16),
    dataDir: '',
    storageDir: runRoot,
    dbName,
    exitInfo() {
      return stderrTail.slice(-2000);
    },
    async reset() {
      await s.stop();
      if (s.dataDir) rmSync(s.dataDir, { recursive: true, force: true });
      runCount += 1;
      s.dataDir = join(runRoot, `run-${runCount}`);
      mkdirSync(s.dataDir, { recursive: true });
      if (dbName) {
        psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
        psql(`CREATE DATABASE ${dbName}`);
      }
      const port = await freePort();
      const dicomPort = dicom ? await freePort() : 0;
      s.dicom = dicom ? { port: dicomPort, aeTitle: 'ZHIYIN' } : undefined;
      /** @type {Record<string, string>} */
      const env = {
        DICOM_PORT: String(dicomPort),
        DICOM_HOST: '127.0.0.1',
        DICOM_AE_TITLE: 'ZHIYIN',
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: process.env.HOME ?? tmpdir(),
        PORT: String(port),
        HOST: '127.0.0.1',
        DATA_DIR: s.dataDir,
        LOG_LEVEL: process.env.ZHIYIN_BENCH_LOG_LEVEL ?? 'warn',
        ACCESS_TOKEN_TTL: '7200',
        JWT_SECRET: randomBytes(48).toString('base64url'),
        DATA_KEY: randomBytes(32).toString('base64'),
        ...extraEnv,
      };
      if (admin && dbName) {
        const u = new URL(admin.toString());
        u.pathname = `/${dbName}`;
        env.DATABASE_URL = u.toString();
      } else {
        env.EMBEDDED_PG_PORT = String(await freePort());
      }
      stderrTail = '';
      const proc = spawn(process.execPath, [...nodeArgs, main], {
        cwd: apiDir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      // everything Zhiyin prints, kept when asked (e.g. with --trace-gc in ZHIYIN_BENCH_NODE_ARGS)
      if (process.env.ZHIYIN_BENCH_SERVER_LOG) {
        const file = process.env.ZHIYIN_BENCH_SERVER_LOG;
        for (const stream of [proc.stdout, proc.stderr])
          stream?.on('data', (/** @type {Buffer} */ c) => appendFileSync(file, c));
      }
      s.pid = proc.pid ?? 0;
      s.origin = `http://127.0.0.1:${port}`;
      s.base = `${s.origin}/dicomweb`;
      s.agent.destroy();
      s.agent = makeAgent(16);
      tokens.clear();
      await new Promise((resolve, reject) => {
        let out = '';
        const timer = setTimeout(
          () => reject(new Error(`Zhiyin did not start within 180 s:\n${stderrTail.slice(-2000)}`)),
          180_000,
        );
        proc.stdout?.on('data', (/** @type {Buffer} */ c) => {
          if (out.length < 100_000) out += c.toString('utf8');
          if (/is running: http/.test(out)) {
            clearTimeout(timer);
            resolve(undefined);
          }
        });
        proc.stderr?.on('data', (/** @type {Buffer} */ c) => {
          stderrTail = (stderrTail + c.toString('utf8')).slice(-20_000);
        });
        proc.once('exit', (code, signal) => {
          clearTimeout(timer);
          reject(
            new Error(`Zhiyin exited while starting (code ${code}, signal ${signal}):\n${stderrTail.slice(-2000)}`),
          );
        });
      });
      proc.on('exit', (code, signal) => {
        if (child === proc) {
          child = undefined;
          log(`Zhiyin exited (code ${code}, signal ${signal})${stderrTail ? `: ${stderrTail.slice(-1000)}` : ''}`);
        }
      });
    },
    async stop() {
      s.agent.destroy();
      const proc = child;
      child = undefined;
      await stopChild(proc, 20_000, () => log('Zhiyin did not stop within 20 s of SIGTERM; killing it'));
      s.pid = 0;
    },
    async auth(purpose) {
      return { Authorization: `Bearer ${await tokenOf(purpose === 'write' ? users.write : users.read)}` };
    },
    token: tokenOf,
    psql(sql) {
      if (!admin || !dbName) throw new Error('psql needs the local PostgreSQL server (not --embedded-pg)');
      const u = new URL(admin.toString());
      u.pathname = `/${dbName}`;
      return psqlOn(u)(sql);
    },
    cpu() {
      const pid = s.pid;
      // database work done for Zhiyin: its backends on the local server, or the embedded PostgreSQL's processes
      return serverAndDatabaseCpu(pid, () => (dbName ? backendsOf(dbName) : descendants(pid)));
    },
    async versions() {
      const pkg = JSON.parse(readFileSync(join(apiDir, 'package.json'), 'utf8'));
      let pg = 'embedded';
      if (admin) pg = psql('SHOW server_version').trim().split(' ')[0];
      return { zhiyin: String(pkg.version), node: process.version, postgres: pg };
    },
    cleanup() {
      if (child) child.kill('SIGKILL');
      try {
        if (dbName) psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      } catch {
        // best effort
      }
      rmSync(runRoot, { recursive: true, force: true });
    },
  };
  return s;
}

/**
 * A private copy of Zhiyin's build (apps/api/dist and the dist of every workspace package it imports), so that a
 * rebuild in the working tree while the benchmark runs cannot change or break the server under test. Third-party
 * packages are linked from the repository's node_modules, not copied.
 * @param {string} repoRoot @param {string} tmpRoot
 * @returns {{ dir: string, apiDir: string }}
 */
export function snapshotBuild(repoRoot, tmpRoot) {
  const dir = mkdtempSync(join(tmpRoot, 'zhiyin-build-'));
  const apiDir = join(dir, 'apps', 'api');
  const copyPackage = (/** @type {string} */ from, /** @type {string} */ to) => {
    mkdirSync(to, { recursive: true });
    copyFileSync(join(from, 'package.json'), join(to, 'package.json'));
    cpSync(join(from, 'dist'), join(to, 'dist'), { recursive: true });
  };
  copyPackage(join(repoRoot, 'apps', 'api'), apiDir);
  const modules = join(dir, 'node_modules');
  mkdirSync(modules);
  const rootModules = join(repoRoot, 'node_modules');
  for (const e of readdirSync(rootModules)) {
    if (e === '@zhiyin' || e === '.bin') continue;
    symlinkSync(join(rootModules, e), join(modules, e));
  }
  const own = join(rootModules, '@zhiyin');
  if (existsSync(own)) {
    for (const e of readdirSync(own)) {
      const real = realpathSync(join(own, e));
      if (e === 'api' || !existsSync(join(real, 'dist'))) continue;
      copyPackage(real, join(modules, '@zhiyin', e));
    }
  }
  // packages installed for the API alone take precedence, as they do in the repository
  const apiModules = join(repoRoot, 'apps', 'api', 'node_modules');
  if (existsSync(apiModules)) {
    mkdirSync(join(apiDir, 'node_modules'));
    for (const e of readdirSync(apiModules)) symlinkSync(join(apiModules, e), join(apiDir, 'node_modules', e));
  }
  return { dir, apiDir };
}

/** Whether two directories are on the same file system. @param {string} a @param {string} b */
export function sameFileSystem(a, b) {
  try {
    return statSync(a).dev === statSync(b).dev;
  } catch {
    return false;
  }
}

/** How each variant of the bare write path flushes before answering. */
export const BARE_FLUSHES = {
  full: "Zhiyin's: file + directory fsync, commit flushed",
  data: 'file fdatasync only, commit flushed',
  light: "Orthanc's: file fdatasync only, commit not flushed",
};

/**
 * The reference for STOW-RS (lib/bare-store.mjs): the bare durable write path as its own Node.js process, on a fresh
 * database of the local PostgreSQL server and a fresh directory for every pass. Measured in the same STOW-RS passes
 * as the two servers, it shows what a server that does nothing but the durable writes reaches on this machine with
 * this client. `flush`: `full` as Zhiyin flushes, `light` as Orthanc does, `data` between (see bare-store.mjs).
 * @param {{ dataRoot: string, pgUrl: string, log: (s: string) => void, flush: 'full' | 'data' | 'light' }} o
 * @returns {Server & { cleanup(): void }}
 */
export function bareServer({ dataRoot, pgUrl, log, flush }) {
  const script = join(dirname(fileURLToPath(import.meta.url)), 'bare-store.mjs');
  const admin = new URL(pgUrl);
  const psql = psqlOn(admin);
  const dbName = `zhiyin_bench_bare_${flush}_${process.pid}`;
  mkdirSync(dataRoot, { recursive: true });
  const runRoot = mkdtempSync(join(dataRoot, 'bare-bench-'));
  /** @type {import('node:child_process').ChildProcess | undefined} */
  let child;
  let stderrTail = '';
  let runCount = 0;
  let runDir = '';
  /** @type {Server & { cleanup(): void }} */
  const s = {
    name: flush === 'full' ? 'bare' : flush === 'data' ? 'bare-data' : 'bare-light',
    label: `Bare write path (${BARE_FLUSHES[flush]})`,
    reference: true,
    base: '',
    pid: 0,
    agent: makeAgent(16),
    storageDir: runRoot,
    async reset() {
      await s.stop();
      if (runDir) rmSync(runDir, { recursive: true, force: true });
      runDir = join(runRoot, `run-${++runCount}`);
      mkdirSync(runDir, { recursive: true });
      psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      psql(`CREATE DATABASE ${dbName}`);
      const u = new URL(admin.toString());
      u.pathname = `/${dbName}`;
      const port = await freePort();
      const proc = spawn(process.execPath, [script], {
        env: {
          ...process.env,
          PORT: String(port),
          DIR: runDir,
          DATABASE_URL: u.toString(),
          DURABILITY: flush,
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = proc;
      s.pid = proc.pid ?? 0;
      s.base = `http://127.0.0.1:${port}`;
      stderrTail = '';
      proc.stderr?.on('data', (/** @type {Buffer} */ c) => {
        stderrTail = (stderrTail + c.toString('utf8')).slice(-4000);
      });
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the bare write path did not start:\n${stderrTail}`)), 30_000);
        proc.stdout?.once('data', () => {
          clearTimeout(timer);
          resolve(undefined);
        });
        proc.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`the bare write path exited (code ${code}):\n${stderrTail}`));
        });
      });
      proc.on('exit', (code, signal) => {
        if (child === proc) {
          child = undefined;
          log(`the bare write path exited (code ${code}, signal ${signal})${stderrTail ? `: ${stderrTail}` : ''}`);
        }
      });
    },
    async stop() {
      s.agent.destroy();
      const proc = child;
      child = undefined;
      await stopChild(proc, 10_000, () => log('the bare write path did not stop within 10 s of SIGTERM; killing it'));
      s.pid = 0;
    },
    async auth() {
      return {};
    },
    cpu() {
      return serverAndDatabaseCpu(s.pid, () => backendsOf(dbName));
    },
    async versions() {
      return {};
    },
    cleanup() {
      if (child) child.kill('SIGKILL');
      try {
        psql(`DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`);
      } catch {
        // best effort
      }
      rmSync(runRoot, { recursive: true, force: true });
    },
  };
  return s;
}
