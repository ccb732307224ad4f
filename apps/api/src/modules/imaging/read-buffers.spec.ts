import { ReadBuffers } from './read-buffers.js';

describe('ReadBuffers', () => {
  it('hands the same memory out again once it is given back', () => {
    const pool = new ReadBuffers(16 << 20, 64 << 20);
    const a = pool.take(300_000)!;
    expect(a.length).toBe(512 * 1024);
    pool.give(a);
    expect(pool.take(400_000)).toBe(a);
    // a buffer still out is never handed out twice
    expect(pool.take(400_000)).not.toBe(a);
  });

  it('keeps no more than its limit, and nothing above its largest size', () => {
    const pool = new ReadBuffers(1 << 20, 2 << 20);
    expect(pool.take((1 << 20) + 1)).toBeUndefined();
    const list = [pool.take(1 << 20)!, pool.take(1 << 20)!, pool.take(1 << 20)!];
    for (const b of list) pool.give(b);
    expect(pool.keptBytes).toBe(2 << 20);
    // a Buffer not of the pool's sizes (e.g. a slice) is not taken in
    pool.give(Buffer.alloc(1000));
    expect(pool.keptBytes).toBe(2 << 20);
  });
});
