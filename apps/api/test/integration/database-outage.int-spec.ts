import pg from 'pg';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// The database goes away under a running API (its connections are terminated and new ones are
// refused, as during a restart or failover): every request that needs it answers 503 with
// Retry-After and a stable code, changes nothing, and the API recovers on its own once the
// database is back.
describe('a database outage answers 503 DATABASE_UNAVAILABLE with Retry-After, then recovers', () => {
  let t: TestApp;
  let doc: string;
  let admin: pg.Client;
  let database: string;

  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
    database = new URL(t.databaseUrl).pathname.slice(1);
    admin = new pg.Client({ connectionString: process.env.ZHIYIN_TEST_ADMIN_URL });
    await admin.connect();
  });
  afterAll(async () => {
    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
    await admin.end();
    await t.close();
  });

  const patient = {
    mrn: 'BJCY300001',
    familyNameZh: '钱',
    givenNameZh: '多',
    sex: 'F',
    birthDate: '1970-01-02',
  };

  it('refuses writes and reads during the outage with 503, Retry-After and the code', async () => {
    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS false`);
    await admin.query(
      'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
      [database],
    );

    const write = await api(t, 'POST', '/api/patients', { token: doc, body: patient });
    expect(write.status).toBe(503);
    expect(write.headers.get('retry-after')).toMatch(/^\d+$/);
    expect(write.body.error.code).toBe('DATABASE_UNAVAILABLE');
    expect(write.body.error.requestId).toBe(write.headers.get('x-request-id'));

    // A second request meets no half-open connection left over from the first.
    for (const path of ['/api/patients?q=HYJQ', '/api/referrals']) {
      const read = await api(t, 'GET', path, { token: doc });
      expect({ path, status: read.status }).toEqual({ path, status: 503 });
      expect(read.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(read.body.error.code).toBe('DATABASE_UNAVAILABLE');
    }
  });

  it('works again once the database is back, and the refused write changed nothing', async () => {
    await admin.query(`ALTER DATABASE "${database}" ALLOW_CONNECTIONS true`);
    const read = await api(t, 'GET', '/api/patients?q=BJCY300001', { token: doc });
    expect(read.status).toBe(200);
    expect(read.body.total).toBe(0);
    const write = await api(t, 'POST', '/api/patients', { token: doc, body: patient });
    expect(write.status).toBe(201);
  });
});
