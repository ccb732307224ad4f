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
// off while the young generation is at 8 MiB or more (the switch is seen after the collection that
// grew it, so it may grow once more, to 16 MiB), and on again when V8 has shrunk it below that, as it
// does after a quiet spell: a young generation kept at its smallest for the next busy phase costs
// several times the CPU in collections (WADO-RS retrievals after a minute's rest used 3 times the CPU).
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
  let growing = true;
  // Checked after every garbage collection (a look at the heap's statistics, the flag set only when
  // the answer changes).
  new PerformanceObserver(() => {
    const young = getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
    const grow = young < YOUNG_GENERATION_BYTES;
    if (grow === growing) return;
    growing = grow;
    setFlagsFromString(grow ? '--semi-space-growth-factor=2' : '--semi-space-growth-factor=1');
  }).observe({ entryTypes: ['gc'] });
}
