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
// and those pages stay resident: ~25 MB of the API's memory, at rest and during a large upload,
// where the server must stay small. Semi-spaces of 2-4 MiB keep scavenges rare enough to cost no
// measurable CPU. Node.js offers no way to set that limit from inside the process (the command-line
// option --max-semi-space-size is read at start-up only), so growth is switched off once the young
// generation has reached 4 MiB (the switch is seen after the collection that grew it, so it may
// grow once more, to 8 MiB), and on again if V8 ever shrinks it.
const YOUNG_GENERATION_BYTES = 4 * 1024 * 1024;
let growing = true;
const youngGeneration = () => getHeapSpaceStatistics().find((s) => s.space_name === 'new_space')?.space_size ?? 0;
const govern = () => {
  const grow = youngGeneration() < YOUNG_GENERATION_BYTES;
  if (grow !== growing) {
    setFlagsFromString(`--semi-space-growth-factor=${grow ? 2 : 1}`);
    growing = grow;
  }
};
setFlagsFromString('--semi-space-growth-factor=2');
// Checked after every garbage collection (a few a second at most).
new PerformanceObserver(govern).observe({ entryTypes: ['gc'] });
