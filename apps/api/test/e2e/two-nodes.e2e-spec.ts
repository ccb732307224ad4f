import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClient } from 'redis';
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
  let aExited: Promise<unknown>;
  let aUrl: string;
  let redis: ReturnType<typeof createClient>;
  let dataDir: string;
  const stream = `zhiyin-test:${process.pid}:${Date.now()}`;

  beforeAll(async () => {
    b = await startTestApp({ REDIS_URL, REDIS_STREAM_NAME: stream });
    redis = createClient({ url: REDIS_URL });
    await redis.connect();
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
        DICOM_PORT: '0',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    aExited = new Promise((resolve) => a.once('exit', resolve));
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
    if (a.exitCode === null && a.signalCode === null) a.kill('SIGKILL');
    await redis.quit();
    await b.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  /** Waits until node A has kept the session of a client whose connection it lost, or has died trying. */
  async function sessionKeptByA(client: Listener): Promise<void> {
    // socket.io's session id, which the client presents to resume; the adapter keeps the session under it.
    const pid = (client.socket as unknown as { _pid: string })._pid;
    const until = Date.now() + 10_000;
    while (a.exitCode === null && (await redis.exists(`sio:session:${pid}`)) === 0) {
      if (Date.now() > until) throw new Error('node A did not keep the session of the dropped connection');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /**
   * Waits until every committed event has been sent, so the events just caused were emitted while the
   * client was away (one emitted during its reconnection is another case: socket.io does not deliver
   * broadcasts to a socket between restoring its session and completing its handshake).
   */
  async function eventsSent(): Promise<void> {
    const until = Date.now() + 10_000;
    while ((await b.db.query('SELECT 1 FROM outbox WHERE delivered_at IS NULL LIMIT 1')).rowCount) {
      if (Date.now() > until) throw new Error('events not sent');
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Reconnects a client (disconnected, not reconnecting by itself) to node B. */
  async function reconnectToB(client: Listener): Promise<void> {
    (client.socket.io as unknown as { uri: string }).uri = b.url;
    client.socket.connect();
    await client.connected();
  }

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
    const token = await b.login('doc.hyjq');
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

  it('a client whose connection drops resumes on the other node with the events it missed, and its node stays up', async () => {
    const token = await b.login('doc.hyjq');
    const client = new Listener(aUrl, token);
    await client.connected();
    const before = await openReferral(b.url, token);
    await client.waitFor((e) => e.payload.referralId === before);

    // The connection drops without a goodbye (a closed lid, a lost network, a closed browser tab).
    client.socket.io.reconnection(false);
    client.socket.io.engine.close();
    await sessionKeptByA(client);
    expect(a.exitCode).toBeNull();
    const missed = [await openReferral(b.url, token), await openReferral(b.url, token)];
    await eventsSent();

    await reconnectToB(client);
    expect(client.socket.recovered).toBe(true);
    for (const id of missed) await client.waitFor((e) => e.payload.referralId === id);
    expect((await api({ url: aUrl }, 'GET', '/api/health')).status).toBe(200);
    client.close();
  });

  it('killing a node loses no event for a client that reconnects to the other', async () => {
    const token = await b.login('doc.hyjq');
    const client = new Listener(aUrl, token, b.url);
    await client.connected();
    const before = await openReferral(b.url, token);
    await client.waitFor((e) => e.payload.referralId === before);

    // Node A dies without a goodbye. The client's next attempts go to node B (as a proxy would send them).
    a.kill('SIGKILL');
    await aExited;
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
        [`facility:${(await b.db.query(`SELECT id FROM facility WHERE code = 'HYJQ'`)).rows[0].id}`],
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

  it('a node closed while clients are connected shuts down, and they resume on another node with the events they missed', async () => {
    const c = await startTestApp({ REDIS_URL, REDIS_STREAM_NAME: stream }, { databaseUrl: b.databaseUrl });
    const token = await b.login('doc.hyjq');
    const client = new Listener(c.url, token);
    await client.connected();
    const before = await openReferral(b.url, token);
    await client.waitFor((e) => e.payload.referralId === before);

    // A rolling restart: node C shuts down while the client is still connected to it.
    client.socket.io.reconnection(false);
    const closed = await Promise.race([
      c.close().then(() => 'closed'),
      new Promise((r) => setTimeout(() => r('still closing after 20 s'), 20_000).unref()),
    ]);
    expect(closed).toBe('closed');
    const missed = await openReferral(b.url, token);
    await eventsSent();

    await reconnectToB(client);
    expect(client.socket.recovered).toBe(true);
    await client.waitFor((e) => e.payload.referralId === missed);
    client.close();
  });
});
