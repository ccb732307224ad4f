import { io, type Socket } from 'socket.io-client';
import { RealtimeGateway } from '#src/modules/realtime/realtime.gateway.js';
import { startTestApp, type TestApp } from '../support/test-app.js';
import { claimsOf } from '../support/tokens.js';

// Connection state recovery gives a dropped connection back its rooms and the events it missed. The
// private session id and offset that ask for it travel to the client, so they are no credential: a
// session is restored only to the user it belonged to.
describe('socket.io connection state recovery', () => {
  let t: TestApp;
  let server: RealtimeGateway['server'];
  const tokens: Record<string, string> = {};
  const clients: Socket[] = [];

  beforeAll(async () => {
    t = await startTestApp();
    for (const u of ['doc.hyjq', 'doc.hyyw']) tokens[u] = await t.login(u);
    server = t.app.get(RealtimeGateway).server;
  });
  afterAll(async () => {
    clients.forEach((c) => c.disconnect());
    await t.close();
  });

  const userOf = (u: string) => claimsOf(tokens[u]!).sub as string;
  /** An event to one user's room, the way the outbox sends them (broadcast, so it carries an offset). */
  const send = (u: string, id: string) =>
    server.to(`user:${userOf(u)}`).emit('turnaround.warning', {
      id,
      at: new Date().toISOString(),
      referralId: '00000000-0000-4000-8000-000000000000',
      number: `ZY${id}`,
      kind: 'response',
      dueAt: new Date().toISOString(),
    } as never);

  /** A real client that records the ids of the events it receives. */
  const connect = async (token: string, extra: Record<string, string> = {}) => {
    const socket = io(t.url, {
      path: '/socket.io',
      auth: { token, ...extra },
      transports: ['websocket'],
      reconnection: false,
    });
    clients.push(socket);
    const got: string[] = [];
    socket.on('turnaround.warning', (p: { id: string }) => got.push(p.id));
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const until = async (id: string) => {
      for (let i = 0; i < 400 && !got.includes(id); i++) await new Promise((r) => setTimeout(r, 25));
      if (!got.includes(id)) throw new Error(`event ${id} not received; got ${got.join(',')}`);
    };
    return { socket, got, until };
  };

  /** Connects as doc.hyjq, receives one event, drops the connection, and misses one. */
  const droppedSession = async () => {
    const a = await connect(tokens['doc.hyjq']!);
    send('doc.hyjq', '1');
    await a.until('1');
    const internals = a.socket as unknown as { _pid: string; _lastOffset: string };
    const saved = { id: a.socket.id!, pid: internals._pid, offset: internals._lastOffset };
    expect(saved.pid).toEqual(expect.any(String));
    expect(saved.offset).toEqual(expect.any(String));
    // The transport breaks (not a clean disconnect): the server keeps the session for recovery.
    a.socket.io.engine.close();
    for (let i = 0; i < 400 && server.sockets.sockets.has(saved.id); i++) await new Promise((r) => setTimeout(r, 25));
    expect(server.sockets.sockets.has(saved.id)).toBe(false);
    send('doc.hyjq', '2-missed');
    return saved;
  };

  it('gives another user who presents the private id and offset a fresh session, not the rooms and missed events', async () => {
    const saved = await droppedSession();
    const b = await connect(tokens['doc.hyyw']!, { pid: saved.pid, offset: saved.offset });
    expect(b.socket.id).not.toBe(saved.id);
    // Events to b's own room arrive; a missed event would have come first, and none did.
    send('doc.hyyw', '3-own');
    await b.until('3-own');
    // Nor is b in the dropped session's rooms.
    send('doc.hyjq', '4-not-yours');
    send('doc.hyyw', '5-own');
    await b.until('5-own');
    expect(b.got).toEqual(['3-own', '5-own']);
    const live = server.sockets.sockets.get(b.socket.id!);
    expect([...(live?.rooms ?? [])]).not.toContain(`user:${userOf('doc.hyjq')}`);
  });

  it('still restores the session to its own user, with the events missed meanwhile', async () => {
    const saved = await droppedSession();
    const again = await connect(tokens['doc.hyjq']!, { pid: saved.pid, offset: saved.offset });
    expect(again.socket.id).toBe(saved.id);
    await again.until('2-missed');
  });
});
