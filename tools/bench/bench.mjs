#!/usr/bin/env node
// `npm run bench`: Zhiyin's DICOMweb (STOW-RS, QIDO-RS, WADO-RS) against Orthanc + DICOMweb plugin in one run,
// on the same machine and data, alternating the servers, checking every answer. See BENCHMARKS.md.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ensureDataset, loadDataset, querySet } from './lib/dataset.mjs';
import { makeAgent, request, retriedRequests } from './lib/http.mjs';
import {
  chineseRows,
  computeMetrics,
  perQueryRows,
  printSummary,
  renderMarkdown,
  stowScenario,
} from './lib/report.mjs';
import { modalityRun } from './lib/modality.mjs';
import { bigPlan, bigStow, metadataRun, qidoRun, stowPass, wadoRun } from './lib/scenarios.mjs';
import { registerBenchAe, storescuPass } from './lib/dimse.mjs';
import { routingRun } from './lib/routing.mjs';
import { readingRun } from './lib/reading.mjs';
import { ensureCt, ensureReadingData } from './lib/reading-data.mjs';
import { gatewayRun, gatewaySkipReason } from './lib/gateway.mjs';
import { settleDisk } from './lib/machine.mjs';
import { bareServer, freePort, orthancServer, sameFileSystem, snapshotBuild, zhiyinServer } from './lib/servers.mjs';

const benchDir = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(benchDir, '..', '..');
const apiDir = join(repoRoot, 'apps', 'api');
const sharedDir = resolve(process.env.ZHIYIN_SHARED ?? join(repoRoot, '..', 'shared'));

const HELP = `usage: npm run bench -- [options]      (or: node tools/bench/bench.mjs [options])

  --preset small|medium     data set (default medium; generated into tools/bench/bench-data/ when missing)
  --reps N                  repetitions per server and scenario (default 3, at least 1)
  --only LIST               scenarios, comma-separated: stow,qido,wado,big,dimse,routing,modality,reading,gateway
                            (default stow,qido,wado)
                            dimse: dcmtk storescu into each server's DICOM port (C-STORE), checked by QIDO-RS/WADO-RS
                            routing: Zhiyin alone, 11 centres submitting with 1,000 socket.io clients connected, then
                            the readers raising a critical result (危急值) on each referral they hold
                            reading: Zhiyin alone, a radiologist opening cases cold in its reading room and in OHIF
                            (@ohif/app, same Zhiyin behind it): first image drawn and whole stack loaded
  --reading-slices N        slices of the reading scenario's generated CT (default 300; the gateway scenario sends it too)
  --gateway-concurrency N   gateway: its parallel uploads to the hub (GATEWAY_CONCURRENCY, default the gateway's 4)
  --big                     add the 1 GB single STOW-RS request (same as adding "big" to --only)
  --big-mb N                size of the big request in MB (default 1074, i.e. 1 GiB)
  --stow-concurrency LIST   STOW-RS concurrencies (default 4,1)
  --batch LIST              instances per STOW-RS request, comma-separated (default 1,16: the restated targets' cells)
  --wado-concurrency N      WADO-RS concurrency (default 4)
  --qido-rounds N           measured rounds over the QIDO-RS query set (default 20)
  --storescu LIST           storescu passes: association (one association, every file), study (one per study)
                            (default association,study)
  --wado-sample N           instances of each storescu pass retrieved by WADO-RS and compared (default 40)
  --modality-reps N         modality: storescu of a study for a waiting referral → offer on the reader's socket,
                            repetitions (default 30; ECG and CT in turn; Zhiyin only)
  --routing-referrals N     referrals each centre submits in the routing scenario (default 20)
  --routing-interval MS     each centre submits one referral every MS milliseconds, all centres at once (default
                            1000; 0: back to back, which measures the queue for a free reader as much as routing)
  --routing-clients N       socket.io clients connected during it (default 1000)
  --routing-doctors N       community doctors made per centre besides the seeded one (default 20)
  --routing-specialists N   on-duty specialists made per service besides the seeded ones (default 12)
  --servers LIST            zhiyin,orthanc (default both; one alone gives no ratios)
  --no-reference            do not measure the bare durable write path beside them in the STOW-RS passes
  --embedded-pg             Zhiyin on its embedded PostgreSQL instead of the local server (ZHIYIN_BENCH_PG)
  --no-build                do not run the turbo build first
  --no-md                   do not rewrite BENCHMARKS.md
  --render-md               only re-render BENCHMARKS.md from tools/bench/results/*.json
  --max-minutes N           hard limit for the whole run (default 90)
environment: ZHIYIN_SHARED (the shared folder, default ../shared next to the repository), ZHIYIN_BENCH_PG
(admin URL of the PostgreSQL server, default postgres://postgres@127.0.0.1:5432/postgres), ZHIYIN_BENCH_DATA
(data-set folder), ZHIYIN_BENCH_RESULTS (results folder), ORTHANC_PORT (default 8042), ZHIYIN_BENCH_TMP (where Zhiyin's DATA_DIRs go, default the OS temp dir),
ZHIYIN_BENCH_NODE_ARGS (Node.js options for Zhiyin, e.g. "--cpu-prof --cpu-prof-dir=DIR" to profile it),
ZHIYIN_BENCH_SERVER_LOG (a file that receives everything Zhiyin prints, e.g. with --trace-gc).`;

function options() {
  // npm hands options to this script after `--` (`npm run bench -- --preset small`); without it, npm keeps the
  // option names for itself and passes the values.
  const swallowed = ['preset', 'reps', 'only', 'big', 'servers', 'batch'].filter((k) => process.env[`npm_config_${k}`]);
  const { values, positionals } = parseArgs({
    options: {
      preset: { type: 'string' },
      reps: { type: 'string' },
      only: { type: 'string' },
      big: { type: 'boolean' },
      'big-mb': { type: 'string' },
      'stow-concurrency': { type: 'string' },
      batch: { type: 'string' },
      'wado-concurrency': { type: 'string' },
      'qido-rounds': { type: 'string' },
      storescu: { type: 'string' },
      'wado-sample': { type: 'string' },
      'routing-referrals': { type: 'string' },
      'modality-reps': { type: 'string' },
      'routing-clients': { type: 'string' },
      'routing-interval': { type: 'string' },
      'routing-doctors': { type: 'string' },
      'routing-specialists': { type: 'string' },
      'reading-slices': { type: 'string' },
      'gateway-concurrency': { type: 'string' },
      servers: { type: 'string' },
      'embedded-pg': { type: 'boolean' },
      'no-reference': { type: 'boolean' },
      'no-build': { type: 'boolean' },
      'no-md': { type: 'boolean' },
      'render-md': { type: 'boolean' },
      'max-minutes': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    allowPositionals: true,
  });
  if (positionals.length || swallowed.length) {
    throw new Error(
      `npm took the option(s) ${swallowed.map((k) => `--${k}`).join(' ')} for itself and passed only ` +
        `"${positionals.join(' ')}": from the repository root write \`npm run bench -- -- --preset small\`, ` +
        'or \`npm run bench -w @zhiyin/api -- --preset small\`',
    );
  }
  const str = (/** @type {keyof typeof values} */ k) => /** @type {string | undefined} */ (values[k]);
  const flag = (/** @type {keyof typeof values} */ k) => Boolean(values[k]);
  const int = (/** @type {keyof typeof values} */ k, /** @type {number} */ d, min = 1) => {
    const v = str(k);
    const n = v === undefined ? d : Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${k} must be an integer ≥ ${min}`);
    return n;
  };
  const only = new Set(
    (str('only') ?? 'stow,qido,wado')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  if (flag('big')) only.add('big');
  for (const s of only)
    if (!['stow', 'qido', 'wado', 'big', 'dimse', 'routing', 'modality', 'reading', 'gateway'].includes(s))
      throw new Error(`unknown scenario "${s}"`);
  const storescu = (str('storescu') ?? 'association,study').split(',').map((s) => s.trim());
  for (const m of storescu) if (m !== 'association' && m !== 'study') throw new Error(`unknown storescu pass "${m}"`);
  const servers = (str('servers') ?? 'zhiyin,orthanc').split(',').map((s) => s.trim());
  for (const s of servers) if (s !== 'zhiyin' && s !== 'orthanc') throw new Error(`unknown server "${s}"`);
  const preset = str('preset') ?? 'medium';
  if (!/^[a-z0-9-]+$/.test(preset)) throw new Error('--preset must be a preset name (small, medium)');
  return {
    help: flag('help'),
    preset,
    reps: int('reps', 3),
    only: [...only],
    bigBytes: int('big-mb', 1074) * 1e6,
    stowConcurrency: (str('stow-concurrency') ?? '4,1').split(',').map(Number),
    batch: (str('batch') ?? '1,16').split(',').map((b) => {
      const n = Number(b);
      if (!Number.isInteger(n) || n < 1) throw new Error('--batch must list integers ≥ 1');
      return n;
    }),
    wadoConcurrency: int('wado-concurrency', 4),
    qidoRounds: int('qido-rounds', 20),
    storescu: /** @type {import('./lib/dimse.mjs').StorescuMode[]} */ (storescu),
    wadoSample: int('wado-sample', 40),
    modalityReps: int('modality-reps', 30),
    routing: {
      perCentre: int('routing-referrals', 20),
      interval: int('routing-interval', 1000, 0),
      clients: int('routing-clients', 1000),
      extraDoctors: int('routing-doctors', 20, 0),
      extraSpecialists: int('routing-specialists', 12, 0),
    },
    readingSlices: int('reading-slices', 300),
    gatewayConcurrency: str('gateway-concurrency') === undefined ? undefined : int('gateway-concurrency', 2),
    servers,
    embeddedPg: flag('embedded-pg'),
    reference: !flag('no-reference'),
    build: !flag('no-build'),
    md: !flag('no-md'),
    renderOnly: flag('render-md'),
    maxMinutes: int('max-minutes', 90),
  };
}

const log = (/** @type {string} */ s) =>
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${s}\n`);

/**
 * Writes out what the ingest passes left in the page cache (gigabytes, with every pass of every server) before
 * the next scenario, so that the kernel's background writeback does not run during the next measurements.
 */
function settle() {
  const t0 = performance.now();
  sh('sync', []);
  log(`written out the ingest passes' data (sync, ${((performance.now() - t0) / 1000).toFixed(1)} s)`);
}

function sh(/** @type {string} */ cmd, /** @type {string[]} */ args) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return '';
  }
}

function machine(/** @type {string} */ dir) {
  const cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  const cpu = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const [fsType, source] = sh('findmnt', ['-n', '-o', 'FSTYPE,SOURCE', '--target', dir]).split(/\s+/);
  const device = source?.startsWith('/dev/') ? source.slice(5).replace(/\[.*$/, '') : undefined;
  const base = device?.replace(/p?\d+$/, '');
  let rotational;
  for (const d of [device, base]) {
    if (!d) continue;
    const f = `/sys/block/${d}/queue/rotational`;
    if (existsSync(f)) {
      rotational = readFileSync(f, 'utf8').trim() === '1';
      break;
    }
  }
  return {
    cpu,
    cores: os.cpus().length,
    memoryGB: os.totalmem() / 1e9,
    kernel: os.release(),
    virtualization: sh('systemd-detect-virt', []) || undefined,
    disk: { fsType: fsType || 'unknown', device, rotational },
  };
}

/** Busy and total CPU time of the whole machine so far, in seconds (from /proc/stat). */
function machineCpu() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const idle = (f[3] ?? 0) + (f[4] ?? 0);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: (total - idle) / 100, total: total / 100 };
}

/** What each server's STOW-RS answer means for durability, checked rather than assumed. */
function durability(/** @type {string | undefined} */ pgAdmin) {
  const tpl = join(sharedDir, 'peers', 'orthanc', 'orthanc.json.template');
  const sync = existsSync(tpl) && /"SyncStorageArea"\s*:\s*true/.test(readFileSync(tpl, 'utf8'));
  const orthanc = sync
    ? 'Orthanc runs with `SyncStorageArea: true`: the data of each stored file is flushed (fdatasync) before the STOW-RS answer; ' +
      'its directory entry and its SQLite index are not flushed before answering (`strace -f -e trace=fsync,fdatasync,sync_file_range,syncfs` ' +
      'on Orthanc while it stores 20 instances shows 20 fdatasync calls and nothing else).'
    : 'Orthanc runs WITHOUT `SyncStorageArea`: its answers do not imply files on disk.';
  const src = join(apiDir, 'src');
  const hits = sh('grep', [
    '-rlE',
    '--include=*.ts',
    '--exclude=*.spec.ts',
    '(fsync|fdatasync|datasync)\\(|\\.sync\\(\\)',
    src,
  ])
    .split('\n')
    .filter(Boolean)
    .map((f) => relative(repoRoot, f));
  const zhiyin = hits.length
    ? `Zhiyin's storage code flushes files with fsync/datasync (${hits.map((h) => `\`${h}\``).join(', ')}) (file and directory entry) before the instance is recorded, and its index and audit rows are committed in PostgreSQL (its log flushed) before the STOW-RS answer is sent: more flushing than Orthanc does.`
    : "No fsync/datasync call was found in Zhiyin's API source: its STOW-RS answer does NOT mean the files are on disk.";
  let pg = '';
  if (pgAdmin) {
    const u = new URL(pgAdmin);
    const q = (/** @type {string} */ s) =>
      sh('psql', [
        '-h',
        u.hostname,
        '-p',
        u.port || '5432',
        '-U',
        decodeURIComponent(u.username || 'postgres'),
        '-Atqc',
        s,
      ]);
    pg = `PostgreSQL: fsync=${q('SHOW fsync') || '?'}, synchronous_commit=${q('SHOW synchronous_commit') || '?'}.`;
  }
  return { orthanc, zhiyin, postgres: pg, zhiyinFsyncFiles: hits, orthancSyncStorageArea: sync };
}

/** The same problem seen in several repetitions is listed once, with how often. @param {import('./lib/scenarios.mjs').Failure[]} list */
function dedupe(list) {
  /** @type {Map<string, import('./lib/scenarios.mjs').Failure & { times: number }>} */
  const seen = new Map();
  for (const f of list) {
    const key = `${f.server}|${f.scenario}|${f.what}|${f.detail}`;
    const old = seen.get(key);
    if (old) old.times += 1;
    else seen.set(key, { ...f, times: 1 });
  }
  return [...seen.values()];
}

async function main() {
  const opt = options();
  if (opt.help) {
    process.stdout.write(`${HELP}\n`);
    return;
  }
  const resultsDir = resolve(process.env.ZHIYIN_BENCH_RESULTS ?? join(benchDir, 'results'));
  const mdFile = join(repoRoot, 'BENCHMARKS.md');
  if (opt.renderOnly) {
    renderMarkdown(resultsDir, mdFile);
    log('BENCHMARKS.md rewritten from the results files');
    return;
  }
  const runStarted = performance.now();
  const cpuAtStart = machineCpu();
  const loadAtStart = os.loadavg()[0];
  const clientAtStart = process.cpuUsage();
  const deadlineMs = runStarted + opt.maxMinutes * 60_000;

  if (opt.build && opt.servers.includes('zhiyin')) {
    log('building (turbo run build)');
    const r = spawnSync('npx', ['turbo', 'run', 'build', '--output-logs=errors-only'], {
      cwd: repoRoot,
      stdio: 'inherit',
      env: { ...process.env, TURBO_TELEMETRY_DISABLED: '1' },
    });
    if (r.status !== 0) throw new Error('the build failed');
  }

  // the source the measured build was made from
  const buildInfo = {
    commit: sh('git', ['-C', repoRoot, 'rev-parse', '--short', 'HEAD']) || undefined,
    dirty: Boolean(sh('git', ['-C', repoRoot, 'status', '--porcelain', '--', 'apps/api/src', 'packages'])),
  };

  const dataRoot = resolve(process.env.ZHIYIN_BENCH_DATA ?? join(benchDir, 'bench-data'));
  // the reading room has data of its own: the data set is made and loaded only for the other scenarios
  const ds = opt.only.some((s) => s !== 'reading' && s !== 'gateway')
    ? loadDataset(ensureDataset({ preset: opt.preset, dataDir: dataRoot, sharedDir, log }), opt.preset)
    : emptyDataset(opt.preset);
  const queries = ds.files.length ? querySet(ds) : [];
  if (ds.files.length)
    log(
      `data set ${opt.preset}: ${ds.files.length} instances, ${(ds.totalBytes / 1e6).toFixed(1)} MB, ${ds.studies.size} studies`,
    );

  const orthancScripts = join(sharedDir, 'peers', 'orthanc');
  if (opt.servers.includes('orthanc') && !sh('sh', ['-c', 'command -v Orthanc || ls /usr/sbin/Orthanc'])) {
    log('Orthanc is not installed: running ../shared/peers/orthanc/install.sh');
    execFileSync(join(orthancScripts, 'install.sh'), [], { stdio: 'inherit' });
  }
  const pgAdmin = opt.embeddedPg
    ? undefined
    : (process.env.ZHIYIN_BENCH_PG ?? 'postgres://postgres@127.0.0.1:5432/postgres');
  const orthancRun = join(benchDir, '.orthanc-run');
  /** @type {import('./lib/servers.mjs').Server[]} */
  const servers = [];
  /** @type {ReturnType<typeof zhiyinServer> | undefined} */
  let zhiyin;
  /** @type {{ dir: string, apiDir: string } | undefined} */
  let build;
  if (opt.servers.includes('zhiyin')) {
    build = snapshotBuild(repoRoot, resolve(process.env.ZHIYIN_BENCH_TMP ?? os.tmpdir()));
    zhiyin = zhiyinServer({
      apiDir: build.apiDir,
      dataRoot: resolve(process.env.ZHIYIN_BENCH_TMP ?? os.tmpdir()),
      pgUrl: pgAdmin,
      log,
      // the centre's own doctor reads what its centre sent (a hub coordinator sees only studies referred to the hub)
      users: { write: 'doc.hyjq', read: 'doc.hyjq' },
      password: 'Zhiyin-2026',
      dicom: opt.only.includes('dimse') || opt.only.includes('modality'),
      // the reading room is the web app's production build, served by the API on its own port
      env: {
        WEB_DIR: join(repoRoot, 'apps', 'web', 'dist'),
        // OHIF reaches it through a proxy on another origin (the reading scenario), as behind a reverse proxy
        ...(opt.only.includes('reading') ? { TRUST_PROXY: 'true' } : {}),
      },
    });
    servers.push(zhiyin);
  }
  /** @type {ReturnType<typeof orthancServer> | undefined} */
  let orthanc;
  // routing, modality → offer and reading have no Orthanc side: Orthanc only runs for the imaging scenarios
  if (
    opt.servers.includes('orthanc') &&
    opt.only.some((s) => !['routing', 'modality', 'reading', 'gateway'].includes(s))
  ) {
    orthanc = orthancServer({
      scriptsDir: orthancScripts,
      runDir: orthancRun,
      port: Number(process.env.ORTHANC_PORT ?? 8042),
      dicomPort: opt.only.includes('dimse') ? Number(process.env.ORTHANC_DICOM_PORT ?? (await freePort())) : undefined,
      log,
    });
    servers.push(orthanc);
  }

  // The reference of the STOW-RS passes (not a server under test: no ratios of its own, no QIDO-RS or WADO-RS).
  /** @type {ReturnType<typeof bareServer>[]} */
  const references = [];
  if (opt.reference && opt.only.includes('stow') && pgAdmin) {
    for (const flush of /** @type {const} */ (['full', 'data', 'light']))
      references.push(
        bareServer({ dataRoot: resolve(process.env.ZHIYIN_BENCH_TMP ?? os.tmpdir()), pgUrl: pgAdmin, log, flush }),
      );
  }

  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const s of servers) {
      try {
        await s.stop();
      } catch (e) {
        log(`stopping ${s.label}: ${/** @type {Error} */ (e).message}`);
      }
    }
    zhiyin?.cleanup();
    for (const r of references) {
      await r.stop().catch(() => undefined);
      r.cleanup();
    }
    if (build) rmSync(build.dir, { recursive: true, force: true });
  };
  for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM'])) {
    process.once(sig, () => {
      log(`${sig}: stopping the servers`);
      void cleanup().finally(() => process.exit(130));
    });
  }

  /** @type {import('./lib/scenarios.mjs').Failure[]} */
  const failures = [];
  /** @type {string[]} */
  const skipped = [];
  /** @type {string[]} */
  const incidents = [];
  /** A fresh, empty server; one retry when it does not come up (e.g. stopped from outside while starting). */
  const resetServer = async (/** @type {import('./lib/servers.mjs').Server} */ s) => {
    try {
      await s.reset();
    } catch (e) {
      const msg = `${s.label} did not start (${/** @type {Error} */ (e).message.split('\n')[0]}); retrying once`;
      log(`!!! ${msg}`);
      incidents.push(msg);
      await s.reset();
    }
  };
  /** @type {Record<string, Record<string, any[]>>} */
  const runs = {};
  const record = (/** @type {string} */ scenario, /** @type {string} */ server, /** @type {any} */ value) => {
    runs[scenario] ??= {};
    (runs[scenario][server] ??= []).push(value);
  };
  /** Runs one measurement; an exception is a failure of that server, not the end of the run. */
  const attempt = async (
    /** @type {string} */ scenario,
    /** @type {import('./lib/servers.mjs').Server} */ s,
    /** @type {() => Promise<any>} */ fn,
  ) => {
    try {
      // fresh connections for every measurement: no socket left idle past the server's keep-alive timeout
      s.agent.destroy();
      s.agent = makeAgent(16);
      const v = await fn();
      record(scenario, s.name, v);
      return v;
    } catch (e) {
      // undici's "fetch failed" says why only in its cause
      const err = /** @type {Error & { cause?: { message?: string } }} */ (e);
      const detail = `${err.message}${err.cause?.message ? ` (${err.cause.message})` : ''}`.slice(0, 500);
      failures.push({ server: s.name, scenario, what: 'run', detail });
      log(`!!! ${s.label} ${scenario}: ${detail}`);
      return undefined;
    }
  };

  try {
    // start both once: versions, and whether Zhiyin's DICOMweb endpoints answer at all
    /** @type {Record<string, any>} */
    const versions = {};
    for (const s of [...servers]) {
      log(`starting ${s.label}`);
      await resetServer(s);
      Object.assign(versions, await s.versions());
    }
    versions.node = process.version;
    Object.assign(versions, buildInfo);
    if (zhiyin) {
      const probe = await request(`${zhiyin.base}/studies?limit=1`, {
        headers: { ...(await zhiyin.auth('read')), Accept: 'application/dicom+json' },
        timeoutMs: 30_000,
      });
      if (probe.status === 404) {
        log("!!! Zhiyin's DICOMweb endpoints are not there (GET /dicomweb/studies → 404): measuring Orthanc only");
        failures.push({
          server: 'zhiyin',
          scenario: 'all',
          what: 'GET /dicomweb/studies',
          detail: '404: DICOMweb endpoints missing',
        });
        await zhiyin.stop();
        servers.splice(servers.indexOf(zhiyin), 1);
        zhiyin.cleanup();
        zhiyin = undefined;
      }
    }
    if (!servers.length) throw new Error('no server to measure');

    const left = () => deadlineMs - performance.now();
    /** @type {Set<string>} */
    const loaded = new Set();

    if (opt.only.includes('stow')) {
      for (let rep = 1; rep <= opt.reps; rep++) {
        for (const c of opt.stowConcurrency) {
          for (const b of opt.batch) {
            for (const s of [...servers, ...references]) {
              await resetServer(s);
              await settleDisk();
              log(`STOW-RS rep ${rep}/${opt.reps}, concurrency ${c}, ${b} instance(s) per request, ${s.label}`);
              const v = await attempt(stowScenario(c, b), s, () =>
                stowPass(s, ds, {
                  concurrency: c,
                  batch: b,
                  failures,
                  deadlineMs: performance.now() + Math.min(left(), 20 * 60_000),
                }),
              );
              if (v) {
                log(
                  `  ${v.mbPerSec.toFixed(1)} MB/s, ${v.instancesPerSec.toFixed(1)} instances/s, ${v.seconds.toFixed(1)} s, CPU ${v.cpuSeconds.toFixed(1)} s`,
                );
                if (v.errors === 0) loaded.add(s.name);
                else loaded.delete(s.name);
              } else loaded.delete(s.name);
            }
          }
        }
      }
    }

    for (const r of references) await r.stop();
    settle();

    if (opt.only.includes('dimse')) {
      for (let rep = 1; rep <= opt.reps; rep++) {
        for (const mode of opt.storescu) {
          for (const s of servers) {
            await resetServer(s);
            log(
              `storescu (one ${mode === 'association' ? 'association' : 'association per study'}) rep ${rep}/${opt.reps}, ${s.label}`,
            );
            const v = await attempt(`dimse-${mode}`, s, async () => {
              if (s === zhiyin) await registerBenchAe(zhiyin, 'doc.hyjq');
              return storescuPass(s, ds, { mode, failures, sample: opt.wadoSample });
            });
            if (v) {
              log(
                `  ${v.mbPerSec.toFixed(1)} MB/s, ${v.instancesPerSec.toFixed(1)} instances/s, ${v.seconds.toFixed(1)} s, CPU ${v.cpuSeconds.toFixed(1)} s; ` +
                  `${v.success}/${v.instances} stored, ${v.found} found by QIDO-RS, ${v.identical}/${v.sampled} byte-identical by WADO-RS`,
              );
            }
            // A server writes its own File Meta Information for what C-STORE gave it, so its files are not the
            // data set's byte for byte: QIDO-RS and WADO-RS (which check whole files) get a STOW-RS load first.
            loaded.delete(s.name);
          }
        }
      }
      settle();
    }

    if (opt.only.includes('qido') || opt.only.includes('wado')) {
      for (const s of servers) {
        if (loaded.has(s.name)) continue;
        log(`loading the data set into ${s.label} (not measured)`);
        await resetServer(s);
        const v = await attempt('load', s, () =>
          stowPass(s, ds, { concurrency: 4, batch: opt.batch[0], failures, deadlineMs: performance.now() + left() }),
        );
        if (v && v.errors === 0) loaded.add(s.name);
      }
      settle();
    }

    if (opt.only.includes('qido')) {
      for (let rep = 1; rep <= opt.reps; rep++) {
        for (const s of servers) {
          log(`QIDO-RS rep ${rep}/${opt.reps}, ${s.label}`);
          const v = await attempt('qido', s, () =>
            qidoRun(s, queries, {
              rounds: opt.qidoRounds,
              failures,
              deadlineMs: performance.now() + Math.min(left(), 10 * 60_000),
            }),
          );
          if (v)
            log(
              `  p50 ${v.p50ms.toFixed(2)} ms, p99 ${v.p99ms.toFixed(2)} ms (ASCII set); Chinese p50 ${v.chineseP50ms.toFixed(2)} ms`,
            );
        }
      }
    }

    if (opt.only.includes('wado')) {
      // One pass of each kind against each server first, not measured. Whichever server the client read from first
      // after the load got a first pass at about half its later speed — Orthanc alone as much as Zhiyin (2026-12-07:
      // 144 MB/s, then 234 and 260) — a state of the client and the machine after the load, not of the server; and
      // the first server is always the same one.
      for (const level of /** @type {const} */ (['study', 'instance'])) {
        for (const s of servers) {
          log(`WADO-RS ${level} warm-up, ${s.label} (not measured)`);
          await wadoRun(s, ds, {
            level,
            concurrency: opt.wadoConcurrency,
            failures: [],
            deadlineMs: performance.now() + Math.min(left(), 10 * 60_000),
          }).catch(() => undefined);
        }
      }
      for (let rep = 1; rep <= opt.reps; rep++) {
        // the servers take turns to go first
        const order = rep % 2 === 1 ? servers : [...servers].reverse();
        for (const level of /** @type {const} */ (['study', 'instance'])) {
          for (const s of order) {
            log(`WADO-RS ${level} rep ${rep}/${opt.reps}, ${s.label}`);
            const v = await attempt(`wado-${level}`, s, () =>
              wadoRun(s, ds, {
                level,
                concurrency: opt.wadoConcurrency,
                failures,
                deadlineMs: performance.now() + Math.min(left(), 10 * 60_000),
              }),
            );
            if (v)
              log(
                `  ${v.mbPerSec.toFixed(1)} MB/s, ${v.requestsPerSec.toFixed(1)} requests/s, p50 ${v.p50ms.toFixed(1)} ms`,
              );
          }
        }
        for (const s of order) {
          log(`WADO-RS metadata rep ${rep}/${opt.reps}, ${s.label}`);
          const v = await attempt('wado-metadata', s, () =>
            metadataRun(s, ds, {
              concurrency: opt.wadoConcurrency,
              failures,
              deadlineMs: performance.now() + Math.min(left(), 10 * 60_000),
            }),
          );
          if (v) log(`  ${v.requestsPerSec.toFixed(1)} requests/s, p50 ${v.p50ms.toFixed(1)} ms`);
        }
      }
    }

    if (opt.only.includes('big')) {
      const salt = (Math.floor(Date.now() / 1000) % 45) * 2 + 10;
      const plans = [bigPlan(ds, opt.bigBytes, salt, 'large'), bigPlan(ds, opt.bigBytes, salt, 'many')];
      for (let rep = 1; rep <= opt.reps; rep++) {
        for (const big of plans) {
          const scenario = big.kind === 'large' ? 'big' : 'big-many';
          for (const s of servers) {
            if (left() < 5 * 60_000) {
              skipped.push(`1 GB request (${big.kind} parts) rep ${rep} on ${s.label}: run time limit`);
              continue;
            }
            await resetServer(s);
            log(`1 GB single STOW-RS request, ${big.plan.length} parts, rep ${rep}/${opt.reps}, ${s.label}`);
            const v = await attempt(scenario, s, () => bigStow(s, big, { failures }));
            if (v)
              log(
                `  ${v.seconds.toFixed(1)} s, ${v.mbPerSec.toFixed(1)} MB/s, status ${v.status}, VmHWM ${v.vmHwmMB.toFixed(0)} MB (sampled peak ${v.peakRssSampledMB.toFixed(0)} MB)`,
              );
          }
        }
      }
    }

    if (opt.only.includes('routing')) {
      const ecg = ds.files.find((f) => f.modality === 'ECG');
      const ct = ds.files.find((f) => f.modality === 'CT');
      if (!zhiyin) skipped.push('routing: Zhiyin is not among the servers');
      else if (!ecg || !ct) skipped.push('routing: the data set has no ECG or no CT instance');
      else {
        for (let rep = 1; rep <= opt.reps; rep++) {
          const z = zhiyin;
          await resetServer(z);
          log(
            `routing rep ${rep}/${opt.reps}: ${opt.routing.clients} clients, 11 centres × ${opt.routing.perCentre} referrals`,
          );
          const v = await attempt('routing', z, () =>
            routingRun(z, { centres: 11, ...opt.routing, failures, log, ecg, ct }),
          );
          if (v)
            log(
              `  submit → offer p50 ${v.offerP50ms.toFixed(1)} ms, p99 ${v.offerP99ms.toFixed(1)} ms (max ${v.offerMaxMs.toFixed(0)}); ` +
                `${v.eventsDelivered} events delivered, ${v.eventsPerSec.toFixed(0)}/s; ` +
                `critical → alert p50 ${v.alertP50ms.toFixed(1)} ms, p99 ${v.alertP99ms.toFixed(1)} ms (${v.criticalResults} raised); ` +
                `${v.problems.length ? v.problems.join('; ') : 'all accepted and alerted'}`,
            );
          loaded.delete(z.name);
        }
      }
    }

    if (opt.only.includes('modality')) {
      const ecg = ds.files.find((f) => f.modality === 'ECG');
      // a CT study as the scanner sends it, up to 16 slices
      const ctStudy = [...ds.studies.values()].find((st) => st.modality === 'CT');
      const ct = ctStudy?.files.slice(0, 16);
      if (!zhiyin) skipped.push('modality: Zhiyin is not among the servers');
      else if (!ecg || !ct?.length) skipped.push('modality: the data set has no ECG or no CT study');
      else {
        for (let rep = 1; rep <= opt.reps; rep++) {
          const z = zhiyin;
          await resetServer(z);
          log(
            `modality → offer rep ${rep}/${opt.reps}: ${opt.modalityReps} studies by storescu, each submitted at once`,
          );
          const v = await attempt('modality', z, () =>
            modalityRun(z, { repetitions: opt.modalityReps, failures, log, ecg, ct }),
          );
          if (v)
            log(
              `  storescu last byte → offer p50 ${v.offerP50ms.toFixed(1)} ms, p99 ${v.offerP99ms.toFixed(1)} ms ` +
                `(ECG p50 ${v.ecgOfferP50ms.toFixed(1)}, CT p50 ${v.ctOfferP50ms.toFixed(1)}); ${v.offered}/${v.repetitions} offered`,
            );
          loaded.delete(z.name);
        }
      }
    }

    if (opt.only.includes('reading')) {
      if (!zhiyin) skipped.push('reading: Zhiyin is not among the servers');
      else if (!pgAdmin) skipped.push('reading: needs the local PostgreSQL server (not --embedded-pg)');
      else {
        const studies = ensureReadingData({ dataDir: dataRoot, sharedDir, log, slices: opt.readingSlices });
        const z = zhiyin;
        await resetServer(z);
        log(`reading room: ${studies.map((s) => s.label).join('; ')}, ${opt.reps} repetitions, Zhiyin and OHIF`);
        const v = await attempt('reading', z, () => readingRun(z, { studies, reps: opt.reps, log, failures }));
        if (v)
          for (const st of v.studies)
            log(
              `  ${st.key}: first image p50 Zhiyin ${fmtMs(st.zhiyin.firstP50)} / OHIF ${fmtMs(st.ohif.firstP50)}, ` +
                `stack p50 Zhiyin ${fmtMs(st.zhiyin.stackP50)} / OHIF ${fmtMs(st.ohif.stackP50)}`,
            );
        loaded.delete(z.name);
      }
    }

    if (opt.only.includes('gateway')) {
      const why = gatewaySkipReason();
      if (!zhiyin) skipped.push('gateway: Zhiyin is not among the servers');
      else if (why) {
        skipped.push(why);
        log(`!!! ${why}`);
      } else {
        // the reading scenario's generated CT: 300 slices 512×512, 16-bit, 157 MB (its pixels deflate to about 45%)
        const { ctDir } = ensureCt({ dataDir: dataRoot, log, slices: opt.readingSlices });
        const z = zhiyin;
        await resetServer(z);
        await attempt('gateway', z, () =>
          gatewayRun(z, { reps: opt.reps, ctDir, repoRoot, log, failures, concurrency: opt.gatewayConcurrency }),
        );
        loaded.delete(z.name);
      }
    }

    // results
    const metrics = computeMetrics(runs);
    const expectedOf = (/** @type {import('./lib/dataset.mjs').Query} */ q) =>
      q.expect ? q.expect.size : q.expectPage?.count;
    const qlist = queries.map((q) => ({
      id: q.id,
      label: q.label,
      path: q.path,
      level: q.level,
      chinese: q.chinese,
      expected: expectedOf(q),
    }));
    const now = new Date();
    const label =
      `${now.toISOString().slice(0, 16).replace(/:/g, '')}-${opt.preset}` +
      ['big', 'dimse', 'routing', 'modality', 'reading', 'gateway']
        .filter((k) => opt.only.includes(k))
        .map((k) => `-${k}`)
        .join('');
    const result = {
      schema: 1,
      date: now.toISOString(),
      label,
      preset: opt.preset,
      dataset: {
        instances: ds.files.length,
        bytes: ds.totalBytes,
        studies: ds.studies.size,
        series: ds.series.size,
        patients: ds.patients.size,
        config: ds.config,
      },
      options: {
        reps: opt.reps,
        only: opt.only,
        servers: servers.map((s) => s.name),
        stowConcurrency: opt.stowConcurrency,
        batch: opt.batch,
        wadoConcurrency: opt.wadoConcurrency,
        qidoRounds: opt.qidoRounds,
        storescu: opt.storescu,
        wadoSample: opt.wadoSample,
        routing: opt.routing,
        modalityReps: opt.modalityReps,
        readingSlices: opt.only.some((s) => s === 'reading' || s === 'gateway') ? opt.readingSlices : undefined,
        gatewayConcurrency: opt.only.includes('gateway') ? (opt.gatewayConcurrency ?? 2) : undefined,
        bigBytes: opt.bigBytes,
        database: pgAdmin
          ? 'the local PostgreSQL server, a fresh database per ingest pass'
          : 'embedded PostgreSQL, fresh per ingest pass',
        sameFileSystem: zhiyin && orthanc ? sameFileSystem(zhiyin.storageDir, orthancRun) : undefined,
      },
      machine: machine(benchDir),
      versions,
      durability: durability(pgAdmin),
      queries: qlist,
      metrics,
      perQuery: perQueryRows(runs, qlist),
      chinese: chineseRows(runs, qlist),
      failures: dedupe(failures),
      skipped,
      runs,
      retriedRequests,
      load: (() => {
        const end = machineCpu();
        const client = process.cpuUsage(clientAtStart);
        return {
          loadAverageStart: loadAtStart,
          loadAverageEnd: os.loadavg()[0],
          busyPercent: (100 * (end.busy - cpuAtStart.busy)) / Math.max(1e-9, end.total - cpuAtStart.total),
          clientCpuSeconds: (client.user + client.system) / 1e6,
        };
      })(),
      minutes: (performance.now() - runStarted) / 60_000,
    };
    process.stdout.write(`\n${printSummary(result)}\n\n`);
    mkdirSync(resultsDir, { recursive: true });
    const file = join(resultsDir, `${label}.json`);
    let text = JSON.stringify(result, (_k, v) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 2);
    try {
      const prettier = await import('prettier');
      text = await prettier.format(text, { parser: 'json', printWidth: 120 });
    } catch {
      text += '\n';
    }
    writeFileSync(file, text);
    log(`results written to ${relative(repoRoot, file)} (${result.minutes.toFixed(1)} min)`);
    if (opt.md) {
      renderMarkdown(resultsDir, mdFile);
      log('BENCHMARKS.md rewritten');
    }
    if (result.failures.length) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

/** A data set with nothing in it, for a run of scenarios that bring their own data. @param {string} preset */
function emptyDataset(preset) {
  return /** @type {import('./lib/dataset.mjs').Dataset} */ ({
    dir: '',
    preset,
    files: [],
    totalBytes: 0,
    config: {},
    studies: new Map(),
    series: new Map(),
    patients: new Map(),
    bySop: new Map(),
  });
}

const fmtMs = (/** @type {number | null} */ ms) => (ms === null ? '—' : `${ms.toFixed(0)} ms`);

main().catch((e) => {
  process.stderr.write(`bench failed: ${e?.stack ?? e}\n`);
  process.exit(1);
});
