import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { startEmbeddedPostgres } from '#src/database/embedded-postgres.js';
import { prepareDatabase } from '#src/database/prepare.js';
import { seedDemoNetwork } from '#src/seed/demo-network.js';

// Plain JavaScript on the built API (jest cannot transform an ESM global setup).
// Integration tests run against a real PostgreSQL: the server in DATABASE_URL, else an embedded
// one. The schema is migrated and the demo network seeded once into a template database; each
// test file clones it (CREATE DATABASE … TEMPLATE), so files are isolated and can run in parallel.
export default async function globalSetup() {
  const runId = `${Date.now().toString(36)}${randomBytes(3).toString('hex')}`;
  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
    const embedded = await startEmbeddedPostgres({
      dir: join(repoRoot, 'var', 'test-pg'),
      port: Number(process.env.ZHIYIN_TEST_PG_PORT ?? 54330),
      database: 'postgres',
      password: 'zhiyin-test-superuser',
    });
    adminUrl = embedded.url;
    globalThis.__embeddedPg = embedded;
  }
  const template = `zhiyin_tpl_${runId}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${template}"`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabase(adminUrl, template);
  // Prepared as `npm start` prepares a database from a superuser URL: a no-login owner role owns the
  // schema, and the app runs as a role without ownership (so the tests exercise its limits). The clones
  // share the template's roles.
  const dbKey = randomBytes(24).toString('base64url');
  await prepareDatabase({ url: templateUrl, seed: seedDemoNetwork, fallbackKey: dbKey });
  process.env.ZHIYIN_TEST_DB_KEY = dbKey;
  process.env.ZHIYIN_TEST_ADMIN_URL = adminUrl;
  process.env.ZHIYIN_TEST_TEMPLATE = template;
  process.env.ZHIYIN_TEST_RUN = runId;
}

export function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}
