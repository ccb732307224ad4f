import { STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { isIP, type Socket } from 'node:net';
import type { Logger } from 'pino';
import type { HttpLimits } from '#src/config/app-config.js';

/** What the limits report, for the metrics. */
export interface ServerLimitsObserver {
  connectionOpened(): void;
  connectionClosed(): void;
  connectionRefused(): void;
  /** a connection cut by a limit: `headers`, `request`, `idle` or a parser error code */
  connectionDropped(reason: string): void;
}

interface Active {
  req: IncomingMessage;
  res: ServerResponse;
}

// Request bodies that may take as long as they keep flowing: a STOW-RS request or a resumable upload
// over a weak link can take hours; only a stall (the idle limit) ends them.
const STREAMED_BODY = /^\/(dicomweb\/studies|api\/uploads)(\/|\?|$)/;

/**
 * Slow, silent and greedy clients (OWASP ASVS V13 / "slowloris"):
 * - the request head must arrive within `headersTimeoutMs` (Node's own check, run every second
 *   rather than every 30 s so that the limit is what is configured);
 * - a request body within `requestTimeoutMs`, except STOW-RS and uploads, which may take as long as
 *   bytes keep coming;
 * - a connection that moves no byte for `idleTimeoutMs` is closed while it is the client that is slow
 *   (sending a body, or not reading the response); a request the server is still working on is kept;
 * - one address holds at most `maxConnectionsPerAddress` connections; further ones are answered 503
 *   and closed at once, before any byte of theirs is parsed.
 */
export function applyServerLimits(
  server: Server,
  limits: HttpLimits,
  opts: { logger: Logger; trustProxy: boolean; observer?: ServerLimitsObserver },
): void {
  const { logger, observer } = opts;
  server.headersTimeout = limits.headersTimeoutMs;
  // Node's requestTimeout is one deadline for every route; ours is per route (below).
  server.requestTimeout = 0;
  server.keepAliveTimeout = limits.keepAliveTimeoutMs;
  server.timeout = limits.idleTimeoutMs;
  // Read by Node when the server starts listening.
  (server as Server & { connectionsCheckingInterval: number }).connectionsCheckingInterval = Math.min(
    1000,
    limits.headersTimeoutMs,
  );

  const active = new WeakMap<Socket, Active>();
  const drop = (socket: Socket, reason: string, status: number | null) => {
    observer?.connectionDropped(reason);
    logger.warn({ reason, clientIp: peerAddress(socket) }, 'connection dropped');
    const current = active.get(socket);
    if (status && socket.writable && !current?.res.headersSent) {
      socket.write(`HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nConnection: close\r\n\r\n`);
    }
    socket.destroy();
  };

  capConnections(server, limits.maxConnectionsPerAddress, opts);

  // Registered once the server listens, so that they run before socket.io's handler too.
  onListening(server, () => {
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const socket = req.socket;
      active.set(socket, { req, res });
      res.once('close', () => {
        if (active.get(socket)?.res === res) active.delete(socket);
      });
      if (limits.requestTimeoutMs > 0 && !req.complete && !STREAMED_BODY.test(req.url ?? '')) {
        const timer = setTimeout(() => {
          if (!req.complete) drop(socket, 'request', 408);
        }, limits.requestTimeoutMs);
        timer.unref();
        const clear = () => clearTimeout(timer);
        req.once('end', clear);
        res.once('close', clear);
      }
    });
  });

  // No byte either way for idleTimeoutMs: close when the client is the one holding things up.
  server.on('timeout', (socket: Socket) => {
    const current = active.get(socket);
    if (!current) return drop(socket, 'idle', null); // nothing asked
    if (!current.req.complete) return drop(socket, 'idle', 408); // a body that stopped coming
    if (current.res.headersSent && current.res.writableNeedDrain) return drop(socket, 'idle', null); // not reading
    // The server is still working on a complete request (a large STOW-RS being stored, a long poll): keep it.
  });

  // Parser errors and the headers timeout: Node's own answers, plus a log line and a count.
  server.on('clientError', (err: NodeJS.ErrnoException, socket: Socket) => {
    const code = err.code ?? 'UNKNOWN';
    if (code === 'ECONNRESET' || code === 'EPIPE') {
      socket.destroy(); // the client went away; its request, if any, is logged as aborted
      return;
    }
    const reason = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 'headers' : code;
    const status = code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : code === 'HPE_HEADER_OVERFLOW' ? 431 : 400;
    drop(socket, reason, status);
  });
}

function onListening(server: Server, fn: () => void): void {
  if (server.listening) fn();
  else server.once('listening', fn);
}

/** The peer's address, IPv4-mapped IPv6 written as IPv4. */
function peerAddress(socket: Socket): string {
  const a = socket.remoteAddress ?? '';
  return a.startsWith('::ffff:') && isIP(a.slice(7)) === 4 ? a.slice(7) : a;
}

/**
 * What one client is counted as: its IPv4 address, or the /64 of an IPv6 address (one subscriber
 * gets a whole /64, so a cap per IPv6 address would cap nothing).
 */
export function addressKey(address: string): string {
  if (isIP(address) !== 6) return address;
  const [head = '', tail = ''] = address.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = address.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return `${groups
    .slice(0, 4)
    .map((g) => parseInt(g, 16).toString(16))
    .join(':')}::/64`;
}

// The addresses Express trusts as proxies under TRUST_PROXY ('loopback, linklocal, uniquelocal').
const PROXY_RANGES = [
  /^127\./,
  /^::1$/,
  /^10\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^192\.168\./,
  /^169\.254\./,
  /^f[cd][0-9a-f]{2}:/i,
  /^fe[89ab][0-9a-f]:/i,
];

function capConnections(
  server: Server,
  max: number,
  opts: { logger: Logger; trustProxy: boolean; observer?: ServerLimitsObserver },
): void {
  const open = new Map<string, number>();
  // A flood of connections is one log line per address every 10 s (with the count), not one per connection.
  const refusals = new Map<string, { since: number; count: number }>();
  // Node's own connection handling runs only for connections that are let in, so a refused one is
  // never parsed and holds no HTTP state.
  const handlers = server.listeners('connection') as ((socket: Socket) => void)[];
  server.removeAllListeners('connection');
  server.on('connection', (socket: Socket) => {
    const address = peerAddress(socket);
    // Behind a proxy (TRUST_PROXY) every client arrives from the proxy's address: the proxy is not
    // capped here (that would cap everyone together); it limits each client itself (infra/compose/nginx.conf).
    const capped = max > 0 && !(opts.trustProxy && PROXY_RANGES.some((r) => r.test(address)));
    const key = addressKey(address);
    if (capped && (open.get(key) ?? 0) >= max) {
      opts.observer?.connectionRefused();
      const now = Date.now();
      const seen = refusals.get(key);
      if (!seen || now - seen.since >= 10_000) {
        opts.logger.warn(
          { clientIp: address, limit: max, refused: (seen?.count ?? 0) + 1 },
          'connection refused: too many connections from this address',
        );
        refusals.set(key, { since: now, count: 0 });
      } else seen.count++;
      refuse(socket);
      return;
    }
    if (capped) open.set(key, (open.get(key) ?? 0) + 1);
    opts.observer?.connectionOpened();
    socket.once('close', () => {
      opts.observer?.connectionClosed();
      if (!capped) return;
      const n = (open.get(key) ?? 1) - 1;
      if (n > 0) open.set(key, n);
      else {
        open.delete(key);
        refusals.delete(key);
      }
    });
    for (const h of handlers) h.call(server, socket);
  });
}

const REFUSAL_BODY = JSON.stringify({
  error: { code: 'TOO_MANY_CONNECTIONS', message: 'Too many open connections from your address; try again shortly.' },
});
const REFUSAL =
  'HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 5\r\nConnection: close\r\n' +
  `Content-Length: ${Buffer.byteLength(REFUSAL_BODY)}\r\n\r\n${REFUSAL_BODY}`;

function refuse(socket: Socket): void {
  socket.on('error', () => undefined);
  // Whatever the client sends is read and thrown away, so that closing does not reset the
  // connection before the client has read the answer.
  socket.resume();
  socket.end(REFUSAL);
  setTimeout(() => socket.destroy(), 2000).unref();
}
