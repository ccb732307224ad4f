import { ValidationPipe, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Logger } from 'pino';
import { AppModule, type AppOverrides } from './app.module.js';
import { ZhiyinIoAdapter } from './modules/realtime/io-adapter.js';
import type { AppConfig } from './config/app-config.js';
import { AllExceptionsFilter } from './common/filters/all-exceptions.filter.js';
import { NestPinoLogger } from './common/logging/logger.js';
import { requestContext } from './common/request-context.js';

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

const REQUEST_ID = /^[A-Za-z0-9._-]{8,64}$/;

// The web app's production build, served on the same port: files by name, and index.html for any
// other path that is not the API or DICOMweb (client-side routes).
function serveWebApp(app: NestExpressApplication, config: AppConfig): void {
  const dir = config.webDir;
  if (!dir || !existsSync(join(dir, 'index.html'))) return;
  app.useStaticAssets(dir, { index: false, maxAge: '1h', immutable: false });
  const indexHtml = join(dir, 'index.html');
  app.use(
    (
      req: Req & { path?: string },
      res: Res & { sendFile(p: string): void; setHeader(n: string, v: string): void },
      next: () => void,
    ) => {
      const path = req.path ?? '';
      if (req.method !== 'GET' || path.startsWith('/api') || path.startsWith('/dicomweb') || /\.[a-z0-9]+$/i.test(path))
        return next();
      res.setHeader('Cache-Control', 'no-cache');
      res.sendFile(indexHtml);
    },
  );
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
  app.useBodyParser('json', {
    limit: config.jsonBodyLimit,
    type: (req: { url?: string; headers: Record<string, string | string[] | undefined> }) =>
      !req.url?.startsWith('/dicomweb') &&
      /^application\/([\w.+-]*\+)?json\b/i.test(String(req.headers['content-type'] ?? '')),
  });

  // Request id + caller address for the audit trail; access log with the route template only
  // (never the URL: query strings can carry names).
  app.use((req: Req, res: Res, next: () => void) => {
    const given = req.headers['x-request-id'];
    const requestId = typeof given === 'string' && REQUEST_ID.test(given) ? given : randomUUID();
    res.setHeader('X-Request-Id', requestId);
    const started = performance.now();
    res.on('finish', () => {
      const ctx = requestContext.get();
      logger.info(
        {
          requestId,
          method: req.method,
          route: req.route?.path ?? '(unmatched)',
          status: res.statusCode,
          ms: Math.round(performance.now() - started),
          actorRole: ctx?.actor?.role,
        },
        'request',
      );
    });
    requestContext.run({ requestId, clientIp: req.ip ?? null, actor: null }, next);
  });
  app.useGlobalPipes(
    new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true, stopAtFirstError: false }),
  );
  app.useGlobalFilters(new AllExceptionsFilter(logger));
  app.enableShutdownHooks();
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
  serveWebApp(app, config);
  return app;
}
