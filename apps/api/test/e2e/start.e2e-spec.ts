import { spawn, type ChildProcess } from 'node:child_process';
import { dcmtk } from '../support/dcmtk.js';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';
import { createTestDatabase, TEST_DATA_KEY, TEST_JWT_SECRET } from '../support/test-app.js';
import { DEMO_PASSWORD } from '#src/seed/demo-network.js';

const mainJs = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

// What `npm start` does on a fresh machine: no DATABASE_URL, so the built API starts its own
// embedded PostgreSQL, migrates, seeds the demo network, prints the URL and logins, and serves.
describe('npm start on a machine without a PostgreSQL server', () => {
  let child: ChildProcess;
  let output = '';
  let dataDir: string;
  let url: string;
  let dicomPort: number;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'zhiyin-start-'));
    const [port, pgPort] = await Promise.all([freePort(), freePort()]);
    dicomPort = await freePort();
    const env: Record<string, string | undefined> = {
      ...process.env,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(pgPort),
      DATA_DIR: dataDir,
      NODE_ENV: 'development',
      // The DICOM listener starts with npm start; on a free port, as other tests run beside this one.
      DICOM_PORT: String(dicomPort),
    };
    delete env.DATABASE_URL;
    child = spawn(process.execPath, [mainJs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no banner in time:\n${output}`)), 90_000);
      const check = () => {
        const m = /is running: (http:\/\/\S+)/.exec(output);
        if (m) {
          clearTimeout(timer);
          url = m[1]!;
          resolve();
        }
      };
      child.stdout!.on('data', check);
      child.on('exit', (code) => reject(new Error(`exited ${code}:\n${output}`)));
    });
  }, 120_000);

  afterAll(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('prints the URL and the demo logins', () => {
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(output).toContain(`password for all: ${DEMO_PASSWORD}`);
    for (const u of ['doc.hyjq', 'rad.li', 'card.chen', 'coord.liu', 'admin']) expect(output).toContain(u);
  });

  it('listens for DICOM associations: an AE title nobody registered is rejected at association', async () => {
    const echo = await dcmtk('echoscu', ['-aet', 'NOBODY', '-aec', 'ZHIYIN', '127.0.0.1', String(dicomPort)]);
    expect(echo.out).toMatch(/Calling AE Title Not Recognized/i);
  });

  it('serves health, docs and sign-in on the embedded database with the demo network', async () => {
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'up' });
    expect((await fetch(`${url}/api/docs/openapi.json`)).status).toBe(200);
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'doc.hyeq', password: DEMO_PASSWORD }),
    });
    const { accessToken } = (await login.json()) as { accessToken: string };
    const facilities = (await (
      await fetch(`${url}/api/facilities`, { headers: { authorization: `Bearer ${accessToken}` } })
    ).json()) as {
      facilities: { kind: string }[];
      readingCentres: unknown[];
    };
    expect(facilities.facilities.filter((f) => f.kind === 'community')).toHaveLength(11);
    expect(facilities.facilities.filter((f) => f.kind === 'hub')).toHaveLength(1);
    expect(facilities.readingCentres).toHaveLength(2);
    const search = await fetch(`${url}/api/patients?q=${encodeURIComponent('司马')}`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    expect(((await search.json()) as { items: { givenNameZh: string }[] }).items[0]!.givenNameZh).toBe('䶮');
  });

  it('keeps patient data and tokens out of its logs', async () => {
    await new Promise((r) => setTimeout(r, 300));
    const logLines = output.split('\n').filter((l) => l.startsWith('{'));
    expect(logLines.some((l) => l.includes('"route":"/api/patients"'))).toBe(true);
    expect(output).not.toMatch(/司马|䶮|%E5%8F%B8|Bearer ey/);
  });

  it('shuts down cleanly on SIGTERM, stopping its database', async () => {
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
    const again = await fetch(`${url}/api/health`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(again).toBe('refused');
  });
});

// A node of a real deployment (DATABASE_URL set) being stopped or restarted: what it was doing is finished,
// then it exits by itself with success — the embedded database package is not even loaded, so its own
// signal handling cannot end the process early, and the app is closed once.
describe('an API node on a PostgreSQL server, stopped with SIGTERM', () => {
  let child: ChildProcess;
  let output = '';
  let dataDir: string;
  let database: { url: string; drop(): Promise<void> };
  let port: number;

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'zhiyin-node-'));
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
        LOG_LEVEL: 'info',
        DICOM_PORT: '0',
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
  }, 90_000);

  afterAll(async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  });

  it('answers the request in flight, then exits with success', async () => {
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child.once('exit', (code, signal) => resolve({ code, signal })),
    );
    // A sign-in whose body is still arriving when the signal comes (keep-alive, as browsers connect).
    const body = JSON.stringify({ username: 'doc.hyjq', password: DEMO_PASSWORD });
    const req = http.request({
      port,
      host: '127.0.0.1',
      method: 'POST',
      path: '/api/auth/login',
      agent: new http.Agent({ keepAlive: true }),
      headers: { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) },
    });
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      req.on('response', (res) => {
        let text = '';
        res.on('data', (c: Buffer) => (text += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      });
      req.on('error', reject);
    });
    req.write(body.slice(0, 10));
    await new Promise((r) => setTimeout(r, 200));
    child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 300));
    req.end(body.slice(10));

    const answer = await answered;
    // the template database holds the demo network's accounts
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).accessToken).toEqual(expect.any(String));
    expect(await exited).toEqual({ code: 0, signal: null });
    expect(output).toContain('shutting down');
    const again = await fetch(`http://127.0.0.1:${port}/api/health`).then(
      () => 'answered',
      () => 'refused',
    );
    expect(again).toBe('refused');
  }, 30_000);
});
