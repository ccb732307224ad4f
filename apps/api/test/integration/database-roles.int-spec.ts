import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { runMigrations } from '#src/database/data-source.js';
import { prepareDatabase } from '#src/database/prepare.js';
import { seedDemoNetwork } from '#src/seed/demo-network.js';
import { rolesForDatabase } from '#src/database/db-roles.js';
import { verifyAuditChain } from '#src/modules/audit/verify-audit-chain.js';

const adminUrl = () => process.env.ZHIYIN_TEST_ADMIN_URL!;
const withDb = (url: string, db: string, user?: string) => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  if (user) {
    u.username = user;
    u.password = 'role-password-1';
  }
  return u.toString();
};

async function sql<T extends pg.QueryResultRow = any>(url: string, text: string, params: unknown[] = []) {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    return (await c.query<T>(text, params)).rows;
  } finally {
    await c.end();
  }
}

/** What the app's role may do to the audit trail, each statement in its own session. */
async function tamperingAs(url: string): Promise<string[]> {
  const refused: string[] = [];
  for (const stmt of [
    'SET session_replication_role = replica',
    'ALTER TABLE audit_event DISABLE TRIGGER ALL',
    "UPDATE audit_event SET outcome = 'denied'",
    'DELETE FROM audit_event',
  ])
    await sql(url, stmt).catch((e: { code?: string }) => e.code === '42501' && refused.push(stmt));
  return refused;
}

describe('database roles', () => {
  const made: string[] = [];
  const roles: string[] = [];
  const newDatabase = async () => {
    const name = `zhiyin_t_${process.env.ZHIYIN_TEST_RUN}_roles_${randomBytes(3).toString('hex')}`;
    await sql(adminUrl(), `CREATE DATABASE "${name}"`);
    made.push(name);
    return name;
  };
  afterAll(async () => {
    for (const db of made) await sql(adminUrl(), `DROP DATABASE IF EXISTS "${db}" WITH (FORCE)`);
    for (const r of roles) await sql(adminUrl(), `DROP ROLE IF EXISTS "${r}"`);
  });

  it('takes over a database migrated by a superuser before roles existed, and runs the app restricted', async () => {
    const db = await newDatabase();
    const url = withDb(adminUrl(), db);
    await runMigrations(url);
    await sql(url, `INSERT INTO audit_event (action, resource_type, outcome) VALUES ('before', 'test', 'success')`);
    const { owner, app } = rolesForDatabase(db);
    roles.push(owner, app);

    const prepared = await prepareDatabase({ url, fallbackKey: 'test-key' });
    expect(prepared.restricted).toBe(true);
    expect(decodeURIComponent(new URL(prepared.appUrl).username)).toBe(app);
    const owners = await sql(url, `SELECT DISTINCT tableowner FROM pg_tables WHERE schemaname = 'public'`);
    expect(owners).toEqual([{ tableowner: owner }]);
    await expect(tamperingAs(prepared.appUrl)).resolves.toHaveLength(4);
    await sql(
      prepared.appUrl,
      `INSERT INTO audit_event (action, resource_type, outcome) VALUES ('after', 'test', 'success')`,
    );
    const c = new pg.Client({ connectionString: prepared.appUrl });
    await c.connect();
    try {
      await expect(verifyAuditChain(async (q) => (await c.query(q)).rows)).resolves.toMatchObject({
        ok: true,
        checked: 2,
      });
    } finally {
      await c.end();
    }
    // Starting again (several nodes, or a restart) changes nothing and still works.
    await expect(
      Promise.all([1, 2, 3].map(() => prepareDatabase({ url, fallbackKey: 'test-key' }))),
    ).resolves.toHaveLength(3);
  });

  it('migrates with DATABASE_MIGRATION_URL and grants DATABASE_URL’s role only what the app needs', async () => {
    const db = await newDatabase();
    const tag = db.slice(-6);
    const owner = `zhiyin_mig_owner_${tag}`;
    const app = `zhiyin_mig_app_${tag}`;
    roles.push(owner, app);
    for (const r of [owner, app]) await sql(adminUrl(), `CREATE ROLE "${r}" LOGIN PASSWORD 'role-password-1'`);
    await sql(adminUrl(), `ALTER DATABASE "${db}" OWNER TO "${owner}"`);
    await sql(withDb(adminUrl(), db), `GRANT CREATE, USAGE ON SCHEMA public TO "${owner}"`);

    const prepared = await prepareDatabase({
      url: withDb(adminUrl(), db, app),
      migrationUrl: withDb(adminUrl(), db, owner),
      seed: seedDemoNetwork,
      fallbackKey: 'test-key',
    });
    expect(prepared.restricted).toBe(true);
    expect(prepared.seeded?.created).toBe(true);
    await expect(tamperingAs(prepared.appUrl)).resolves.toHaveLength(4);
    // the working tables are writable, the migrations table is not even readable
    await expect(sql(prepared.appUrl, `UPDATE facility SET phone = phone`)).resolves.toEqual([]);
    await expect(sql(prepared.appUrl, `SELECT * FROM schema_migration`)).rejects.toMatchObject({ code: '42501' });
  });
});
