import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '#src/database/embedded-postgres.js';
import { freePort } from '../support/ports.js';

const connects = async (url: string) => {
  const c = new pg.Client({ connectionString: url });
  try {
    await c.connect();
    return 'connected';
  } catch (err) {
    return (err as { code?: string }).code ?? 'failed';
  } finally {
    await c.end().catch(() => undefined);
  }
};

describe('the embedded PostgreSQL’s superuser password', () => {
  it('moves a data folder made with the old fixed password to the generated one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-embedded-'));
    const port = await freePort();
    const opts = { dir: join(dir, 'pg'), port, database: 'zhiyin' };
    try {
      // a data folder as earlier versions made it
      const old = await startEmbeddedPostgres({ ...opts, password: 'zhiyin-local' });
      await old.stop();

      const generated = randomBytes(24).toString('base64url');
      const server = await startEmbeddedPostgres({ ...opts, password: generated });
      try {
        expect(decodeURIComponent(new URL(server.url).password)).toBe(generated);
        await expect(connects(server.url)).resolves.toBe('connected');
        const legacy = new URL(server.url);
        legacy.password = 'zhiyin-local';
        await expect(connects(legacy.toString())).resolves.toBe('28P01');
      } finally {
        await server.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
