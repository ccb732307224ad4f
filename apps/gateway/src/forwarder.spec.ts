import { backoff } from './forwarder.js';

describe('retry backoff', () => {
  it('doubles up to the cap, with jitter within the upper half', () => {
    expect(backoff(1, 1000, 60_000, () => 0)).toBe(1000);
    expect(backoff(1, 1000, 60_000, () => 1)).toBe(2000);
    expect(backoff(3, 1000, 60_000, () => 1)).toBe(8000);
    expect(backoff(20, 1000, 60_000, () => 1)).toBe(60_000);
    expect(backoff(20, 1000, 60_000, () => 0)).toBe(30_000);
  });
});
