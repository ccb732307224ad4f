import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  readlinkSync,
  rmSync,
  statSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
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

  it.each([
    ['a small part', 256 * 1024],
    ['a large part', 6 * 1024 * 1024],
  ])('stores %s whole from the pieces it arrived in, and says when the name holds it all', async (_, size) => {
    const store = new BlobStore(root);
    const whole = Buffer.alloc(size);
    for (let i = 0; i < size; i += 4) whole.writeUInt32LE((i * 2654435761) >>> 0, i);
    // pieces of uneven sizes, an empty one among them, as a request's chunks arrive
    const pieces = [whole.subarray(0, 1), whole.subarray(1, 1), whole.subarray(1, 65_537), whole.subarray(65_537)];
    let whenWritten: Buffer | undefined;
    await store.commit({ path: '', data: pieces }, sha(whole), () => {
      whenWritten = readFileSync(store.pathOf(sha(whole)));
    });
    expect(whenWritten?.equals(whole)).toBe(true);
    expect(readFileSync(store.pathOf(sha(whole))).equals(whole)).toBe(true);
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

  // The directories a store holds open now (what /proc says this process's descriptors are).
  const heldDirs = () =>
    readdirSync('/proc/self/fd').flatMap((fd) => {
      try {
        const target = readlinkSync(join('/proc/self/fd', fd));
        return target.startsWith(join(root, 'blobs')) ? [target] : [];
      } catch {
        return []; // closed meanwhile (the descriptor of readdirSync itself)
      }
    });

  it('flushes a directory through a descriptor opened once, not opened and closed for every file', async () => {
    const store = new BlobStore(root);
    const files = Array.from({ length: 6 }, (_, i) => Buffer.from(`instance ${i}`));
    for (const f of files) await store.commit({ path: '', data: [f] }, sha(f));
    const dirs = new Set(files.map((f) => join(root, 'blobs', sha(f).slice(0, 2))));
    // one descriptor per directory used, kept between files (the same content again reuses it)
    expect(heldDirs().sort()).toEqual([...dirs].sort());
    await store.commit({ path: '', data: [files[0]!] }, sha(files[0]!));
    expect(heldDirs()).toHaveLength(dirs.size);
    for (const f of files) expect(readFileSync(store.pathOf(sha(f)))).toEqual(f);
    store.onApplicationShutdown();
    expect(heldDirs()).toEqual([]);
  });

  it('lets go of a held directory that went away and flushes the one made in its place', async () => {
    const store = new BlobStore(root);
    const first = Buffer.from('stored before the directory went away');
    const dir = join(root, 'blobs', sha(first).slice(0, 2));
    await store.commit({ path: '', data: [first] }, sha(first));
    expect(heldDirs()).toEqual([dir]);
    rmSync(dir, { recursive: true });
    // a file of the same directory: the store makes it again and holds the new one, not the removed one
    let other = Buffer.from('x');
    for (let i = 0; sha(other).slice(0, 2) !== sha(first).slice(0, 2); i++) other = Buffer.from(`x${i}`);
    await store.commit({ path: '', data: [other] }, sha(other));
    expect(readFileSync(store.pathOf(sha(other)))).toEqual(other);
    expect(heldDirs()).toEqual([dir]); // not "… (deleted)"
    store.onApplicationShutdown();
  });

  describe('removing a stored file no instance refers to (the sweep)', () => {
    const old = (path: string) => utimesSync(path, new Date(Date.now() - 7200_000), new Date(Date.now() - 7200_000));
    const cutoff = () => Date.now() - 3600_000;

    it('removes an old orphan, keeps a young one, a pinned one and one the index names when asked again', async () => {
      const store = new BlobStore(root);
      const files = ['orphan', 'young', 'pinned', 'indexed'].map((t) => Buffer.from(`content ${t}`));
      for (const f of files) await store.commit({ path: '', data: [f] }, sha(f));
      for (const f of [files[0]!, files[2]!, files[3]!]) old(store.pathOf(sha(f)));
      const unpin = store.pin(sha(files[2]!));
      const removed = await Promise.all([
        store.removeIfOrphan(sha(files[0]!), cutoff(), () => Promise.resolve(true)),
        store.removeIfOrphan(sha(files[1]!), cutoff(), () => Promise.resolve(true)),
        store.removeIfOrphan(sha(files[2]!), cutoff(), () => Promise.resolve(true)),
        // indexed meanwhile: the database, asked once more, says so
        store.removeIfOrphan(sha(files[3]!), cutoff(), () => Promise.resolve(false)),
      ]);
      expect(removed).toEqual([files[0]!.length, 0, 0, 0]);
      expect(existsSync(store.pathOf(sha(files[0]!)))).toBe(false);
      for (const f of files.slice(1)) expect(readFileSync(store.pathOf(sha(f)))).toEqual(f);
      unpin();
      expect(store.isPinned(sha(files[2]!))).toBe(false);
      expect(readdirSync(join(root, 'blobs', sha(files[3]!).slice(0, 2))).filter((n) => n.endsWith('.sweep'))).toEqual(
        [],
      );
    });

    it('the same content stored again while the sweep decides is never lost', async () => {
      const store = new BlobStore(root);
      const data = Buffer.from('an instance left by a crash, then sent again');
      await store.commit({ path: '', data: [data] }, sha(data));
      old(store.pathOf(sha(data)));
      // A request stores the same content just after the sweep moved the old file aside.
      const removed = await store.removeIfOrphan(sha(data), cutoff(), async () => {
        await store.commit({ path: '', data: [data] }, sha(data));
        return true;
      });
      expect(removed).toBe(data.length);
      expect(readFileSync(store.pathOf(sha(data)))).toEqual(data);
    });

    it('a file moved into the store from a temporary file arrives young, however long ago it was received', async () => {
      const store = new BlobStore(root);
      const data = Buffer.from('received early in a long request');
      const temp = await store.createTemp();
      expect(store.isLiveTemp(temp.path)).toBe(true);
      await temp.write(data);
      const hash = await temp.seal();
      old(temp.path);
      await store.commit(temp, hash);
      expect(statSync(store.pathOf(hash)).mtimeMs).toBeGreaterThan(cutoff());
      expect(store.isLiveTemp(temp.path)).toBe(false);
    });
  });
});
