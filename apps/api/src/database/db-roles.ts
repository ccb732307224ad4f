import { createHash, createHmac } from 'node:crypto';
import pg from 'pg';

// The API never runs as a database superuser nor as the owner of its tables: an owner (or a superuser)
// can turn triggers off (`ALTER TABLE … DISABLE TRIGGER`, `SET session_replication_role = replica`) and
// rewrite the append-only audit trail. Migrations run as an owner role; the app runs as a login role with
// only the table privileges below (MLPS 2.0 level 3: audit records protected from deletion and change).

/** The roles of one database: the owner of its schema and the role the API connects as. */
export interface DatabaseRoles {
  owner: string;
  app: string;
}

const q = (ident: string) => `"${ident.replace(/"/g, '""')}"`;

/**
 * Role names for a database whose roles are created here. Role names are cluster-wide, so they are
 * derived from the database name: each database gets its own pair and the app role of one database
 * holds no privilege in another.
 */
export function rolesForDatabase(database: string): DatabaseRoles {
  const slug = database.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  // 63 bytes at most: long or altered names keep a short digest of the real name so two never collide.
  const base =
    slug === database && slug.length <= 50
      ? slug
      : `${slug.slice(0, 40)}_${createHash('sha256').update(database).digest('hex').slice(0, 8)}`;
  return { owner: `${base}_owner`, app: `${base}_app` };
}

/**
 * The app role's password when the roles are made from one superuser URL: derived from the superuser's
 * password (every API node given the same URL derives the same one, so starting a second node never
 * changes the password under the first), or from `fallbackKey` when the URL has no password.
 */
export function derivedAppPassword(superuserUrl: string, role: string, fallbackKey: string): string {
  const key = new URL(superuserUrl).password || fallbackKey;
  return createHmac('sha256', key).update(`zhiyin-app-role:${role}`).digest('base64url');
}

export function withCredentials(url: string, user: string, password: string | undefined): string {
  const u = new URL(url);
  u.username = encodeURIComponent(user);
  u.password = password ? encodeURIComponent(password) : '';
  return u.toString();
}

/** A URL whose sessions act as `role` (SET ROLE at connection start): migrations create objects it owns. */
export function actingAs(url: string, role: string): string {
  const u = new URL(url);
  u.searchParams.set('options', `-c role=${role}`);
  return u.toString();
}

export async function isSuperuser(client: pg.Client): Promise<boolean> {
  const { rows } = await client.query<{ s: boolean }>(
    'SELECT rolsuper AS s FROM pg_roles WHERE rolname = current_user',
  );
  return rows[0]?.s === true;
}

/**
 * The roles already set up for this database, found from the owner of its migrations table. A database
 * cloned from a template (as the tests do) shares the template's roles, so clones never race to create them.
 */
export async function existingRoles(client: pg.Client): Promise<DatabaseRoles | undefined> {
  const { rows } = await client.query<{ owner: string; app: string | null }>(
    `SELECT r.rolname AS owner, a.rolname AS app
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
       LEFT JOIN pg_roles a ON a.rolname = left(r.rolname, length(r.rolname) - 6) || '_app'
      WHERE n.nspname = 'public' AND c.relname = 'schema_migration' AND NOT r.rolsuper AND r.rolname LIKE '%\\_owner'`,
  );
  const row = rows[0];
  return row?.app ? { owner: row.owner, app: row.app } : undefined;
}

/**
 * Creates (or brings in line) the owner role (no login) and the app role (login) of the connected
 * database, as a superuser. Idempotent, and safe when several processes do it at once: a role's catalog
 * row is written only when it is missing or wrong (two concurrent ALTER ROLEs of one role fail with
 * "tuple concurrently updated"), and the password only when signing in with it fails.
 */
export async function ensureRoles(
  client: pg.Client,
  roles: DatabaseRoles,
  appPassword: string,
  canSignIn: () => Promise<boolean>,
): Promise<void> {
  const limits = 'NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS';
  for (const [role, login] of [
    [roles.owner, false],
    [roles.app, true],
  ] as const) {
    const { rows } = await client.query<{ ok: boolean }>(
      `SELECT (NOT rolsuper AND NOT rolcreatedb AND NOT rolcreaterole AND NOT rolreplication AND NOT rolbypassrls
               AND rolcanlogin = $2 AND (NOT $2 OR NOT rolinherit)) AS ok
         FROM pg_roles WHERE rolname = $1`,
      [role, login],
    );
    const attributes = `${login ? `LOGIN NOINHERIT PASSWORD ${literal(appPassword)}` : 'NOLOGIN'} ${limits}`;
    if (rows.length === 0)
      // CREATE ROLE has no IF NOT EXISTS; a concurrent creator shows as duplicate_object or unique_violation.
      await client.query(
        `DO $$ BEGIN
           CREATE ROLE ${q(role)} ${attributes};
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
         END $$`,
      );
    else if (!rows[0]!.ok) await client.query(`ALTER ROLE ${q(role)} ${attributes}`);
  }
  if (!(await canSignIn())) await client.query(`ALTER ROLE ${q(roles.app)} PASSWORD ${literal(appPassword)}`);
  const { rows } = await client.query<{ db: string }>('SELECT current_database() AS db');
  const db = q(rows[0]!.db);
  // Only the owner creates objects in the schema (PostgreSQL < 15 lets everyone).
  await client.query(`REVOKE CREATE ON SCHEMA public FROM PUBLIC`);
  await client.query(`GRANT USAGE, CREATE ON SCHEMA public TO ${q(roles.owner)}`);
  await client.query(`GRANT USAGE ON SCHEMA public TO ${q(roles.app)}`);
  await client.query(`GRANT CONNECT, TEMPORARY ON DATABASE ${db} TO ${q(roles.app)}`);
  await adoptObjects(client, roles.owner);
}

function literal(s: string): string {
  return `'${s.replace(/'/g, "''")}'`;
}

/**
 * A database set up before roles existed has every object owned by the superuser that migrated it:
 * hand tables, sequences, views and functions of the schema to the owner role.
 */
async function adoptObjects(client: pg.Client, owner: string): Promise<void> {
  const { rows } = await client.query<{ stmt: string }>(
    `SELECT format('ALTER TABLE %I.%I OWNER TO %I', n.nspname, c.relname, $1::text) AS stmt
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
      WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm', 'f') AND r.rolname <> $1
     UNION ALL
     SELECT format('ALTER SEQUENCE %I.%I OWNER TO %I', n.nspname, c.relname, $1::text)
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace JOIN pg_roles r ON r.oid = c.relowner
      WHERE n.nspname = 'public' AND c.relkind = 'S' AND r.rolname <> $1
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = c.oid AND d.deptype IN ('a', 'i'))
     UNION ALL
     SELECT format('ALTER ROUTINE %s OWNER TO %I', p.oid::regprocedure, $1::text)
       FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace JOIN pg_roles r ON r.oid = p.proowner
      WHERE n.nspname = 'public' AND r.rolname <> $1
        AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.objid = p.oid AND d.deptype = 'e')`,
    [owner],
  );
  for (const { stmt } of rows) await client.query(stmt);
}

/**
 * The app role's privileges, granted by the owner after every migration run (so tables added later are
 * covered as well as by the default privileges): read and write on the working tables; only SELECT and
 * INSERT on append-only ones (any table guarded by an `*_append_only` trigger function, audit_event among
 * them); nothing on the migrations table; read-only on the audit chain's head, which only the chain trigger
 * (running as the owner) moves. Sequences: USAGE and SELECT (nextval), never UPDATE (setval).
 */
export async function ensureAppGrants(client: pg.Client, owner: string, app: string): Promise<void> {
  const o = q(owner);
  const a = q(app);
  await client.query(`
    ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO ${a};
    ALTER DEFAULT PRIVILEGES FOR ROLE ${o} IN SCHEMA public GRANT USAGE, SELECT ON SEQUENCES TO ${a};
    GRANT USAGE ON SCHEMA public TO ${a};
    REVOKE ALL ON ALL TABLES IN SCHEMA public FROM ${a};
    GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO ${a};
    REVOKE ALL ON ALL SEQUENCES IN SCHEMA public FROM ${a};
    GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO ${a};
  `);
  const { rows } = await client.query<{ table: string; kind: 'append_only' | 'none' | 'read_only' }>(
    `SELECT DISTINCT c.relname AS table, 'append_only' AS kind
       FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_proc p ON p.oid = t.tgfoid
      WHERE n.nspname = 'public' AND p.proname LIKE '%\\_append\\_only' AND NOT t.tgisinternal
     UNION ALL
     SELECT c.relname, CASE c.relname WHEN 'schema_migration' THEN 'none' ELSE 'read_only' END
       FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = 'public' AND c.relname IN ('schema_migration', 'audit_chain')`,
  );
  for (const { table, kind } of rows) {
    await client.query(`REVOKE ALL ON TABLE public.${q(table)} FROM ${a}`);
    if (kind === 'append_only') await client.query(`GRANT SELECT, INSERT ON TABLE public.${q(table)} TO ${a}`);
    if (kind === 'read_only') await client.query(`GRANT SELECT ON TABLE public.${q(table)} TO ${a}`);
  }
}
