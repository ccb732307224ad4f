import 'reflect-metadata';
import type { Server } from 'node:http';
import { join } from 'node:path';
import { describeError } from './common/describe-error.js';
import { embeddedDatabaseSecrets, loadConfig, type AppConfig } from './config/app-config.js';
import { ConfigError } from './config/env.schema.js';
import { createLogger } from './common/logging/logger.js';
import type { EmbeddedDatabase } from './database/embedded-postgres.js';
import { prepareDatabase } from './database/prepare.js';
import { createApp } from './bootstrap.js';
import { WadoService } from './modules/imaging/wado.service.js';
import { DEMO_PASSWORD, seedDemoNetwork } from './seed/demo-network.js';

// Secret values known to this process, kept out of any failure it prints.
const secrets: (string | undefined)[] = [];

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  secrets.push(config.jwtSecret, config.dataKey.toString('base64'));
  const logger = createLogger(config.logLevel);

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  let appPassword: string | undefined;
  if (!databaseUrl) {
    logger.info({ port: config.embeddedPgPort }, 'DATABASE_URL not set: starting the embedded PostgreSQL');
    // Loaded only when used: the package stops its databases and exits the process on the first
    // SIGINT/SIGTERM by itself, ~20 ms later, before the API has closed (requests in flight, live
    // sessions kept for reconnection, the Redis adapter). The API's own shutdown below closes the app
    // first and then stops the database, so the package's signal handlers are taken off again.
    const signals = ['SIGINT', 'SIGTERM'] as const;
    const before = new Map(signals.map((s) => [s, new Set(process.listeners(s))]));
    const { startEmbeddedPostgres } = await import('./database/embedded-postgres.js');
    for (const s of signals)
      for (const l of process.listeners(s)) if (!before.get(s)!.has(l)) process.removeListener(s, l);
    const passwords = embeddedDatabaseSecrets(config.dataDir);
    secrets.push(passwords.superuserPassword, passwords.appPassword);
    appPassword = passwords.appPassword;
    embedded = await startEmbeddedPostgres({
      dir: join(config.dataDir, 'pg'),
      port: config.embeddedPgPort,
      database: 'zhiyin',
      password: passwords.superuserPassword,
      onLog: (line) => logger.warn({ component: 'embedded-postgres' }, line),
    });
    databaseUrl = embedded.url;
  }
  try {
    await run(config, logger, databaseUrl, appPassword, embedded);
  } catch (err) {
    // A failed start must not leave its embedded database running behind it.
    await embedded?.stop().catch(() => undefined);
    throw err;
  }
}

async function run(
  config: AppConfig,
  logger: ReturnType<typeof createLogger>,
  databaseUrl: string,
  appPassword: string | undefined,
  embedded: EmbeddedDatabase | undefined,
): Promise<void> {
  const prepared = await prepareDatabase({
    url: databaseUrl,
    migrationUrl: config.databaseMigrationUrl,
    seed: config.seedDemo ? seedDemoNetwork : undefined,
    appPassword,
    fallbackKey: config.jwtSecret,
  });
  const seeded = prepared.seeded;
  if (!prepared.restricted)
    logger.warn(
      'the API runs as the owner of its tables: its role could rewrite the audit trail. Give DATABASE_MIGRATION_URL (the owner) and DATABASE_URL (a role without ownership), or a superuser DATABASE_URL to have the roles made',
    );

  const app = await createApp(config, prepared.appUrl, logger);
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    // Requests in flight are answered; a keep-alive connection is closed as soon as it is idle rather
    // than when its keep-alive time runs out.
    const http = app.getHttpServer() as Server;
    const idle = setInterval(() => http.closeIdleConnections(), 100);
    await app.close();
    clearInterval(idle);
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen(config.port, config.host);
  app.get(WadoService).warm();

  const shownHost = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
  const url = `http://${shownHost}:${config.port}`;
  const lines = [
    '',
    `  Zhiyin 知医 is running: ${url}`,
    `  API docs: ${url}/api/docs    health: ${url}/api/health`,
    `  Database: ${embedded ? `embedded PostgreSQL (data in ${join(config.dataDir, 'pg')})` : 'DATABASE_URL'}`,
  ];
  if (seeded) {
    lines.push('', `  Demo logins (password for all: ${DEMO_PASSWORD}):`);
    for (const u of seeded.logins) lines.push(`    ${u.username.padEnd(14)} ${u.role.padEnd(17)} ${u.label}`);
    lines.push('  Patients sign in with a code issued by their community doctor plus their date of birth.');
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`Zhiyin failed to start: ${describeError(err, secrets)}\n`);
  process.exit(1);
});
