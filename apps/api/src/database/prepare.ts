import pg from 'pg';
import { runMigrations } from './data-source.js';
import {
  actingAs,
  derivedAppPassword,
  ensureAppGrants,
  ensureRoles,
  existingRoles,
  isSuperuser,
  rolesForDatabase,
  withCredentials,
  type DatabaseRoles,
} from './db-roles.js';

const PREPARE_LOCK = 716_131_000;

export interface PreparedDatabase<S = unknown> {
  /** what the API connects with: a role that owns nothing and may not change the audit trail */
  appUrl: string;
  /** what `seed` returned, when it was given */
  seeded: S | undefined;
  /** false when the only URL given is an ordinary role: the app then runs as the owner (warned about) */
  restricted: boolean;
}

export interface PrepareOptions<S = unknown> {
  /** DATABASE_URL: the app's role, or a superuser the roles are made with when no migration URL is given */
  url: string;
  /** DATABASE_MIGRATION_URL: the schema owner's role, migrations run with it */
  migrationUrl?: string;
  /**
   * Fills the migrated database (the demo network), run as the schema owner inside the same lock. Passed in
   * rather than imported: the seed builds on the database layer, never the other way round.
   */
  seed?: (url: string) => Promise<S>;
  /** the app role's password when roles are made here (embedded server); else derived from the superuser's */
  appPassword?: string;
  /** key for the derived app password when the superuser URL carries no password */
  fallbackKey: string;
}

/**
 * Migrates (and seeds the demo network when asked) under a PostgreSQL advisory lock, so API nodes
 * starting together take turns instead of racing, and returns the URL the app is to run with.
 *
 * - DATABASE_MIGRATION_URL and DATABASE_URL: migrations as the first (the owner), then the owner grants
 *   the second (the app's role) what it needs.
 * - DATABASE_URL of a superuser only (and the embedded server): a no-login owner role and an app login
 *   role are made for the database; migrations run as the owner (SET ROLE), the app as the app role.
 */
export async function prepareDatabase<S = unknown>(opts: PrepareOptions<S>): Promise<PreparedDatabase<S>> {
  const lock = new pg.Client({ connectionString: opts.migrationUrl ?? opts.url });
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [PREPARE_LOCK]);
    if (opts.migrationUrl) {
      const app = decodeURIComponent(new URL(opts.url).username);
      const { rows } = await lock.query<{ u: string }>('SELECT current_user AS u');
      const owner = rows[0]!.u;
      await runMigrations(opts.migrationUrl);
      const seeded = await opts.seed?.(opts.migrationUrl);
      if (app && app !== owner) await grant(lock, owner, app);
      return { appUrl: opts.url, seeded, restricted: app !== owner };
    }
    if (!(await isSuperuser(lock))) {
      await runMigrations(opts.url);
      return { appUrl: opts.url, seeded: await opts.seed?.(opts.url), restricted: false };
    }
    const roles = await provisionRoles(lock, opts);
    const asOwner = actingAs(opts.url, roles.owner);
    await runMigrations(asOwner);
    const seeded = await opts.seed?.(asOwner);
    await grant(lock, roles.owner, roles.app);
    return { appUrl: withCredentials(opts.url, roles.app, appPassword(opts, roles)), seeded, restricted: true };
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [PREPARE_LOCK]).catch(() => undefined);
    await lock.end();
  }
}

/**
 * The URL the app runs with on a database already prepared from a superuser URL (a test database cloned
 * from a prepared template shares the template's roles), without migrating it again.
 */
export async function appDatabaseUrl(superuserUrl: string, fallbackKey: string): Promise<string> {
  const client = new pg.Client({ connectionString: superuserUrl });
  await client.connect();
  try {
    const roles = await existingRoles(client);
    if (!roles) throw new Error('the database has no app role yet: prepare it first');
    return withCredentials(superuserUrl, roles.app, derivedAppPassword(superuserUrl, roles.app, fallbackKey));
  } finally {
    await client.end();
  }
}

async function provisionRoles(client: pg.Client, opts: PrepareOptions): Promise<DatabaseRoles> {
  const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
  const roles = (await existingRoles(client)) ?? rolesForDatabase(rows[0]!.db);
  const password = appPassword(opts, roles);
  await ensureRoles(client, roles, password, async () => {
    const probe = new pg.Client({ connectionString: withCredentials(opts.url, roles.app, password) });
    try {
      await probe.connect();
      return true;
    } catch {
      return false;
    } finally {
      await probe.end().catch(() => undefined);
    }
  });
  return roles;
}

function appPassword(opts: PrepareOptions, roles: DatabaseRoles): string {
  return opts.appPassword ?? derivedAppPassword(opts.url, roles.app, opts.fallbackKey);
}

// In one transaction, so connections of API nodes already running never see the privileges missing.
async function grant(client: pg.Client, owner: string, app: string): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(`SET LOCAL ROLE "${owner.replace(/"/g, '""')}"`);
    await ensureAppGrants(client, owner, app);
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  }
}
