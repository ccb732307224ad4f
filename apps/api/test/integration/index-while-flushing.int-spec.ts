import { createHash } from 'node:crypto';
import type { BlobStore } from '#src/modules/imaging/blob-store.js';
import { BLOB_STORE } from '#src/modules/imaging/stow.service.js';
import { withUidsReplaced, uidVariant } from '../support/dicom-edit.js';
import { CT_SLICE, sample, stow, stowOutcome } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// STOW-RS writes an instance's index rows while its file is being flushed and commits them only once the file is
// durable: the statement's work no longer waits behind the disk, and the index still never names a file that a
// crash could lose. These tests hold the file's flush open and look at the database from outside meanwhile.

describe('STOW-RS: index rows written while the files flush, committed after', () => {
  let t: TestApp;
  let doc: string;
  let store: BlobStore;
  let commit: BlobStore['commit'];
  const base = sample(CT_SLICE);
  const sopOf = (file: Buffer) => {
    // the SOP Instance UID as the file names it (0008,0018), to make copies of the slice that are other instances
    const at = file.indexOf(Buffer.from([0x08, 0x00, 0x18, 0x00]));
    const len = file.readUInt16LE(at + 6);
    return file
      .subarray(at + 8, at + 8 + len)
      .toString('latin1')
      .replace(/\0$/, '');
  };
  const originalSop = sopOf(base);
  const instance = (n: number) => withUidsReplaced(base, { [originalSop]: uidVariant(originalSop, n) });
  const indexed = async (sop: string) =>
    Number(
      (await t.db.query<{ n: string }>('SELECT count(*) AS n FROM instance WHERE sop_instance_uid = $1', [sop]))
        .rows[0]!.n,
    );
  // the API's own index statement, written and waiting in an open transaction for the file to be durable
  const openIndexTransactions = async () =>
    Number(
      (
        await t.db.query<{ n: string }>(
          `SELECT count(*) AS n FROM pg_stat_activity
            WHERE state = 'idle in transaction' AND query LIKE '%imaging_index_instances%'`,
        )
      ).rows[0]!.n,
    );
  const until = async (check: () => Promise<boolean>, what: string) => {
    for (let i = 0; i < 200; i++) {
      if (await check()) return;
      await new Promise((r) => setTimeout(r, 25));
    }
    throw new Error(`never: ${what}`);
  };

  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
    store = t.app.get<BlobStore>(BLOB_STORE);
    commit = store.commit.bind(store);
  });
  afterEach(() => {
    store.commit = commit;
  });
  afterAll(() => t.close());

  it('has the rows written before the file is durable, invisible until it is, and visible once answered', async () => {
    const file = instance(11);
    const sop = sopOf(file);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    store.commit = async (temp, sha256) => {
      await gate;
      return commit(temp, sha256);
    };
    const answer = stow(t.url, doc, [file]);
    // the statement ran while the file is held: its transaction waits, uncommitted
    await until(async () => (await openIndexTransactions()) === 1, 'the index statement waits for the file');
    expect(await indexed(sop)).toBe(0);
    release();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(stowOutcome(res.body).referenced).toEqual([sop]);
    expect(await indexed(sop)).toBe(1);
    expect(await openIndexTransactions()).toBe(0);
  });

  it('commits nothing of an instance whose file could not be flushed; one sent beside it is stored', async () => {
    const failing = instance(12);
    const fine = instance(13);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const failingSha = createHash('sha256').update(failing).digest('hex');
    store.commit = async (temp, sha256) => {
      await gate;
      if (sha256 === failingSha) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      return commit(temp, sha256);
    };
    const bad = stow(t.url, doc, [failing]);
    const good = stow(t.url, doc, [fine]);
    await until(async () => (await openIndexTransactions()) >= 1, 'the index statement waits for the files');
    release();
    const [b, g] = await Promise.all([bad, good]);
    expect(b.status).toBeGreaterThanOrEqual(500);
    expect(g.status).toBe(200);
    expect(await indexed(sopOf(failing))).toBe(0);
    expect(await indexed(sopOf(fine))).toBe(1);
    expect(await openIndexTransactions()).toBe(0);
    // the refused instance can be sent again once the disk takes it
    store.commit = commit;
    const again = await stow(t.url, doc, [failing]);
    expect(again.status).toBe(200);
    expect(await indexed(sopOf(failing))).toBe(1);
  });

  it('does not hold others back behind a file that does not become durable (a stalled disk)', async () => {
    const stalled = instance(14);
    const other = instance(15);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stalledSha = createHash('sha256').update(stalled).digest('hex');
    store.commit = async (temp, sha256) => {
      if (sha256 === stalledSha) await gate;
      return commit(temp, sha256);
    };
    const first = stow(t.url, doc, [stalled]);
    await until(async () => (await openIndexTransactions()) === 1, 'the stalled file’s batch waits');
    // sent while the batch with the stalled file waits: stored without it
    const second = await stow(t.url, doc, [other]);
    expect(second.status).toBe(200);
    expect(await indexed(sopOf(other))).toBe(1);
    expect(await indexed(sopOf(stalled))).toBe(0);
    release();
    expect((await first).status).toBe(200);
    expect(await indexed(sopOf(stalled))).toBe(1);
  });
});
