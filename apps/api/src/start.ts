import 'reflect-metadata';
import { join } from 'node:path';
import { loadConfig } from './config/app-config.js';
import { ConfigError } from './config/env.schema.js';
import { createLogger } from './common/logging/logger.js';
import { startEmbeddedPostgres, type EmbeddedDatabase } from './database/embedded-postgres.js';
import { prepareDatabase } from './database/prepare.js';
import { createApp } from './bootstrap.js';
import { DEMO_PASSWORD } from './seed/demo-network.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger(config.logLevel);

  let embedded: EmbeddedDatabase | undefined;
  let databaseUrl = config.databaseUrl;
  if (!databaseUrl) {
    logger.info({ port: config.embeddedPgPort }, 'DATABASE_URL not set: starting the embedded PostgreSQL');
    embedded = await startEmbeddedPostgres({
      dir: join(config.dataDir, 'pg'),
      port: config.embeddedPgPort,
      database: 'zhiyin',
      onLog: (line) => logger.warn({ component: 'embedded-postgres' }, line),
    });
    databaseUrl = embedded.url;
  }
  const seeded = await prepareDatabase(databaseUrl, config.seedDemo);

  const app = await createApp(config, databaseUrl, logger);
  const shutdown = async (signal: string) => {
    logger.info({ signal }, 'shutting down');
    await app.close();
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  await app.listen(config.port, config.host);

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
  process.stderr.write(`Zhiyin failed to start: ${(err as Error)?.stack ?? String(err)}\n`);
  process.exit(1);
});
