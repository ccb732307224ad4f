import pg from 'pg';

export default async function globalTeardown() {
  const adminUrl = process.env.ZHIYIN_TEST_ADMIN_URL;
  const runId = process.env.ZHIYIN_TEST_RUN;
  if (adminUrl && runId) {
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    try {
      const { rows } = await admin.query(`SELECT datname FROM pg_database WHERE datname LIKE $1 OR datname LIKE $2`, [
        `zhiyin_tpl_${runId}`,
        `zhiyin_t_${runId}_%`,
      ]);
      for (const { datname } of rows) await admin.query(`DROP DATABASE IF EXISTS "${datname}" WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
  await globalThis.__embeddedPg?.stop();
}
