// The machine's state between measurements: every server is measured from the same quiet start.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';

/** The CPUs' busy and total time so far (/proc/stat), or null where there is none. */
function cpuTimes() {
  try {
    const f = readFileSync('/proc/stat', 'utf8').split('\n')[0]?.trim().split(/\s+/).slice(1).map(Number) ?? [];
    const total = f.reduce((a, b) => a + b, 0);
    const idle = (f[3] ?? 0) + (f[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/**
 * Waits until the machine is nearly idle (at most 20% busy over a quarter second) or 10 s have passed: an opening
 * or a pass then does not share the CPUs with the previous one's leftovers (a closed page's GPU process still
 * drawing, a server still answering its last requests, a stopped server's files being removed). The same for every
 * server.
 */
export async function quiet() {
  const deadline = performance.now() + 10_000;
  let before = cpuTimes();
  while (before && performance.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    const now = cpuTimes();
    if (!now) return;
    const busy = (now.busy - before.busy) / Math.max(1, now.total - before.total);
    if (busy < 0.2) return;
    before = now;
  }
}

/**
 * Writes out what earlier passes left in the page cache (a removed data directory, a dropped database), then waits
 * for a quiet machine: a STOW-RS pass then never flushes its files behind the previous pass's writeback, which made
 * the same build's ingest vary by a third from one pass to the next.
 */
export async function settleDisk() {
  try {
    execFileSync('sync', [], { stdio: 'ignore' });
  } catch {
    // no sync here: measured as it is
  }
  await quiet();
}
