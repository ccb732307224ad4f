import { connect, type Socket } from 'node:net';
import { CT_SLICE, sample } from '../support/dicom-files.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// Slow, greedy and vanishing clients, over real sockets against the real server.

/** A raw TCP connection to the test server, collecting what the server sends. */
async function open(t: TestApp): Promise<{ socket: Socket; received: () => string; closed: Promise<void> }> {
  const { port } = new URL(t.url);
  const socket = connect(Number(port), '127.0.0.1');
  socket.on('error', () => undefined); // a reset is one of the outcomes under test
  let text = '';
  socket.on('data', (d: Buffer) => (text += d.toString('latin1')));
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  return { socket, received: () => text, closed };
}

/** One request on a connection, resolved with the response head once it has arrived (or what came before close). */
async function ask(conn: Awaited<ReturnType<typeof open>>, path = '/api/health'): Promise<string> {
  const before = conn.received().length;
  conn.socket.write(`GET ${path} HTTP/1.1\r\nHost: test\r\nConnection: keep-alive\r\n\r\n`);
  await Promise.race([
    conn.closed,
    new Promise<void>((resolve) => {
      const check = () => (conn.received().slice(before).includes('\r\n\r\n') ? resolve() : undefined);
      conn.socket.on('data', check);
      check();
    }),
  ]);
  return conn.received().slice(before);
}

const write = (socket: Socket, data: string | Buffer) =>
  new Promise<void>((resolve, reject) => socket.write(data, (err) => (err ? reject(err) : resolve())));

describe('slow clients: a request head that trickles in is cut at the headers timeout', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ HTTP_HEADERS_TIMEOUT_MS: '2000' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('answers 408 and closes a connection that sends its headers one byte a second', async () => {
    const conn = await open(t);
    await write(conn.socket, 'GET /api/health HTTP/1.1\r\nHost: test\r\nX-Slow: ');
    // Enough bytes for a minute; the limit (2 s, checked every second) must end it long before.
    let sent = 0;
    const trickle = setInterval(() => {
      if (sent++ < 60 && !conn.socket.destroyed) conn.socket.write('a');
    }, 1000);
    let bound: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      conn.closed.then(() => 'closed'),
      new Promise((resolve) => (bound = setTimeout(() => resolve('still open'), 20_000))),
    ]);
    clearTimeout(bound);
    clearInterval(trickle);
    conn.socket.destroy();
    expect(outcome).toBe('closed');
    expect(sent).toBeLessThan(20);
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('still serves a client that sends its request at once', async () => {
    await expect(api(t, 'GET', '/api/health')).resolves.toMatchObject({ status: 200 });
  });
});

describe('slow clients: connections per address are capped', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ HTTP_MAX_CONNECTIONS_PER_ADDRESS: '3' });
  });
  afterAll(async () => {
    await t.close();
  });

  it('refuses the (cap+1)-th connection of one address with 503, and closing one frees a slot', async () => {
    const held = [await open(t), await open(t), await open(t)];
    for (const c of held) await expect(ask(c)).resolves.toMatch(/^HTTP\/1\.1 200 /);

    const extra = await open(t);
    const answer = await ask(extra);
    await extra.closed;
    expect(answer).toMatch(/^HTTP\/1\.1 503 /);
    expect(answer).toContain('TOO_MANY_CONNECTIONS');
    expect(answer).toMatch(/retry-after: \d+/i);

    // The held connections keep working.
    await expect(ask(held[0]!)).resolves.toMatch(/^HTTP\/1\.1 200 /);

    // One closes; a new connection is let in once the server has seen the close.
    held[2]!.socket.end();
    await held[2]!.closed;
    let served = '';
    for (let i = 0; i < 50 && !served.startsWith('HTTP/1.1 200'); i++) {
      const next = await open(t);
      served = await ask(next);
      if (!served.startsWith('HTTP/1.1 200')) await new Promise((r) => setTimeout(r, 100));
      else held[2] = next;
      if (!served.startsWith('HTTP/1.1 200')) next.socket.destroy();
    }
    expect(served).toMatch(/^HTTP\/1\.1 200 /);
    for (const c of held) c.socket.destroy();
  }, 30_000);
});

describe("slow clients: every request's end is logged, abandoned ones included", () => {
  let t: TestApp;
  const lines: Record<string, unknown>[] = [];
  let doc: string;
  let docId: string;
  beforeAll(async () => {
    t = await startTestApp({}, { logTo: { write: (line: string) => void lines.push(JSON.parse(line)) } });
    doc = await t.login('doc.hyjq');
    docId = (await api(t, 'GET', '/api/auth/me', { token: doc })).body.id;
  });
  afterAll(async () => {
    await t.close();
  });

  const requestLines = () => lines.filter((l) => l.msg === 'request' || l.msg === 'request aborted');
  async function lineWhere(pred: (l: Record<string, unknown>) => boolean): Promise<Record<string, unknown>> {
    for (let i = 0; i < 100; i++) {
      const found = requestLines().find(pred);
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no such log line');
  }

  it('logs an answered request with its route template, status, sizes, request id and user, never its query', async () => {
    const res = await api(t, 'GET', '/api/patients?q=%E5%BC%A0%E4%BC%9F', { token: doc });
    expect(res.status).toBe(200);
    const requestId = res.headers.get('x-request-id');
    const line = await lineWhere((l) => l.requestId === requestId);
    expect(line).toMatchObject({
      msg: 'request',
      method: 'GET',
      route: '/api/patients',
      status: 200,
      aborted: false,
      userId: docId,
      role: 'community_doctor',
    });
    expect(line.bytesOut).toBeGreaterThan(0);
    expect(typeof line.durationMs).toBe('number');
    expect(JSON.stringify(line)).not.toMatch(/q=|%E5|张伟/);
  });

  it('logs a STOW-RS request whose client went away mid-body as aborted, with the bytes received', async () => {
    const boundary = 'abandoned-boundary';
    const conn = await open(t);
    await write(
      conn.socket,
      'POST /dicomweb/studies HTTP/1.1\r\nHost: test\r\n' +
        `Authorization: Bearer ${doc}\r\nAccept: application/dicom+json\r\n` +
        `Content-Type: multipart/related; type="application/dicom"; boundary=${boundary}\r\n` +
        `Content-Length: ${200 * 1024 * 1024}\r\n\r\n--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`,
    );
    await write(conn.socket, sample(CT_SLICE));
    // More than the connection's buffers hold: once written, the server is reading the body, so the
    // request has passed authentication and reached STOW-RS.
    const chunk = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < 24; i++) await write(conn.socket, chunk);
    conn.socket.destroy();

    const line = await lineWhere((l) => l.method === 'POST' && l.route === '/dicomweb/studies');
    expect(line).toMatchObject({ msg: 'request aborted', aborted: true, userId: docId, role: 'community_doctor' });
    expect(line.bytesIn).toBeGreaterThan(1024 * 1024);
    expect(typeof line.requestId).toBe('string');
    // No instance came of it.
    const { rows } = await t.db.query('SELECT count(*)::int AS n FROM instance');
    expect(rows[0].n).toBe(0);
  }, 30_000);
});

describe('slow clients: bodies are cut when they stop, not while they flow', () => {
  let t: TestApp;
  let doc: string;
  beforeAll(async () => {
    t = await startTestApp({ HTTP_REQUEST_TIMEOUT_MS: '1000', HTTP_IDLE_TIMEOUT_MS: '3000' });
    doc = await t.login('doc.hyjq');
  });
  afterAll(async () => {
    await t.close();
  });

  const closedWithin = async (conn: Awaited<ReturnType<typeof open>>, ms: number) => {
    let bound: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      conn.closed.then(() => 'closed'),
      new Promise((resolve) => (bound = setTimeout(() => resolve('still open'), ms))),
    ]);
    clearTimeout(bound);
    return outcome;
  };

  it('answers 408 to a JSON body that stops arriving', async () => {
    const conn = await open(t);
    await write(
      conn.socket,
      'POST /api/auth/login HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"user',
    );
    await expect(closedWithin(conn, 20_000)).resolves.toBe('closed');
    expect(conn.received()).toMatch(/^HTTP\/1\.1 408 /);
  }, 30_000);

  it('closes a STOW-RS request whose body stalls, after the idle time', async () => {
    const conn = await open(t);
    await write(
      conn.socket,
      'POST /dicomweb/studies HTTP/1.1\r\nHost: test\r\n' +
        `Authorization: Bearer ${doc}\r\nContent-Type: multipart/related; type="application/dicom"; boundary=b\r\n` +
        'Content-Length: 1000000\r\n\r\n--b\r\n\r\nDICM',
    );
    await expect(closedWithin(conn, 20_000)).resolves.toBe('closed');
  }, 30_000);

  it('keeps a STOW-RS request whose body keeps flowing past the request timeout, and stores it', async () => {
    const file = sample(CT_SLICE);
    const boundary = 'flowing';
    const body = Buffer.concat([
      Buffer.from(`--${boundary}\r\nContent-Type: application/dicom\r\n\r\n`),
      file,
      Buffer.from(`\r\n--${boundary}--\r\n`),
    ]);
    const conn = await open(t);
    await write(
      conn.socket,
      'POST /dicomweb/studies HTTP/1.1\r\nHost: test\r\nConnection: close\r\n' +
        `Authorization: Bearer ${doc}\r\nAccept: application/dicom+json\r\n` +
        `Content-Type: multipart/related; type="application/dicom"; boundary=${boundary}\r\n` +
        `Content-Length: ${body.length}\r\n\r\n`,
    );
    // Twenty pieces, 200 ms apart: four times the request timeout in all, never idle for long.
    const piece = Math.ceil(body.length / 20);
    for (let i = 0; i < body.length; i += piece) {
      await write(conn.socket, body.subarray(i, i + piece));
      await new Promise((r) => setTimeout(r, 200));
    }
    await conn.closed;
    expect(conn.received()).toMatch(/^HTTP\/1\.1 200 /);
  }, 30_000);
});
