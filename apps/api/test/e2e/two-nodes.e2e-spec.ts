import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../support/ports.js';
import { Listener } from '../support/realtime.js';
import { api, startTestApp, TEST_DATA_KEY, TEST_JWT_SECRET, type TestApp } from '../support/test-app.js';

const REDIS_URL = process.env.ZHIYIN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const mainJs = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

// Two API nodes on one database, sharing socket.io rooms through Redis Streams: node A is a real
// process (so it can be killed), node B runs in the test.
describe('two API nodes with Redis', () => {
  let b: TestApp;
  let a: ChildProcess;
  let aUrl: string;
  let dataDir: string;
  const stream = `zhiyin-test:${process.pid}:${Date.now()}`;

  beforeAll(async () => {
    b = await startTestApp({ REDIS_URL, REDIS_STREAM_NAME: stream });
    dataDir = mkdtempSync(join(tmpdir(), 'zhiyin-node-a-'));
    const port = await freePort();
    a = spawn(process.execPath, [mainJs], {
      env: {
        ...process.env,
        NODE_ENV: 'test',
        PORT: String(port),
        DATABASE_URL: b.databaseUrl,
        REDIS_URL,
        REDIS_STREAM_NAME: stream,
        JWT_SECRET: TEST_JWT_SECRET,
        DATA_KEY: TEST_DATA_KEY,
        DATA_DIR: dataDir,
        SEED_DEMO: 'false',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    a.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`node A did not start:\n${out}`)), 60_000);
      a.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /is running: (http:\/\/\S+)/.exec(out);
        if (m) {
          clearTimeout(timer);
          aUrl = m[1]!;
          resolve();
        }
      });
      a.on('exit', (code) => reject(new Error(`node A exited ${code}:\n${out}`)));
    });
  }, 90_000);

  afterAll(async () => {
    if (a.exitCode === null) a.kill('SIGKILL');
    await b.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function openReferral(url: string, token: string): Promise<string> {
    const { rows } = await b.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100101'`);
    const res = await api({ url }, 'POST', '/api/referrals', {
      token,
      body: { patientId: rows[0].id, service: 'IMAGING', priority: 'ROUTINE' },
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  it('an event caused on one node reaches a client connected to the other', async () => {
    const token = await b.login('doc.bjcy');
    const onB = new Listener(b.url, token);
    const onA = new Listener(aUrl, token);
    await Promise.all([onB.connected(), onA.connected()]);
    const viaA = await openReferral(aUrl, token);
    const viaB = await openReferral(b.url, token);
    for (const l of [onA, onB]) {
      await l.waitFor((e) => e.event === 'referral.changed' && e.payload.referralId === viaA);
      await l.waitFor((e) => e.event === 'referral.changed' && e.payload.referralId === viaB);
    }
    expect(onB.raw.filter((e) => e.payload.referralId === viaA)).toHaveLength(1);
    onA.close();
    onB.close();
  });

  it('killing a node loses no event for a client that reconnects to the other', async () => {
    const token = await b.login('doc.bjcy');
    const client = new Listener(aUrl, token, b.url);
    await client.connected();
    const before = await openReferral(b.url, token);
    await client.waitFor((e) => e.payload.referralId === before);

    // Node A dies without a goodbye. The client's next attempts go to node B (as a proxy would send them).
    a.kill('SIGKILL');
    await new Promise((r) => a.once('exit', r));
    (client.socket.io as unknown as { uri: string }).uri = b.url;
    const during = [await openReferral(b.url, token), await openReferral(b.url, token)];
    await client.connected().catch(() => undefined);
    await new Promise<void>((resolve) => {
      if (client.socket.connected) resolve();
      else client.socket.once('connect', () => resolve());
    });
    await client.catchingUp;
    const after = await openReferral(b.url, token);
    for (const id of [...during, after]) await client.waitFor((e) => e.payload.referralId === id);

    const { rows } = await b.db.query(
      `SELECT o.id::text AS id FROM outbox o WHERE o.rooms && $1::text[] AND o.id >= $2 ORDER BY o.id`,
      [
        [`facility:${(await b.db.query(`SELECT id FROM facility WHERE code = 'BJCY'`)).rows[0].id}`],
        client.events(undefined, before)[0]!.payload.id,
      ],
    );
    const got = client
      .events()
      .map((e) => e.payload.id as string)
      .filter((id) => BigInt(id) >= BigInt(rows[0].id));
    expect(got.sort((x, y) => Number(x) - Number(y))).toEqual(rows.map((r) => r.id));
    client.close();
  });
});
