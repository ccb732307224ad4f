import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEMO_PASSWORD } from '#src/seed/demo-network.js';
import { CT_SLICE, sample, stow } from '../support/dicom-files.js';
import { freePort } from '../support/ports.js';
import { createTestDatabase, TEST_DATA_KEY, TEST_JWT_SECRET } from '../support/test-app.js';

const mainJs = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const MB = 1024 * 1024;

/** Peak and current resident memory of a process, bytes (Linux /proc). */
function memoryOf(pid: number): { peak: number; now: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)![1]) * 1024;
  return { peak: kb('VmHWM'), now: kb('VmRSS') };
}

/**
 * Sends a body with its Content-Length, in slices, and stops sending once answered (as a client that
 * reads its answer does); resolves the status, or 'reset' when the connection closed unanswered.
 */
function send(port: number, token: string, body: Buffer, boundary: string): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = http.request({
      host: '127.0.0.1',
      port,
      method: 'POST',
      path: '/dicomweb/studies',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': `multipart/related; type="application/dicom"; boundary=${boundary}`,
        'content-length': String(body.length),
      },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', () => {
      if (!answered) resolve('reset');
    });
    let pos = 0;
    const next = () => {
      if (answered) return;
      if (pos >= body.length) return void req.end();
      const slice = body.subarray(pos, pos + 256 * 1024);
      pos += slice.length;
      if (req.write(slice)) setImmediate(next);
      else req.once('drain', next);
    };
    next();
  });
}

// The review's attack on the built server: STOW-RS bodies of tiny parts, several at once. Each is refused
// with 400 at the part that breaks a limit, the server's memory stays near where it was, and it goes on
// storing studies.
describe('STOW-RS floods against the built server', () => {
  let child: ChildProcess;
  let output = '';
  let dataDir: string;
  let database: { url: string; drop(): Promise<void> };
  let port: number;
  let token: string;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'zhiyin-flood-'));
    port = await freePort();
    child = spawn(process.execPath, [mainJs], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: String(port),
        DATABASE_URL: database.url,
        JWT_SECRET: TEST_JWT_SECRET,
        DATA_KEY: TEST_DATA_KEY,
        DATA_DIR: dataDir,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner in time:\n${output}`)), 60_000);
      child.stdout!.on('data', () => {
        if (/is running: http/.test(output)) {
          clearTimeout(timer);
          resolve();
        }
      });
      child.on('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
    });
    const res = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'doc.hyjq', password: DEMO_PASSWORD }),
    });
    token = ((await res.json()) as { accessToken: string }).accessToken;
    // Warm: one normal request, so that what is measured next is the floods, not the first STOW.
    expect((await stow(`http://127.0.0.1:${port}`, token, [sample(CT_SLICE)])).status).toBe(200);
  }, 90_000);

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  });

  it('three concurrent 15 MB bodies of empty parts, then of one-byte parts: 400 each, memory bounded', async () => {
    const before = memoryOf(child.pid!);
    const empty = Buffer.from('--b\r\n\r\n\r\n'.repeat(Math.floor((15 * MB) / 9)));
    const tiny = Buffer.from('--b\r\n\r\nX\r\n'.repeat(Math.floor((15 * MB) / 10)));
    for (const body of [empty, tiny]) {
      const statuses = await Promise.all([1, 2, 3].map(() => send(port, token, body, 'b')));
      expect(statuses).toEqual([400, 400, 400]);
    }
    const after = memoryOf(child.pid!);
    // The bodies themselves (45 MB a round) may be held while being read; millions of parts may not.
    expect(after.peak - before.now).toBeLessThan(256 * MB);
    expect(child.exitCode).toBeNull();
    // and the server still stores a study
    const ok = await stow(`http://127.0.0.1:${port}`, token, [
      sample('synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/CT_2_002.dcm'),
    ]);
    expect(ok.status).toBe(200);
  });
});
