import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';

const hubJs = fileURLToPath(new URL('../../../api/dist/main.js', import.meta.url));
const gatewayJs = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

export const DEMO_PASSWORD = 'Zhiyin-2026';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as AddressInfo;
      s.close(() => resolve(port));
    });
  });
}

export interface Started {
  child: ChildProcess;
  ready: Promise<void>;
  exited: Promise<void>;
  output(): string;
}

function run(script: string, env: Record<string, string | undefined>, readyLine: RegExp): Started {
  const child = spawn(process.execPath, [script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready in time:\n${output}`)), 150_000);
    const seen = (d: Buffer) => {
      output += d.toString();
      if (readyLine.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code ?? signal}:\n${output}`));
    });
  });
  ready.catch(() => undefined);
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.on('exit', () => resolve());
  });
  return { child, ready, exited, output: () => output };
}

/** The built hub as `npm start` runs it: its own embedded PostgreSQL under DATA_DIR, the demo network seeded. */
export function startHub(env: { PORT: string; EMBEDDED_PG_PORT: string; DATA_DIR: string }): Started {
  const full: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    DICOM_PORT: '0',
    ...env,
  };
  delete full.DATABASE_URL;
  delete full.DATABASE_MIGRATION_URL;
  return run(hubJs, full, /is running: http:\/\/\S+/);
}

/** The built gateway as `npm run gateway` runs it. */
export function startGatewayProcess(env: Record<string, string>): Started {
  return run(gatewayJs, { PATH: process.env.PATH, ...env }, /Zhiyin gateway is running/);
}

/** Stops a process: SIGTERM (or the given signal) and waits for its exit. */
export async function stop(p: Started | undefined, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return;
  p.child.kill(signal);
  await p.exited;
}

/** Runs one of Debian's dcmtk tools and returns how it ended. */
export function dcmtk(tool: string, args: string[]): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile(tool, args, { timeout: 120_000, maxBuffer: 32 * 1024 * 1024 }, (err, stdout, stderr) => {
      const code = err
        ? typeof (err as { code?: unknown }).code === 'number'
          ? (err as { code: number }).code
          : 1
        : 0;
      resolve({ code, out: `${stdout}${stderr}` });
    });
  });
}

/** Waits until `check` holds (polling), or fails with its last state after `ms`. */
export async function until<T>(
  what: string,
  probe: () => Promise<T>,
  check: (v: T) => boolean,
  ms = 120_000,
): Promise<T> {
  const end = Date.now() + ms;
  let last: T | undefined;
  for (;;) {
    try {
      last = await probe();
      if (check(last)) return last;
    } catch {
      /* not yet */
    }
    if (Date.now() > end) throw new Error(`${what}: not reached; last ${JSON.stringify(last)?.slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
