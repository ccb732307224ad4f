import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { verifyAuditChain } from '#src/modules/audit/verify-audit-chain.js';
import { CT_SLICE, sample, stow } from '../support/dicom-files.js';
import { api, startTestApp, TEST_DATA_KEY, TEST_JWT_SECRET, type TestApp } from '../support/test-app.js';

const binJs = (name: string) => fileURLToPath(new URL(`../../dist/bin/${name}.js`, import.meta.url));

/** Runs `npm run audit:verify` (the built command) against a database. */
const verifyCommand = (databaseUrl: string) => command('audit-verify', [], databaseUrl);

/** Runs a built command of the API against a database. */
async function command(
  name: string,
  args: string[],
  databaseUrl: string,
): Promise<{ code: number | null; out: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'zhiyin-verify-'));
  try {
    const child = spawn(process.execPath, [binJs(name), ...args], {
      env: {
        PATH: process.env.PATH,
        NODE_ENV: 'test',
        DATABASE_URL: databaseUrl,
        DATA_DIR: dataDir,
        JWT_SECRET: TEST_JWT_SECRET,
        DATA_KEY: TEST_DATA_KEY,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    return { code, out };
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** The database role the running app's own connections use (as PostgreSQL sees them). */
async function appRole(t: TestApp): Promise<string> {
  const { rows } = await t.db.query<{ usename: string }>(
    `SELECT DISTINCT usename FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'zhiyin-api'`,
  );
  expect(rows).toHaveLength(1);
  return rows[0]!.usename;
}

describe('the audit trail against the API’s own database role', () => {
  let t: TestApp;
  let as: pg.Client;
  let role: string;
  beforeAll(async () => {
    t = await startTestApp();
    await t.login('doc.hyjq');
    role = await appRole(t);
    // A session acting with exactly the app's privileges (SET ROLE: what any of its connections could do).
    as = new pg.Client({ connectionString: t.databaseUrl });
    await as.connect();
    await as.query(`SET ROLE "${role}"`);
  });
  afterAll(async () => {
    await as.end();
    await t.close();
  });

  it('runs as a role that is no superuser and owns no table', async () => {
    const { rows } = await t.db.query(
      `SELECT r.rolsuper, r.rolbypassrls, r.rolcreaterole,
              (SELECT count(*)::int FROM pg_tables WHERE schemaname = 'public' AND tableowner = r.rolname) AS owned
         FROM pg_roles r WHERE r.rolname = $1`,
      [role],
    );
    expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, rolcreaterole: false, owned: 0 });
  });

  it.each([
    ['switch triggers off for its session', `SET session_replication_role = replica`],
    ['disable the table’s triggers', `ALTER TABLE audit_event DISABLE TRIGGER ALL`],
    ['disable the append-only trigger', `ALTER TABLE audit_event DISABLE TRIGGER audit_event_no_update_delete`],
    ['update a row', `UPDATE audit_event SET outcome = 'denied' WHERE id = (SELECT min(id) FROM audit_event)`],
    ['delete a row', `DELETE FROM audit_event WHERE id = (SELECT min(id) FROM audit_event)`],
    ['truncate the trail', `TRUNCATE audit_event`],
    ['move the chain head', `UPDATE audit_chain SET seq = seq + 1`],
    ['reset the id sequence', `SELECT setval('audit_event_id_seq', 1)`],
    ['drop the chain trigger', `DROP TRIGGER zz_audit_event_chain ON audit_event`],
  ])('may not %s', async (_what, sql) => {
    const before = await t.db.query(`SELECT count(*)::int AS n, max(hash) AS h FROM audit_event`);
    await expect(as.query(sql)).rejects.toMatchObject({ code: expect.stringMatching(/^42501$/) });
    const after = await t.db.query(`SELECT count(*)::int AS n, max(hash) AS h FROM audit_event`);
    expect(after.rows[0]).toEqual(before.rows[0]);
  });

  it('may still write and read audit rows, which are chained whatever hash it gives', async () => {
    const { rows } = await as.query(
      `INSERT INTO audit_event (action, resource_type, outcome, chain_seq, hash)
       VALUES ('test.write', 'test', 'success', 1, 'forged') RETURNING chain_seq, hash`,
    );
    expect(rows[0].hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].chain_seq).not.toBe('1');
    await expect(verifyAuditChain(async (sql) => (await as.query(sql)).rows)).resolves.toMatchObject({ ok: true });
  });
});

describe('verifying the audit chain', () => {
  let t: TestApp;
  let admin: string;
  let doc: string;
  beforeAll(async () => {
    t = await startTestApp();
    [admin, doc] = await Promise.all([t.login('admin'), t.login('doc.hyjq')]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('verifies an intact chain after concurrent writes from every path that audits', async () => {
    const { rows: patients } = await t.db.query<{ id: string }>(
      `SELECT p.id FROM patient p JOIN facility f ON f.id = p.home_facility_id WHERE f.code = 'HYJQ' LIMIT 10`,
    );
    const ct = sample(CT_SLICE);
    const before = Number((await t.db.query(`SELECT count(*) AS n FROM audit_event`)).rows[0].n);
    // REST reads (the service's inserts), STOW-RS (the batched indexing function) and sign-ins, at once.
    const results = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) =>
        api(t, 'GET', `/api/patients/${patients[i % patients.length]!.id}`, { token: doc }),
      ),
      ...Array.from({ length: 6 }, () => stow(t.url, doc, [ct])),
      ...Array.from({ length: 6 }, () =>
        api(t, 'POST', '/api/auth/login', { body: { username: 'nobody.here', password: 'wrong' } }),
      ),
    ]);
    expect(results.filter((r) => r.status >= 500)).toEqual([]);
    const added = Number((await t.db.query(`SELECT count(*) AS n FROM audit_event`)).rows[0].n) - before;
    expect(added).toBeGreaterThanOrEqual(42);

    const res = await api(t, 'GET', '/api/audit/verify', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: true, firstBroken: null });
    expect(res.body.checked).toBeGreaterThanOrEqual(before + added);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n, min(chain_seq)::int AS lo, max(chain_seq)::int AS hi FROM audit_event`,
    );
    expect(rows[0].hi - rows[0].lo + 1).toBe(rows[0].n);
  });

  it('exports a period as an archive that verifies on its own', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-archive-'));
    try {
      const out = join(dir, 'audit.jsonl');
      const res = await command(
        'audit-export',
        ['--from', '2000-01-01', '--to', '2100-01-01', '--out', out],
        t.appDatabaseUrl,
      );
      expect(res.code).toBe(0);
      const lines = readFileSync(out, 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as Record<string, any>);
      const [head, ...rest] = lines;
      const end = rest.pop()!;
      expect(head).toMatchObject({ type: 'zhiyin-audit-archive', previousHash: '0'.repeat(64) });
      expect(end).toMatchObject({ type: 'end', rows: rest.length });
      let prev = head!.previousHash as string;
      for (const row of rest) {
        expect(
          createHash('sha256')
            .update(prev + row.content)
            .digest('hex'),
        ).toBe(row.hash);
        prev = row.hash;
      }
      expect(end.lastHash).toBe(prev);
      const { rows } = await t.db.query(`SELECT count(*)::int AS n FROM audit_event`);
      expect(rest.length).toBeLessThanOrEqual(rows[0].n);
      expect(rest.length).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('is for administrators only', async () => {
    expect((await api(t, 'GET', '/api/audit/verify', { token: doc })).status).toBe(403);
    expect((await api(t, 'GET', '/api/audit/verify')).status).toBe(401);
  });
});

describe('a row of the audit trail rewritten by a superuser', () => {
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login('admin');
    for (const u of ['doc.hyjq', 'rad.li', 'card.chen', 'coord.liu']) await t.login(u);
  });
  afterAll(async () => {
    await t.close();
  });

  it('names a row changed behind the triggers’ back, over the API and from the command', async () => {
    const { rows } = await t.db.query<{ id: string }>(
      `SELECT id::text FROM audit_event ORDER BY chain_seq DESC LIMIT 1 OFFSET 2`,
    );
    const tampered = rows[0]!.id;
    // What a superuser (or, before, the app's own role) could do: switch the triggers off and rewrite.
    const su = await t.db.connect();
    try {
      await su.query('BEGIN');
      await su.query('SET LOCAL session_replication_role = replica');
      await su.query(`UPDATE audit_event SET outcome = 'denied' WHERE id = $1`, [tampered]);
      await su.query('COMMIT');
    } finally {
      su.release();
    }

    const res = await api(t, 'GET', '/api/audit/verify', { token: admin });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ ok: false, firstBroken: { id: tampered, reason: 'hash_mismatch' } });

    const cmd = await verifyCommand(t.databaseUrl);
    expect(cmd.code).toBe(1);
    expect(cmd.out).toContain(`first broken row id ${tampered} `);
    const asApp = await verifyCommand(t.appDatabaseUrl);
    expect(asApp.code).toBe(1);
    expect(asApp.out).toContain(`first broken row id ${tampered} `);
  });
});

describe('what breaks the audit chain', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    await Promise.all([t.login('doc.hyjq'), t.login('rad.li'), t.login('admin')]);
  });
  afterAll(async () => {
    await t.close();
  });

  // Each case tampers as a superuser inside a transaction, verifies within it, and rolls back.
  const within = async (tamper: (c: pg.PoolClient) => Promise<unknown>) => {
    const c = await t.db.connect();
    try {
      await c.query('BEGIN');
      await c.query('SET LOCAL session_replication_role = replica');
      await tamper(c);
      return await verifyAuditChain(async (sql) => (await c.query(sql)).rows);
    } finally {
      await c.query('ROLLBACK');
      c.release();
    }
  };
  const ids = async () =>
    (await t.db.query<{ id: string }>(`SELECT id::text FROM audit_event ORDER BY chain_seq`)).rows.map((r) => r.id);

  it('verifies as it is', async () => {
    await expect(within(() => Promise.resolve())).resolves.toMatchObject({ ok: true });
  });

  it('names the row after one that was removed', async () => {
    const all = await ids();
    const report = await within((c) => c.query(`DELETE FROM audit_event WHERE id = $1`, [all[1]]));
    expect(report.firstBroken).toMatchObject({ id: all[2], reason: 'missing_rows_before' });
  });

  it('notices the last rows removed', async () => {
    const all = await ids();
    const report = await within((c) => c.query(`DELETE FROM audit_event WHERE id = $1`, [all[all.length - 1]]));
    expect(report.firstBroken).toMatchObject({ id: all[all.length - 2], reason: 'missing_rows_at_end' });
  });

  it('names the row after one whose hash was recomputed: it no longer links', async () => {
    const all = await ids();
    const report = await within(async (c) => {
      await c.query(`UPDATE audit_event SET outcome = 'denied' WHERE id = $1`, [all[1]]);
      await c.query(
        `UPDATE audit_event e
            SET hash = audit_event_digest((SELECT p.hash FROM audit_event p WHERE p.chain_seq = e.chain_seq - 1), e)
          WHERE e.id = $1`,
        [all[1]],
      );
    });
    expect(report.firstBroken).toMatchObject({ id: all[2], reason: 'hash_mismatch' });
  });

  it('names a row slipped in past the chain trigger', async () => {
    let forged = '';
    const report = await within(async (c) => {
      const { rows } = await c.query(
        `INSERT INTO audit_event (action, resource_type, outcome, chain_seq, hash)
         VALUES ('forged', 'test', 'success', (SELECT seq + 1 FROM audit_chain), repeat('0', 64)) RETURNING id::text`,
      );
      forged = rows[0].id;
    });
    expect(report.firstBroken).toMatchObject({ id: forged, reason: 'hash_mismatch' });
  });
});
