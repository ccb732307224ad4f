import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { DEMO_PASSWORD, demoCentreOfDataset } from '#src/seed/demo-network.js';
import { sample, SHARED_DATA, stow } from '../support/dicom-files.js';
import { freePort } from '../support/ports.js';
import { multipartBodies } from '../support/multipart.js';

const mainJs = fileURLToPath(new URL('../../dist/main.js', import.meta.url));
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

interface IndexStudy {
  centre: string;
  study_uid: string;
  series: { series_uid: string; instances: { sop_uid: string; file: string }[] }[];
}
const studies = (
  JSON.parse(readFileSync(join(SHARED_DATA, 'synthetic-dataset/index.json'), 'utf8')) as { studies: IndexStudy[] }
).studies;
const files = studies.flatMap((s) =>
  s.series.flatMap((se) => se.instances.map((i) => ({ centre: s.centre, sop: i.sop_uid, file: i.file }))),
);
const sentSha = new Map(files.map((f) => [f.sop, sha(sample(`synthetic-dataset/${f.file}`))]));

/** `npm start` on the built API: no DATABASE_URL, so its own embedded PostgreSQL under DATA_DIR. */
function startApi(env: Record<string, string>) {
  const full: Record<string, string | undefined> = {
    ...process.env,
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    ...env,
  };
  delete full.DATABASE_URL;
  delete full.DATABASE_MIGRATION_URL;
  const child = spawn(process.execPath, [mainJs], { env: full, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  const ready = new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no banner in time:\n${output}`)), 100_000);
    child.stdout.on('data', () => {
      const m = /is running: (http:\/\/\S+)/.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code ?? signal}:\n${output}`));
    });
  });
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, ready, exited, output: () => output };
}

/** PostgreSQL server processes running on a data folder (by their command line). */
function postgresOf(pgDir: string): number[] {
  const found: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const args = readFileSync(`/proc/${name}/cmdline`, 'utf8').split('\0');
      const d = args.indexOf('-D');
      if (/postgres/.test(args[0] ?? '') && d >= 0 && args[d + 1] === pgDir) found.push(Number(name));
    } catch {
      /* gone meanwhile */
    }
  }
  return found;
}

/** Every file in the blob store (DATA_DIR/studies/blobs/ab/<sha256>), by its hash. */
function blobFilesOnDisk(dataDir: string): Set<string> {
  const root = join(dataDir, 'studies', 'blobs');
  const out = new Set<string>();
  for (const d of readdirSync(root, { withFileTypes: true }))
    if (d.isDirectory() && /^[0-9a-f]{2}$/.test(d.name))
      for (const f of readdirSync(join(root, d.name))) if (/^[0-9a-f]{64}$/.test(f)) out.add(f);
  return out;
}

async function get(url: string, token: string, accept = 'application/dicom+json') {
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept } });
  return { status: res.status, type: res.headers.get('content-type') ?? '', buf: Buffer.from(await res.arrayBuffer()) };
}

const parts = multipartBodies;

const value = (ds: any, tag: string) => ds?.[tag]?.Value?.[0];

// The API killed with SIGKILL while it stores studies, then started again the way `npm start` does.
describe('a restart after the API was killed under load', () => {
  let dataDir: string;
  let env: Record<string, string>;
  let second: ReturnType<typeof startApi> | undefined;
  let url: string;
  const acknowledged = new Map<string, string>(); // SOP Instance UID -> centre, for every 200 before the kill
  let orphanAfterKill: number[] = [];

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'zhiyin-crash-'));
    const [port, pgPort] = await Promise.all([freePort(), freePort()]);
    env = { PORT: String(port), EMBEDDED_PG_PORT: String(pgPort), DATA_DIR: dataDir };
    const first = startApi(env);
    const firstUrl = await first.ready;
    const tokens = new Map<string, string>();
    for (const centre of new Set(files.map((f) => f.centre))) {
      const res = await fetch(`${firstUrl}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `doc.${demoCentreOfDataset(centre).toLowerCase()}`, password: DEMO_PASSWORD }),
      });
      tokens.set(centre, ((await res.json()) as { accessToken: string }).accessToken);
    }
    // Parallel STOW-RS: every instance in its own request, three rounds, twelve at a time; killed after
    // forty answers, with the rest in flight.
    const queue = [...files, ...files, ...files];
    let answered = 0;
    let killed = false;
    const kill = () => {
      if (killed) return;
      killed = true;
      first.child.kill('SIGKILL');
    };
    const worker = async () => {
      while (!killed && queue.length) {
        const f = queue.shift()!;
        try {
          const res = await stow(firstUrl, tokens.get(f.centre)!, [sample(`synthetic-dataset/${f.file}`)]);
          if (res.status === 200 && !killed) acknowledged.set(f.sop, f.centre);
        } catch {
          /* cut off by the kill */
        }
        if (++answered >= 40) kill();
      }
    };
    await Promise.all(Array.from({ length: 12 }, worker));
    kill();
    await first.exited;
    orphanAfterKill = postgresOf(join(dataDir, 'pg'));

    second = startApi({ ...env, STORAGE_SWEEP_GRACE: '0' });
    url = await second.ready;
  }, 240_000);

  afterAll(() => {
    if (second && second.child.exitCode === null && second.child.signalCode === null) second.child.kill('SIGKILL');
    // never leave a server of this test behind, whatever happened
    for (const pid of postgresOf(join(dataDir, 'pg'))) process.kill(pid, 'SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts again: healthy, on one PostgreSQL for its data folder', async () => {
    expect(acknowledged.size).toBeGreaterThan(0);
    const health = await fetch(`${url}/api/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toMatchObject({ status: 'ok', database: 'up' });
    // The server the killed API left behind was stopped (or is the one now in use): never two.
    expect(postgresOf(join(dataDir, 'pg'))).toHaveLength(1);
    expect(orphanAfterKill.length).toBeLessThanOrEqual(1);
  });

  it('shows nothing half-stored: every instance QIDO lists is retrievable, byte for byte', async () => {
    const listed = new Set<string>();
    for (const centre of new Set(files.map((f) => f.centre))) {
      const login = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username: `doc.${demoCentreOfDataset(centre).toLowerCase()}`, password: DEMO_PASSWORD }),
      });
      const token = ((await login.json()) as { accessToken: string }).accessToken;
      const found = await get(`${url}/dicomweb/studies?includefield=00201208`, token);
      expect(found.status === 200 || found.status === 204).toBe(true);
      const studyList: any[] = found.status === 200 ? JSON.parse(found.buf.toString()) : [];
      for (const study of studyList) {
        const studyUid = value(study, '0020000D') as string;
        const seriesRes = await get(`${url}/dicomweb/studies/${studyUid}/series`, token);
        expect(seriesRes.status).toBe(200);
        let count = 0;
        for (const series of JSON.parse(seriesRes.buf.toString()) as any[]) {
          const seriesUid = value(series, '0020000E') as string;
          const inst = await get(`${url}/dicomweb/studies/${studyUid}/series/${seriesUid}/instances`, token);
          expect(inst.status).toBe(200);
          for (const i of JSON.parse(inst.buf.toString()) as any[]) {
            const sop = value(i, '00080018') as string;
            const one = await get(
              `${url}/dicomweb/studies/${studyUid}/series/${seriesUid}/instances/${sop}`,
              token,
              'multipart/related; type="application/dicom"',
            );
            expect(one.status).toBe(200);
            const got = parts(one.buf, one.type);
            expect(got).toHaveLength(1);
            expect(sha(got[0]!)).toBe(sentSha.get(sop));
            listed.add(sop);
            count++;
          }
        }
        // the study's own count agrees with what can be listed and fetched
        expect(Number(value(study, '00201208'))).toBe(count);
      }
    }
    // and nothing acknowledged before the kill was lost
    for (const sop of acknowledged.keys()) expect(listed).toContain(sop);
  });

  it('has a file for every stored instance', async () => {
    const { superuserPassword } = JSON.parse(readFileSync(join(dataDir, 'database-secrets.json'), 'utf8')) as {
      superuserPassword: string;
    };
    const db = new pg.Client({
      connectionString: `postgres://zhiyin:${encodeURIComponent(superuserPassword)}@127.0.0.1:${env.EMBEDDED_PG_PORT}/zhiyin`,
    });
    await db.connect();
    try {
      const referenced = new Set(
        (await db.query<{ sha256: string }>('SELECT DISTINCT sha256 FROM instance')).rows.map((r) => r.sha256),
      );
      const onDisk = blobFilesOnDisk(dataDir);
      for (const h of referenced) expect(onDisk).toContain(h);
      // The sweep at start (grace 0 for this test: nothing is in flight after a restart) removes every
      // stored file the kill left unreferenced, and every temporary file of a request cut off.
      let orphans = [...onDisk].filter((h) => !referenced.has(h));
      let temps = readdirSync(join(dataDir, 'studies', 'tmp'));
      for (let i = 0; i < 600 && (orphans.length > 0 || temps.length > 0); i++) {
        await new Promise((r) => setTimeout(r, 100));
        orphans = [...blobFilesOnDisk(dataDir)].filter((h) => !referenced.has(h));
        temps = readdirSync(join(dataDir, 'studies', 'tmp'));
      }
      expect(orphans).toEqual([]);
      expect(temps).toEqual([]);
    } finally {
      await db.end();
    }
  });

  it('stops cleanly, leaving no PostgreSQL behind', async () => {
    second!.child.kill('SIGTERM');
    expect(await second!.exited).toBe(0);
    expect(postgresOf(join(dataDir, 'pg'))).toEqual([]);
    expect(existsSync(join(dataDir, 'pg', 'postmaster.pid'))).toBe(false);
  });
});

describe('a start that fails', () => {
  it('says why, without secrets', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'zhiyin-fail-'));
    // The embedded server's port is taken: PostgreSQL cannot listen.
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const pgPort = (blocker.address() as { port: number }).port;
    try {
      const api = startApi({ PORT: String(await freePort()), EMBEDDED_PG_PORT: String(pgPort), DATA_DIR: dataDir });
      await expect(api.ready).rejects.toThrow(/exited 1/);
      const out = api.output();
      expect(out).toMatch(/Zhiyin failed to start: .*did not start/);
      expect(out).toMatch(/could not bind|Address already in use/);
      expect(out).not.toMatch(/failed to start: undefined/);
      const secrets = JSON.parse(readFileSync(join(dataDir, 'database-secrets.json'), 'utf8')) as Record<
        string,
        string
      >;
      for (const s of Object.values(secrets)) expect(out).not.toContain(s);
      expect(postgresOf(join(dataDir, 'pg'))).toEqual([]);
    } finally {
      blocker.close();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }, 120_000);
});
