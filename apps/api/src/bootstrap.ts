import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication, NestExpressBodyParserOptionsFor } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { Logger } from 'pino';
import { AppModule, type AppOverrides } from './app.module.js';
import { ZhiyinIoAdapter } from './modules/realtime/io-adapter.js';
import type { AppConfig } from './config/app-config.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { NestPinoLogger } from './common/logging/logger.js';
import { requestContext } from './common/request-context.js';
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
  if (config.trustProxy) app.set('trust proxy', 'loopback, linklocal, uniquelocal');
  app.disable('x-powered-by');
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

  // Request id + caller address for the audit trail; access log with the route template only
  // (never the URL: query strings can carry names).
  app.use((req: Req, res: Res, next: () => void) => {
    const { requestId, clientRequestId } = requestIds(req.headers['x-request-id']);
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      const ctx = requestContext.get();
      logger.info(
        {
          requestId,
          clientRequestId,
          method: req.method,
          route: req.route?.path ?? '(unmatched)',
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          actorRole: ctx?.actor?.role,
        },
        'request',
      );
    });
    requestContext.run({ requestId, clientRequestId, clientIp: req.ip ?? null, actor: null }, next);
  });
  app.use(refuseControlCharactersInUrl);
  app.useGlobalPipes(new StrictValidationPipe());
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  // No enableShutdownHooks(): the process's entry point (start.ts) owns SIGINT/SIGTERM, closes the app
  // (whose destroy and shutdown hooks run then) and only then stops the embedded database and exits.
  // Nest's own handler would close the app a second time and end the process by re-raising the signal.
  const io = new ZhiyinIoAdapter(app, config.redisUrl, config.redisStreamName, logger);
  await io.connect();
  app.useWebSocketAdapter(io);

  const doc = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Zhiyin API')
      .setDescription('Referrals, studies and decisions between community health centres and the hub hospital.')
      .setVersion('0.1.0')
      .addBearerAuth()
      .build(),
  );
  SwaggerModule.setup('api/docs', app, doc, { jsonDocumentUrl: 'api/docs/openapi.json' });
  serveWebApp(app, config.webDir);
  return app;
}
