import { createHash } from 'node:crypto';
import { readFileSync, truncateSync } from 'node:fs';
import { BLOB_STORE, type BlobStore } from '#src/modules/imaging/blob-store.js';
import { SweeperService } from '#src/modules/imaging/sweeper.service.js';
import { withUidsReplaced, uidVariant } from '../support/dicom-edit.js';
import { CT_SLICE, sample, stow, stowOutcome } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// STOW-RS commits an instance's index rows as soon as its file is whole under its name, while the file is still
// being flushed, and answers only once the flush is done: the two flushes (the file's, PostgreSQL's log) overlap
// rather than queue. The file is named in blob_unflushed until it is durable; a name left by a crash or a failed
// flush is settled by reading the file back. These tests hold or fail the flush and look at the database meanwhile.

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const EIO = () => Object.assign(new Error('input/output error'), { code: 'EIO' });

describe('STOW-RS: index committed while the files flush, answered once they are durable', () => {
  let t: TestApp;
  let doc: string;
  let store: BlobStore;
  let commit: BlobStore['commit'];
  const base = sample(CT_SLICE);
  // a UID as the file names it (explicit VR little endian: tag, VR, 2-byte length), to make other instances
  const uidOf = (file: Buffer, group: number, element: number) => {
    const tag = Buffer.alloc(4);
    tag.writeUInt16LE(group, 0);
    tag.writeUInt16LE(element, 2);
    const at = file.indexOf(tag);
    const len = file.readUInt16LE(at + 6);
    return file
      .subarray(at + 8, at + 8 + len)
      .toString('latin1')
      .replace(/\0$/, '');
  };
  const sopOf = (file: Buffer) => uidOf(file, 0x0008, 0x0018);
  const studyOf = (file: Buffer) => uidOf(file, 0x0020, 0x000d);
  const originalSop = sopOf(base);
  const originalStudy = studyOf(base);
  const originalSeries = uidOf(base, 0x0020, 0x000e);
  // each its own study and series, so that the counts of one test are not another's
  const instance = (n: number) =>
    withUidsReplaced(base, {
      [originalSop]: uidVariant(originalSop, n),
      [originalStudy]: uidVariant(originalStudy, n),
      [originalSeries]: uidVariant(originalSeries, n),
    });
  const indexed = async (sop: string) =>
    Number(
      (await t.db.query<{ n: string }>('SELECT count(*) AS n FROM instance WHERE sop_instance_uid = $1', [sop]))
        .rows[0]!.n,
    );
  const named = async (sha256: string) =>
    Number(
      (await t.db.query<{ n: string }>('SELECT count(*) AS n FROM blob_unflushed WHERE sha256 = $1', [sha256])).rows[0]!
        .n,
    );
  // what the study row counts against what the index holds
  const counts = async (studyUid: string) =>
    (
      await t.db.query<{ counted: number; held: number; series_counted: number; series_held: number }>(
        `SELECT st.instance_count AS counted, (SELECT count(*)::int FROM instance i WHERE i.study_id = st.id) AS held,
                st.series_count AS series_counted,
                (SELECT count(*)::int FROM series se WHERE se.study_id = st.id) AS series_held
           FROM study st WHERE st.study_instance_uid = $1`,
        [studyUid],
      )
    ).rows[0];
  const lostAudit = async (studyUid: string) =>
    (
      await t.db.query<{ outcome: string; details: { reason: string; instancesForgotten: number } }>(
        `SELECT a.outcome, a.details FROM audit_event a JOIN study st ON st.id::text = a.resource_id
          WHERE st.study_instance_uid = $1 AND a.action = 'study.store' AND a.details ->> 'reason' = 'FILE_LOST'`,
        [studyUid],
      )
    ).rows;
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

  it('commits the rows once the file is whole, names it until its flush is done, and answers only then', async () => {
    const file = instance(21);
    const sop = sopOf(file);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // the file is written whole; its flush is held open
    store.commit = async (temp, sha256, onWritten) => {
      await commit(temp, sha256);
      onWritten?.();
      await gate;
    };
    let answered = false;
    const answer = stow(t.url, doc, [file]).finally(() => (answered = true));
    await until(async () => (await indexed(sop)) === 1, 'the rows are committed while the file flushes');
    expect(await named(sha(file))).toBe(1);
    await new Promise((r) => setTimeout(r, 100));
    expect(answered).toBe(false);
    release();
    const res = await answer;
    expect(res.status).toBe(200);
    expect(stowOutcome(res.body).referenced).toEqual([sop]);
    await until(async () => (await named(sha(file))) === 0, 'the durable file is unnamed');
  });

  it('forgets an instance whose flush failed and whose file reads back cut short; sent again, it is stored', async () => {
    const file = instance(22);
    const sop = sopOf(file);
    const sha256 = sha(file);
    store.commit = async (temp, s, onWritten) => {
      await commit(temp, s);
      onWritten?.();
      // what a failed write-back leaves: the name holds less than the whole content
      truncateSync(store.pathOf(s), 1000);
      throw EIO();
    };
    const res = await stow(t.url, doc, [file]);
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(await indexed(sop)).toBe(0);
    expect(await named(sha256)).toBe(0);
    // the study's counts follow, its emptied series is gone, and the audit trail says why
    expect(await counts(studyOf(file))).toEqual({ counted: 0, held: 0, series_counted: 0, series_held: 0 });
    expect(await lostAudit(studyOf(file))).toEqual([
      { outcome: 'failed', details: { reason: 'FILE_LOST', instancesForgotten: 1 } },
    ]);
    store.commit = commit;
    const again = await stow(t.url, doc, [file]);
    expect(again.status).toBe(200);
    expect(await indexed(sop)).toBe(1);
    expect(sha(readFileSync(store.pathOf(sha256)))).toBe(sha256);
    expect(await counts(studyOf(file))).toEqual({ counted: 1, held: 1, series_counted: 1, series_held: 1 });
  });

  it('keeps an instance whose flush failed but whose file reads back whole (flushed again): it is stored', async () => {
    const file = instance(23);
    const sop = sopOf(file);
    store.commit = async (temp, s, onWritten) => {
      await commit(temp, s);
      onWritten?.();
      throw EIO();
    };
    const res = await stow(t.url, doc, [file]);
    expect(res.status).toBe(200);
    expect(stowOutcome(res.body).referenced).toEqual([sop]);
    expect(await indexed(sop)).toBe(1);
    expect(await named(sha(file))).toBe(0);
  });

  it('writes nothing of an instance whose file could not be written; one sent beside it is stored', async () => {
    const failing = instance(24);
    const fine = instance(25);
    const failingSha = sha(failing);
    store.commit = async (temp, s, onWritten) => {
      if (s === failingSha) throw Object.assign(new Error('no space left on device'), { code: 'ENOSPC' });
      return commit(temp, s, onWritten);
    };
    const [b, g] = await Promise.all([stow(t.url, doc, [failing]), stow(t.url, doc, [fine])]);
    expect(b.status).toBeGreaterThanOrEqual(500);
    expect(g.status).toBe(200);
    expect(await indexed(sopOf(failing))).toBe(0);
    expect(await named(failingSha)).toBe(0);
    expect(await indexed(sopOf(fine))).toBe(1);
    // the refused instance can be sent again once the disk takes it
    store.commit = commit;
    const again = await stow(t.url, doc, [failing]);
    expect(again.status).toBe(200);
    expect(await indexed(sopOf(failing))).toBe(1);
  });

  it('does not hold others back behind a file that is not written (a stalled disk)', async () => {
    const stalled = instance(26);
    const other = instance(27);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const stalledSha = sha(stalled);
    store.commit = async (temp, s, onWritten) => {
      if (s === stalledSha) await gate;
      return commit(temp, s, onWritten);
    };
    const first = stow(t.url, doc, [stalled]);
    // the stalled request's batch is waiting for its file when the next request comes
    await new Promise((r) => setTimeout(r, 200));
    const second = await stow(t.url, doc, [other]);
    expect(second.status).toBe(200);
    expect(await indexed(sopOf(other))).toBe(1);
    expect(await indexed(sopOf(stalled))).toBe(0);
    release();
    expect((await first).status).toBe(200);
    expect(await indexed(sopOf(stalled))).toBe(1);
  });

  it('after a crash, settles each file still named: whole it stays, cut short its instance is forgotten', async () => {
    const whole = instance(28);
    const cut = instance(29);
    for (const f of [whole, cut]) {
      expect((await stow(t.url, doc, [f])).status).toBe(200);
      await until(async () => (await named(sha(f))) === 0, 'the durable file is unnamed');
    }
    // what a crash between the commit and the flushes' end leaves: the names, and a file the disk never got whole
    await t.db.query(
      `INSERT INTO blob_unflushed (sha256, since) VALUES ($1, now() - interval '1 hour'), ($2, now() - interval '1 hour')`,
      [sha(whole), sha(cut)],
    );
    truncateSync(store.pathOf(sha(cut)), 0);
    const findings = await t.app.get(SweeperService).sweep();
    expect(findings).toMatchObject({ ran: true, unflushedKept: 1, unflushedLost: 1, instancesForgotten: 1 });
    expect(await indexed(sopOf(whole))).toBe(1);
    expect(await indexed(sopOf(cut))).toBe(0);
    expect(await named(sha(whole))).toBe(0);
    expect(await named(sha(cut))).toBe(0);
    expect(await counts(studyOf(cut))).toEqual({ counted: 0, held: 0, series_counted: 0, series_held: 0 });
    expect(await lostAudit(studyOf(cut))).toHaveLength(1);
    // the forgotten instance can be sent again
    expect((await stow(t.url, doc, [cut])).status).toBe(200);
    expect(await indexed(sopOf(cut))).toBe(1);
  });
});
