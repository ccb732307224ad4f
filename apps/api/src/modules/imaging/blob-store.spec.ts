import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BlobStore } from './blob-store.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('BlobStore (content-addressed files on disk)', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'zhiyin-blobs-'));
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('stores a file under its SHA-256 in one of 256 directories made when the store opens', async () => {
    const store = new BlobStore(root);
    const shards = readdirSync(join(root, 'blobs')).filter((d) => /^[0-9a-f]{2}$/.test(d));
    expect(shards).toHaveLength(256);
    const data = Buffer.from('DICM instance bytes');
    await store.commit({ path: '', data: [data] }, sha(data));
    expect(store.pathOf(sha(data))).toBe(join(root, 'blobs', sha(data).slice(0, 2), sha(data)));
    expect(readFileSync(store.pathOf(sha(data)))).toEqual(data);
    // the same content again replaces the file with the same bytes, and leaves nothing aside
    await store.commit({ path: '', data: [data] }, sha(data));
    expect(readFileSync(store.pathOf(sha(data)))).toEqual(data);
    expect(readdirSync(store.tmpDir)).toEqual([]);
  });

  it('moves files kept in the earlier two-level layout, so that studies stored before stay retrievable', async () => {
    const files = ['first instance', 'second instance', 'third'].map((t) => Buffer.from(t));
    for (const f of files) {
      const h = sha(f);
      const dir = join(root, 'blobs', h.slice(0, 2), h.slice(2, 4));
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, h), f);
    }
    const store = new BlobStore(root);
    for (const f of files) {
      expect(readFileSync(store.pathOf(sha(f)))).toEqual(f);
      expect(await store.has(sha(f))).toBe(true);
      expect(existsSync(join(root, 'blobs', sha(f).slice(0, 2), sha(f).slice(2, 4)))).toBe(false);
    }
    expect(readFileSync(join(root, 'blobs', 'LAYOUT'), 'utf8')).toBe('sha256/ab\n');
    // opening again changes nothing
    const again = new BlobStore(root);
    for (const f of files) expect(readFileSync(again.pathOf(sha(f)))).toEqual(f);
  });

  it('stores into a directory of the store that went away while it was open', async () => {
    const store = new BlobStore(root);
    const data = Buffer.from('an instance whose directory was removed');
    rmSync(join(root, 'blobs', sha(data).slice(0, 2)), { recursive: true });
    await store.commit({ path: '', data: [data] }, sha(data));
    expect(readFileSync(store.pathOf(sha(data)))).toEqual(data);
  });
});
