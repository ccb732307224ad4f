import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';
import { DEMO_PASSWORD } from '#src/seed/demo-network.js';

const mainJs = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

// What `npm start` does on a fresh machine: no DATABASE_URL, so the built API starts its own
// embedded PostgreSQL, migrates, seeds the demo network, prints the URL and logins, and serves.
describe('npm start on a machine without a PostgreSQL server', () => {
  let child: ChildProcess;
  let output = '';
  let dataDir: string;
  let url: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'zhiyin-start-'));
    const [port, pgPort] = await Promise.all([freePort(), freePort()]);
    const env: Record<string, string | undefined> = {
      ...process.env,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(pgPort),
      DATA_DIR: dataDir,
      NODE_ENV: 'development',
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
    for (const u of ['doc.bjcy', 'rad.li', 'card.chen', 'coord.liu', 'admin']) expect(output).toContain(u);
  });

  it('serves health, docs and sign-in on the embedded database with the demo network', async () => {
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'up' });
    expect((await fetch(`${url}/api/docs/openapi.json`)).status).toBe(200);
    const login = await fetch(`${url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'doc.bjtz', password: DEMO_PASSWORD }),
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
