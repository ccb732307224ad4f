import { PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8';

// Settings that must be in place before the application is loaded (main.ts imports this first and
// the application only after it).

// libuv runs file system calls on a pool of threads, 4 by default. A STOW-RS request flushes a file
// and its directory at once, so 4 concurrent requests already fill the pool and every other file
// operation (reads for WADO-RS included) queues behind those flushes.
// eslint-disable-next-line no-restricted-syntax -- read by libuv itself, not application configuration
process.env.UV_THREADPOOL_SIZE ??= '16';

// V8 doubles its young generation after busy scavenges, up to two 16 MiB semi-spaces in Node.js 20,
// and those pages stay resident: ~15-25 MB of the API's memory, at rest and during a large upload,
// where the server must stay small. Node.js offers no way to set that limit from inside the process
// (the command-line option --max-semi-space-size is read at start-up only), so growth is switched
// off once, when the young generation has reached 8 MiB (the switch is seen after the collection
// that grew it, so it may grow once more, to 16 MiB). The flag is changed once, never back.
// An operator who sets the semi-space size on the command line keeps it.
const YOUNG_GENERATION_BYTES = 8 * 1024 * 1024;
// eslint-disable-next-line no-restricted-syntax -- the Node.js options, not application configuration
const semiSpaceGiven = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)].some((a) =>
  a.startsWith('--max-semi-space-size'),
);
if (!semiSpaceGiven) {
  // With a small young generation, V8's memory reducer mistakes a phase that allocates few objects
  // (WADO-RS sending files) for idleness and runs one full collection after another: 3-4 times the
  // CPU of those requests. Ordinary collections still run.
  setFlagsFromString('--no-memory-reducer');
  const observer = new PerformanceObserver(() => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    if (young < YOUNG_GENERATION_BYTES) return;
    setFlagsFromString('--semi-space-growth-factor=1');
    observer.disconnect();
  });
  // Checked after every garbage collection until then.
  observer.observe({ entryTypes: ['gc'] });
}
