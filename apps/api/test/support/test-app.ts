import 'reflect-metadata';
import type { INestApplication } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { pino, type Logger } from 'pino';
import { createApp } from '#src/bootstrap.js';
import type { AppOverrides } from '#src/app.module.js';
import { loadConfig, type AppConfig } from '#src/config/app-config.js';
import { appDatabaseUrl } from '#src/database/prepare.js';
import { DEMO_PASSWORD } from '#src/seed/demo-network.js';
import { loadResponseCheck, type ResponseCheck } from './openapi.js';

/** Each test server's check of answers against its OpenAPI document (see openapi.ts), by the server's URL. */
const responseChecks = new Map<string, ResponseCheck>();

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';
export const TEST_DATA_KEY = Buffer.alloc(32, 7).toString('base64');

export interface TestApp {
  url: string;
  app: INestApplication;
  config: AppConfig;
  /** direct SQL on this test file's own database, as a superuser */
  db: pg.Pool;
  /** a superuser's URL of this test file's database */
  databaseUrl: string;
  /** the URL the app runs with: its own role, which owns nothing */
  appDatabaseUrl: string;
  login(username: string, password?: string): Promise<string>;
  close(): Promise<void>;
}

let counter = 0;

/** A fresh database cloned from the migrated, seeded template, and the real app on a free port. */
export async function createTestDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const adminUrl = process.env.ZHIYIN_TEST_ADMIN_URL!;
  const name = `zhiyin_t_${process.env.ZHIYIN_TEST_RUN}_${process.pid}_${counter++}_${randomBytes(2).toString('hex')}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}" TEMPLATE "${process.env.ZHIYIN_TEST_TEMPLATE}"`);
  } finally {
    await admin.end();
  }
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const c = new pg.Client({ connectionString: adminUrl });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

export async function startTestApp(
  env: Record<string, string> = {},
  opts: {
    overrides?: AppOverrides;
    databaseUrl?: string;
    /** receives the server's log lines (JSON, from level info) for a test to read */
    logTo?: { write(line: string): void };
    logger?: Logger;
  } = {},
): Promise<TestApp> {
  const database = opts.databaseUrl
    ? { url: opts.databaseUrl, drop: () => Promise.resolve() }
    : await createTestDatabase();
  const dataDir = mkdtempSync(join(tmpdir(), 'zhiyin-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    DATA_DIR: dataDir,
    JWT_SECRET: TEST_JWT_SECRET,
    DATA_KEY: TEST_DATA_KEY,
    LOG_LEVEL: 'silent',
    // No DICOM listener unless a test asks for one on a free port (parallel test files share the machine).
    DICOM_PORT: '0',
    ...env,
  });
  // The app runs as the restricted role `npm start` gives it, never as the superuser.
  const appUrl = await appDatabaseUrl(database.url, process.env.ZHIYIN_TEST_DB_KEY!);
  // ZHIYIN_TEST_LOG=error shows the server's own log lines while debugging a test.
  const app = await createApp(
    config,
    appUrl,
    opts.logger ??
      (opts.logTo ? pino({ level: 'info' }, opts.logTo) : pino({ level: process.env.ZHIYIN_TEST_LOG ?? 'silent' })),
    opts.overrides,
  );
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const url = `http://127.0.0.1:${address.port}`;
  responseChecks.set(url, await loadResponseCheck(url));
  const db = new pg.Pool({ connectionString: database.url, max: 3 });
  // Dropping the database at the end terminates any connection still open; that is expected then.
  db.on('error', () => undefined);
  return {
    url,
    app,
    config,
    db,
    databaseUrl: database.url,
    appDatabaseUrl: appUrl,
    async login(username, password = DEMO_PASSWORD) {
      const res = await fetch(`${url}/api/auth/login`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ username, password }),
      });
      if (res.status !== 200) throw new Error(`login ${username} failed: ${res.status}`);
      return ((await res.json()) as { accessToken: string }).accessToken;
    },
    async close() {
      responseChecks.delete(url);
      await app.close().catch(() => undefined);
      await db.end();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** fetch with JSON in and out. */
export async function api(
  t: { url: string },
  method: string,
  path: string,
  opts: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const res = await fetch(`${t.url}${path}`, {
    method,
    headers: {
      ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(opts.token ? { authorization: `Bearer ${opts.token}` } : {}),
      ...opts.headers,
    },
    body: opts.body === undefined ? undefined : typeof opts.body === 'string' ? opts.body : JSON.stringify(opts.body),
  });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = text ? JSON.parse(text) : undefined;
  } catch {
    /* not JSON */
  }
  // An answer unlike the type its route documents fails here, in whichever test received it.
  responseChecks.get(t.url)?.(method, path, res.status, body);
  return { status: res.status, body, headers: res.headers };
}
