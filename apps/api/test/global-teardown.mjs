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
      // The template's roles, shared by its clones: dropped with the last of them.
      const roles = await admin.query(`SELECT rolname FROM pg_roles WHERE rolname IN ($1, $2)`, [
        `zhiyin_tpl_${runId}_owner`,
        `zhiyin_tpl_${runId}_app`,
      ]);
      for (const { rolname } of roles.rows) await admin.query(`DROP ROLE IF EXISTS "${rolname}"`);
    } finally {
      await admin.end();
    }
  }
  await globalThis.__embeddedPg?.stop();
}
