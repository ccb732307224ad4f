// Runs every jest project with native ESM enabled (NestJS 12 is ESM-only, so jest needs vm modules).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const jestBin = fileURLToPath(new URL('../node_modules/jest/bin/jest.js', import.meta.url));
const result = spawnSync(
  process.execPath,
  // A larger heap: on a 2-core machine jest runs every file in this one process, and the vm-module registries
  // of 100+ files (each starting a server, a database clone and often a browser) outgrow Node's default 4 GB.
  // --forceExit: once every test has run and reported, jest exits with their outcome even if some file left a handle
  // open (a full run on 2026-12-07 passed every test and then waited; no single file reproduces it alone). A run
  // must end with its verdict rather than hang CI; the leak is still to be found (--detectOpenHandles).
  [
    '--experimental-vm-modules',
    '--no-warnings',
    '--max-old-space-size=12288',
    jestBin,
    '--forceExit',
    ...process.argv.slice(2),
  ],
  { stdio: 'inherit', env: { ...process.env, NODE_ENV: 'test' } },
);
process.exit(result.status ?? 1);
