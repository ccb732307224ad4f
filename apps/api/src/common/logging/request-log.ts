import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import type { RequestContext } from '#src/common/request-context.js';

/** One request as it ended: ids, a route template and counts only, never a URL, query string or body. */
export interface RequestEnd {
  method: string;
  /** the route's template (`/api/referrals/:id`), `(unmatched)` when no route took it */
  route: string;
  /** the status sent; null when the connection closed before any answer began */
  status: number | null;
  durationMs: number;
  /** request body bytes received */
  bytesIn: number;
  /** bytes written to the connection for the response, headers included */
  bytesOut: number;
  /** the connection closed before the whole response was sent */
  aborted: boolean;
  requestId: string | undefined;
  userId: string | undefined;
  role: string | undefined;
}

interface Tracked {
  context?: RequestContext;
  route?: string;
}

const tracked = new WeakMap<IncomingMessage, Tracked>();

/**
 * Logs every request when it ends, whether answered or abandoned by its client, and hands the same
 * facts to `onEnd` (the metrics). Hooked into the HTTP server itself, so requests that no route or
 * middleware finishes are seen as well.
 */
export function trackRequests(server: Server, logger: Logger, onEnd?: (end: RequestEnd) => void): void {
  const start = () =>
    server.prependListener('request', (req: IncomingMessage, res: ServerResponse) => {
      const started = performance.now();
      const state: Tracked = {};
      tracked.set(req, state);
      // Body bytes as the parser hands them to the request stream: counted without reading the stream,
      // so whoever consumes the body (a parser, STOW-RS, tus) consumes it exactly as before.
      let bytesIn = 0;
      const push = req.push.bind(req);
      req.push = (chunk: unknown, encoding?: BufferEncoding) => {
        if (chunk && typeof (chunk as Buffer).length === 'number') bytesIn += (chunk as Buffer).length;
        return push(chunk, encoding);
      };
      const socket = req.socket;
      const writtenBefore = socket.bytesWritten;
      res.once('close', () => {
        const ctx = state.context;
        const actor = ctx?.actor;
        const end: RequestEnd = {
          method: req.method ?? 'GET',
          route: routeTemplate(req),
          status: res.headersSent ? res.statusCode : null,
          durationMs: Math.round(performance.now() - started),
          bytesIn,
          bytesOut: Math.max(0, socket.bytesWritten - writtenBefore),
          aborted: !res.writableFinished,
          requestId: ctx?.requestId ?? headerValue(res.getHeader('x-request-id')),
          // A patient's id is the patient's own record: patients are logged by role only.
          userId: actor && actor.role !== 'patient' ? actor.id : undefined,
          role: actor?.role,
        };
        logger.info(end, end.aborted ? 'request aborted' : 'request');
        onEnd?.(end);
      });
    });
  // Once listening, so that this runs before socket.io's request handler too (it wraps the others).
  if (server.listening) start();
  else server.once('listening', start);
}

/** Express middleware, mounted after the request context exists: the log line's request id and user. */
export function bindRequestLogContext(context: () => RequestContext | undefined) {
  return (req: IncomingMessage, _res: unknown, next: () => void) => {
    const state = tracked.get(req);
    if (state) state.context = context();
    next();
  };
}

/** For a handler outside the router (no `req.route`): the template to log it under. */
export function setRouteTemplate(req: IncomingMessage, template: string): void {
  const state = tracked.get(req);
  if (state) state.route = template;
}

function routeTemplate(req: IncomingMessage): string {
  const given = tracked.get(req)?.route;
  if (given) return given;
  const path = (req as IncomingMessage & { route?: { path?: unknown } }).route?.path;
  if (typeof path === 'string') return path;
  // socket.io's long polls never reach a route; they are one route of their own.
  if (req.url?.startsWith('/socket.io/')) return '/socket.io';
  return '(unmatched)';
}

function headerValue(v: number | string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}
