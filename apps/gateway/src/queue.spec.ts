import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DurableQueue, QueueFullError } from './queue.js';

describe('DurableQueue', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'zhiyin-gwq-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const put = async (q: DurableQueue, bytes: number) => {
    const temp = q.tempPath();
    writeFileSync(temp, Buffer.alloc(bytes, 1));
    return q.add(temp, { label: 'x', source: 'dimse', size: bytes });
  };

  it('is bounded: a file that does not fit is refused and left where it was', async () => {
    const q = new DurableQueue(dir, 100);
    await q.open();
    await put(q, 60);
    const temp = q.tempPath();
    writeFileSync(temp, Buffer.alloc(50));
    await expect(q.add(temp, { label: 'y', source: 'dimse', size: 50 })).rejects.toBeInstanceOf(QueueFullError);
    expect(readFileSync(temp)).toHaveLength(50);
    expect(q.pendingBytes()).toBe(60);
  });

  it('after a kill: what was sending is queued again, a file without its journal is adopted, half-written ones go', async () => {
    const q = new DurableQueue(dir, 1000);
    await q.open();
    const a = await put(q, 10);
    const taken = await q.take();
    expect(taken?.id).toBe(a.id);
    // killed between the rename of a file and the writing of its journal
    writeFileSync(join(dir, 'items', '0b6c1a52-5d0c-4b55-9a5b-0e1c3e0c0a11.bin'), Buffer.alloc(7));
    // killed while a modality's file was still arriving
    writeFileSync(join(dir, 'tmp', 'half.part'), Buffer.alloc(3));

    const again = new DurableQueue(dir, 1000);
    await again.open();
    const items = again.list();
    expect(items.map((i) => [i.size, i.state]).sort()).toEqual([
      [10, 'queued'],
      [7, 'queued'],
    ]);
    expect(readdirSync(join(dir, 'tmp'))).toEqual([]);
  });

  it('removes a sent item’s file, keeps its journal for the status page, and counts it no more', async () => {
    const q = new DurableQueue(dir, 1000);
    await q.open();
    const a = await put(q, 10);
    await q.sent(a);
    expect(q.pendingBytes()).toBe(0);
    expect(readdirSync(join(dir, 'items'))).toEqual([`${a.id}.json`]);
    const again = new DurableQueue(dir, 1000);
    await again.open();
    expect(again.list().map((i) => i.state)).toEqual(['sent']);
  });
});
