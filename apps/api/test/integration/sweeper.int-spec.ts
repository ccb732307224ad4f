import { parseHeader } from '@zhiyin/dicom';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, renameSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BLOB_STORE, type BlobStore } from '#src/modules/imaging/blob-store.js';
import { SweeperService } from '#src/modules/imaging/sweeper.service.js';
import { CT_SLICE, sample, stow, stowOutcome } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const HOUR = 3600 * 1000;
const age = (path: string, ms: number) => {
  const when = new Date(Date.now() - ms);
  utimesSync(path, when, when);
};

describe('storage sweep: files left behind go, files in use stay', () => {
  let t: TestApp;
  let doc: string;
  let store: BlobStore;
  let sweeper: SweeperService;

  const blobFiles = () =>
    readdirSync(store.blobDir, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .flatMap((d) => readdirSync(join(store.blobDir, d.name)));
  const referencedHashes = async () =>
    new Set((await t.db.query<{ sha256: string }>('SELECT sha256 FROM instance')).rows.map((r) => r.sha256));
  // What a crash, an outage or time leaves: every stored file looks as old as `ms`.
  const ageAll = (ms: number) => {
    for (const f of blobFiles()) age(join(store.blobDir, f.slice(0, 2), f), ms);
  };
  const plantBlob = (data: Buffer, ms: number) => {
    const path = store.pathOf(sha(data));
    writeFileSync(path, data);
    age(path, ms);
    return path;
  };
  const plantTemp = (name: string, size: number, ms: number) => {
    const path = join(store.tmpDir, name);
    writeFileSync(path, randomBytes(size));
    age(path, ms);
    return path;
  };

  beforeAll(async () => {
    t = await startTestApp({ STORAGE_SWEEP_GRACE: '3600' });
    doc = await t.login('doc.hyjq');
    store = t.app.get<BlobStore>(BLOB_STORE);
    sweeper = t.app.get(SweeperService);
    // The sweep the app ran at start is over (sweeps here run one after another) before files are planted.
    await sweeper.sweep();
  });
  afterAll(async () => {
    await t.close();
  });

  it('removes orphan stored files and temporary files older than the grace time, and nothing else', async () => {
    const ct = sample(CT_SLICE);
    expect((await stow(t.url, doc, [ct])).status).toBe(200);
    const stored = store.pathOf(sha(ct));
    age(stored, 2 * HOUR); // referenced: kept however old
    const oldOrphan = plantBlob(randomBytes(3000), 2 * HOUR);
    const youngOrphan = plantBlob(randomBytes(2000), 10 * 60 * 1000);
    const oldTemp = plantTemp('left-by-a-crash.part', 5000, 2 * HOUR);
    const youngTemp = plantTemp('being-received.part', 700, 60 * 1000);

    const findings = await sweeper.sweep();
    expect(findings).toMatchObject({
      ran: true,
      orphanFiles: 1,
      orphanBytes: 3000,
      tempFiles: 1,
      tempBytes: 5000,
    });
    expect(findings.error).toBeUndefined();
    expect(sweeper.lastRun()).toEqual(findings);
    expect(existsSync(oldOrphan)).toBe(false);
    expect(existsSync(oldTemp)).toBe(false);
    expect(existsSync(youngOrphan)).toBe(true);
    expect(existsSync(youngTemp)).toBe(true);
    expect(readFileSync(stored)).toEqual(ct);
  });

  it('refused parts and a failed index transaction leave no stored file behind once swept', async () => {
    const ct = sample(CT_SLICE);
    expect((await stow(t.url, doc, [ct])).status).toBe(200);
    // Refused before the store: nothing written at all.
    const before = new Set(blobFiles());
    const notDicom = await stow(t.url, doc, [Buffer.from('%PDF-1.4 a referral letter, not an image')]);
    expect(notDicom.status).toBe(409);
    expect(new Set(blobFiles())).toEqual(before);
    // Refused by the index (other bytes under a stored SOP Instance UID): its file was written first.
    const other = Buffer.from(ct);
    other[other.length - 1] = other[other.length - 1]! ^ 0xff;
    const dup = await stow(t.url, doc, [other]);
    expect(stowOutcome(dup.body).failed[0]?.comment).toMatch(/^DUPLICATE_SOP_INSTANCE/);
    // The index transaction fails (as in a database outage): the files are written, no row refers to them.
    await t.db.query(`CREATE FUNCTION zz_refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                      BEGIN RAISE EXCEPTION 'outage'; END $$`);
    await t.db.query('CREATE TRIGGER zz_refuse BEFORE INSERT ON instance FOR EACH ROW EXECUTE FUNCTION zz_refuse()');
    const failing = sample('synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/CT_2_002.dcm');
    try {
      expect((await stow(t.url, doc, [failing])).status).toBeGreaterThanOrEqual(500);
    } finally {
      await t.db.query('DROP TRIGGER zz_refuse ON instance');
      await t.db.query('DROP FUNCTION zz_refuse()');
    }
    expect(blobFiles()).toEqual(expect.arrayContaining([sha(other), sha(failing)]));

    ageAll(2 * HOUR);
    const findings = await sweeper.sweep();
    expect(findings.orphanFiles).toBeGreaterThanOrEqual(2);
    // Exactly the files the index names are left, each whole.
    const refs = await referencedHashes();
    expect(new Set(blobFiles())).toEqual(refs);
    for (const h of refs) expect(sha(readFileSync(store.pathOf(h)))).toBe(h);
    // The instance whose index failed is sent again after the sweep: stored and retrievable.
    expect((await stow(t.url, doc, [failing])).status).toBe(200);
    expect(readFileSync(store.pathOf(sha(failing)))).toEqual(failing);
  });

  it('never removes a stored file while its instance is being indexed, even an old orphan of the same content', async () => {
    const data = sample('synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/CT_2_003.dcm');
    // A crash left this instance's file, unindexed, long ago.
    const path = plantBlob(data, 2 * HOUR);
    // The same instance is sent again; it is held after its file is stored, before it is indexed.
    const commit = store.commit.bind(store);
    let stored!: () => void;
    const inIndex = new Promise<void>((r) => (stored = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    store.commit = async (temp, hash) => {
      await commit(temp, hash);
      stored();
      await gate;
    };
    try {
      const sending = stow(t.url, doc, [data]);
      await inIndex;
      const findings = await sweeper.sweep();
      expect(findings.orphanFiles).toBe(0);
      expect(existsSync(path)).toBe(true);
      release();
      expect((await sending).status).toBe(200);
    } finally {
      store.commit = commit;
    }
    // The stored file is fresh, whole, and referenced: a later sweep keeps it.
    expect(statSync(path).mtimeMs).toBeGreaterThan(Date.now() - HOUR);
    await sweeper.sweep();
    expect(readFileSync(path)).toEqual(data);
    const res = await fetch(`${t.url}/dicomweb/studies/${encodeURIComponent(studyOf(data))}`, {
      headers: { authorization: `Bearer ${doc}`, accept: 'multipart/related; type="application/dicom"' },
    });
    expect(res.status).toBe(200);
    expect(Buffer.from(await res.arrayBuffer()).includes(data.subarray(200, 400))).toBe(true);
  });

  it('puts back a file a sweep renamed aside when it stopped, so that its instance stays whole', async () => {
    const ct = sample(CT_SLICE);
    expect((await stow(t.url, doc, [ct])).status).toBe(200);
    const path = store.pathOf(sha(ct));
    renameSync(path, `${path}.sweep`);
    age(`${path}.sweep`, 2 * HOUR);
    await sweeper.sweep();
    expect(readFileSync(path)).toEqual(ct);
    expect(existsSync(`${path}.sweep`)).toBe(false);
  });

  it('runs on one node at a time: while another holds the lock, this one skips and removes nothing', async () => {
    const orphan = plantBlob(randomBytes(1234), 2 * HOUR);
    const other = await t.db.connect();
    try {
      await other.query('SELECT pg_advisory_lock(716131007)');
      const findings = await sweeper.sweep();
      expect(findings).toMatchObject({ ran: false, orphanFiles: 0 });
      expect(existsSync(orphan)).toBe(true);
    } finally {
      await other.query('SELECT pg_advisory_unlock(716131007)');
      other.release();
    }
    await expect(sweeper.sweep()).resolves.toMatchObject({ ran: true, orphanFiles: 1, orphanBytes: 1234 });
    expect(existsSync(orphan)).toBe(false);
  });

  it('removes a resumable upload left finished but never taken in, after the upload expiry', async () => {
    const dir = join(t.config.dataDir, 'uploads');
    const old = join(dir, 'a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5');
    const young = join(dir, 'f0e1d2c3b4a5f6e7d8c9b0a1f2e3d4c5');
    for (const [p, ms] of [
      [old, 25 * HOUR],
      [young, 2 * HOUR],
    ] as const) {
      writeFileSync(p, randomBytes(100));
      writeFileSync(`${p}.json`, '{}');
      age(p, ms);
      age(`${p}.json`, ms);
    }
    const findings = await sweeper.sweep();
    expect(findings).toMatchObject({ uploadFiles: 2, uploadBytes: 102 });
    expect(existsSync(old)).toBe(false);
    expect(existsSync(`${old}.json`)).toBe(false);
    expect(existsSync(young)).toBe(true);
  });
});

function studyOf(b: Buffer): string {
  return parseHeader(b, { totalLength: b.length, validate: false }).summary.studyInstanceUid!;
}
