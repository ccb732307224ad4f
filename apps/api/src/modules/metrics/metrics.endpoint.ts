import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from 'pino';
import { setRouteTemplate } from '#src/common/logging/request-log.js';
import type { MetricsService } from './metrics.service.js';

// GET /metrics, for the operators' Prometheus only: the bearer token METRICS_TOKEN, compared in
// constant time. Without a configured token the endpoint does not exist (404), so a deployment that
// has not set one up exposes nothing. Mounted as plain middleware ahead of the API: it is not a
// user-facing route and takes no user's sign-in.
export function metricsEndpoint(metrics: MetricsService, token: string | undefined, logger: Logger) {
  const expected = token ? digest(token) : undefined;
  return (req: IncomingMessage, res: ServerResponse, next: (err?: unknown) => void) => {
    const path = (req.url ?? '').split('?')[0];
    if (path !== '/' && path !== '') return next();
    setRouteTemplate(req, '/metrics');
    res.setHeader('Cache-Control', 'no-store');
    if (!expected || (req.method !== 'GET' && req.method !== 'HEAD')) {
      return send(res, 404, { error: { code: 'NOT_FOUND', message: 'Not found.' } });
    }
    const m = /^Bearer\s+(\S+)\s*$/i.exec(String(req.headers.authorization ?? ''));
    if (!m || !timingSafeEqual(digest(m[1]!), expected)) {
      res.setHeader('WWW-Authenticate', 'Bearer realm="metrics"');
      return send(res, 401, { error: { code: 'UNAUTHENTICATED', message: 'The metrics token is missing or wrong.' } });
    }
    metrics.render().then(
      ({ contentType, body }) => {
        res.writeHead(200, { 'Content-Type': contentType, 'Content-Length': Buffer.byteLength(body) });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        logger.error({ err: (err as Error)?.message }, 'metrics scrape failed');
        send(res, 503, { error: { code: 'SERVICE_UNAVAILABLE', message: 'Metrics are unavailable right now.' } });
      },
    );
  };
}

// Equal-length digests, so that the comparison's time says nothing about the token's length either.
function digest(v: string): Buffer {
  return createHash('sha256').update(v).digest();
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
  });
  res.end(text);
}
