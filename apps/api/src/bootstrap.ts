import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication, NestExpressBodyParserOptionsFor } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { withContractSchemas } from './common/openapi/document.js';
import type { Server } from 'node:http';
import type { Logger } from 'pino';
import { AppModule, type AppOverrides } from './app.module.js';
import { ZhiyinIoAdapter } from './modules/realtime/io-adapter.js';
import type { AppConfig } from './config/app-config.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { NestPinoLogger } from './common/logging/logger.js';
import { applyServerLimits } from './common/http/server-limits.js';
import { bindRequestLogContext, trackRequests } from './common/logging/request-log.js';
import { metricsEndpoint } from './modules/metrics/metrics.endpoint.js';
import { MetricsService } from './modules/metrics/metrics.service.js';
import { requestContext } from './common/request-context.js';
import { securityHeaders } from './common/http/security-headers.js';
import { requestIds } from './common/logging/request-id.js';
import { StrictValidationPipe } from './common/pipes/strict-validation.pipe.js';
import { verifyJsonDepth } from './common/validation/json-depth.js';
import { refuseControlCharactersInUrl } from './common/validation/url-control-characters.js';
import { serveWebApp } from './web-app.js';

interface Req {
  headers: Record<string, string | string[] | undefined>;
  ip?: string;
  method: string;
  route?: { path?: string };
}
interface Res {
  statusCode: number;
  setHeader(name: string, value: string): void;
  on(event: 'finish', cb: () => void): void;
}

/** Builds the HTTP application (used by `main.ts` and by the tests, so both run the same app). */
export async function createApp(
  config: AppConfig,
  databaseUrl: string,
  logger: Logger,
  overrides: AppOverrides = {},
): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register(config, databaseUrl, logger, overrides),
    {
      logger: new NestPinoLogger(logger),
      bodyParser: false,
      abortOnError: false,
    },
  );
  // Slow clients, connections per address, every request's end logged and counted; GET /metrics.
  const metrics = app.get(MetricsService);
  const http: Server = app.getHttpServer();
  applyServerLimits(http, config.http, { logger, trustProxy: config.trustProxy, observer: metrics });
  trackRequests(http, logger, (end) => metrics.observeRequest(end));
  app.use('/metrics', metricsEndpoint(metrics, config.metricsToken, logger));
  if (config.trustProxy) app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.disable('x-powered-by');
  // First, so every answer carries them, errors and the web app's files included.
  app.use(securityHeaders());
  app.setGlobalPrefix('api', { exclude: ['dicomweb/{*path}'] });
  // JSON bodies for the REST API; DICOMweb bodies are streamed by their own handlers, never parsed here.
  // `verify` refuses deeply nested JSON before it is parsed. Nest's option type leaves `verify` out
  // (its rawBody option uses it) but hands the options to body-parser as they are.
  app.useBodyParser('json', {
    limit: config.jsonBodyLimit,
    verify: verifyJsonDepth,
    type: (req: { url?: string; headers: Record<string, string | string[] | undefined> }) =>
      !req.url?.startsWith('/dicomweb') &&
      /^application\/([\w.+-]*\+)?json\b/i.test(String(req.headers['content-type'] ?? '')),
  } as NestExpressBodyParserOptionsFor<'json'>);

  // Request id + caller address for the audit trail (the access log is written by trackRequests, with
  // the route template only: never the URL, whose query string can carry names).
  app.use((req: Req, res: Res, next: () => void) => {
    const { requestId, clientRequestId } = requestIds(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    requestContext.run({ requestId, clientRequestId, clientIp: req.ip ?? null, actor: null }, next);
  });
  app.use(bindRequestLogContext(() => requestContext.get()));
  app.use(refuseControlCharactersInUrl);
  app.useGlobalPipes(new StrictValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  // No enableShutdownHooks(): the process's entry point (start.ts) owns SIGINT/SIGTERM, closes the app
  // (whose destroy and shutdown hooks run then) and only then stops the embedded database and exits.
  // Nest's own handler would close the app a second time and end the process by re-raising the signal.
  const io = new ZhiyinIoAdapter(app, config.redisUrl, config.redisStreamName, logger);
  await io.connect();
  app.useWebSocketAdapter(io);

  const doc = withContractSchemas(
    SwaggerModule.createDocument(
      app,
      new DocumentBuilder()
        .setTitle('Zhiyin API')
        .setDescription('Referrals, studies and decisions between community health centres and the hub hospital.')
        .setVersion('0.1.0')
        .addBearerAuth()
        .build(),
    ),
  );
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs/openapi.json' });
  serveWebApp(app, config.webDir);
  return app;
}
