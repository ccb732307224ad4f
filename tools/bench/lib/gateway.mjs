// The gateway scenario (issue 15): a community centre's CT study sent by dcmtk's `storescu` into the gateway
// (apps/gateway, a real process), which forwards it to the hub over an emulated community link:
//
//   storescu ─LAN─▶ gateway ══ veth, tc tbf 10 Mbit/s both ways ══▶ link proxy (+25 ms each way, cuts) ─▶ hub (Zhiyin)
//   └──── network namespace of this machine ────┘                    └──────────── the machine's own namespace ─────┘
//
// The kernel here has no netem, so the round trip and the cuts come from the user-space link proxy
// (tools/link-proxy, the one the gateway's tests use); the rate is the kernel's token bucket on the veth pair.
// Measured: storescu's start → the last instance acknowledged by the hub (the gateway's journal marks it sent when
// the hub's answer came), against the raw bytes' line-rate time (bytes × 8 / 10⁷ s).
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LinkProxy } from '../../link-proxy/link-proxy.mjs';

/** The emulated link: 10 Mbit/s each way, 50 ms round trip, a cut of a connection every CUT_EVERY bytes it carries. */
export const LINK = { mbit: 10, rttMs: 50, cutEveryBytes: 16 * 1024 * 1024 };
const GATEWAY_AE = 'ZHIYIN_GW';
const MODALITY_AE = 'BENCH_CT';

/**
 * Why the scenario cannot run here (not root, no iproute2), or undefined.
 * @returns {string | undefined}
 */
export function gatewaySkipReason() {
  if (process.getuid?.() !== 0) return 'gateway: needs root for the network namespace and tc (run the bench as root)';
  for (const tool of ['ip', 'tc', 'storescu', 'dcmodify'])
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `gateway: \`${tool}\` is not installed`;
  const probe = spawnSync('ip', ['netns', 'list']);
  if (probe.status !== 0) return `gateway: \`ip netns\` does not work here (${String(probe.stderr).trim()})`;
  return undefined;
}

/** @param {string} cmd @param {string[]} args */
const run = (cmd, args) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/**
 * A network namespace joined to this one by a veth pair shaped to the link's rate in both directions. `remove` undoes
 * all of it (deleting the namespace deletes the pair and its qdiscs); it is also run at the bench's exit.
 * @param {string} name
 */
function emulatedLink(name) {
  const hubSide = `${name}h`;
  const centreSide = `${name}c`;
  const ns = `zhiyin-${name}`;
  const remove = () => {
    spawnSync('ip', ['netns', 'del', ns]);
    spawnSync('ip', ['link', 'del', hubSide]);
  };
  remove(); // left over from a killed run with the same name
  process.once('exit', remove);
  try {
    run('ip', ['netns', 'add', ns]);
    run('ip', ['link', 'add', hubSide, 'type', 'veth', 'peer', 'name', centreSide]);
    run('ip', ['link', 'set', centreSide, 'netns', ns]);
    run('ip', ['addr', 'add', '10.213.0.1/30', 'dev', hubSide]);
    run('ip', ['link', 'set', hubSide, 'up']);
    const inNs = (/** @type {string[]} */ args) => run('ip', ['netns', 'exec', ns, ...args]);
    inNs(['ip', 'addr', 'add', '10.213.0.2/30', 'dev', centreSide]);
    inNs(['ip', 'link', 'set', centreSide, 'up']);
    inNs(['ip', 'link', 'set', 'lo', 'up']);
    // token bucket: the rate, a bucket of a few full-size packets, at most 200 ms of queue (then drops, as a
    // saturated DSL line does)
    const tbf = ['root', 'tbf', 'rate', `${LINK.mbit}mbit`, 'burst', '32kb', 'latency', '200ms'];
    run('tc', ['qdisc', 'add', 'dev', hubSide, ...tbf]);
    inNs(['tc', 'qdisc', 'add', 'dev', centreSide, ...tbf]);
  } catch (e) {
    remove();
    throw e;
  }
  return { ns, hubAddress: '10.213.0.1', centreAddress: '10.213.0.2', remove };
}

/** A Part-10 file's SOP Instance UID and the SHA-256 of its data set (what follows its File Meta Information). @param {Buffer} file */
function identityOf(file) {
  const end = 144 + file.readUInt32LE(140);
  let p = 144;
  let sop = '';
  while (p < end) {
    const el = file.readUInt16LE(p + 2);
    const vr = file.toString('latin1', p + 4, p + 6);
    const long = ['OB', 'OW', 'UN', 'SQ', 'UT'].includes(vr);
    const len = long ? file.readUInt32LE(p + 8) : file.readUInt16LE(p + 6);
    const start = p + (long ? 12 : 8);
    if (el === 3) sop = file.toString('latin1', start, start + len).replace(/[\0 ]+$/, '');
    p = start + len;
  }
  return { sop, sha256: createHash('sha256').update(file.subarray(end)).digest('hex') };
}

/** The bodies of a multipart/related answer. @param {Buffer} body @param {string} type */
function multipartBodies(body, type) {
  const boundary = /** @type {RegExpExecArray} */ (/boundary="?([^";]+)"?/.exec(type))[1];
  const delim = Buffer.from(`--${boundary}`);
  const out = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd);
    out.push(body.subarray(headEnd + 4, next));
    pos = next + 2;
  }
  return out;
}

/** @param {string} url @param {RequestInit} [init] */
async function json(url, init) {
  const res = await fetch(url, init);
  const text = await res.text();
  if (!res.ok)
    throw new Error(`${init?.method ?? 'GET'} ${new URL(url).pathname}: ${res.status} ${text.slice(0, 200)}`);
  return JSON.parse(text);
}

/** The gateway's journals (state files of its queue), read from its data folder. @param {string} dataDir */
function journals(dataDir) {
  const dir = join(dataDir, 'items');
  if (!existsSync(dir)) return [];
  /** @type {{ state: string, size: number, sendSize?: number, encoding?: string, attempts: number, updatedAt: string }[]} */
  const out = [];
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.json')))
    try {
      out.push(JSON.parse(readFileSync(join(dir, f), 'utf8')));
    } catch {
      /* being replaced */
    }
  return out;
}

/**
 * One or more repetitions of the CT over the emulated link, each a fresh gateway (empty queue) and new UIDs.
 * @param {import('./servers.mjs').ZhiyinServer} z
 * @param {{ reps: number, ctDir: string, repoRoot: string, log: (s: string) => void,
 *   failures: import('./scenarios.mjs').Failure[], concurrency?: number }} o
 */
export async function gatewayRun(z, { reps, ctDir, repoRoot, log, failures, concurrency }) {
  const gatewayJs = join(repoRoot, 'apps', 'gateway', 'dist', 'main.js');
  if (!existsSync(gatewayJs)) throw new Error('the gateway is not built (npx turbo run build)');
  const admin = await z.token('admin');
  const doctor = await z.token('doc.hyjq');
  const auth = (/** @type {string} */ t) => ({ authorization: `Bearer ${t}`, 'content-type': 'application/json' });
  const facilities = await json(`${z.origin}/api/facilities`, { headers: auth(admin) });
  const centre = facilities.facilities.find((/** @type {{ code: string }} */ f) => f.code === 'HYJQ');
  const account = await json(`${z.origin}/api/service-accounts`, {
    method: 'POST',
    headers: auth(admin),
    body: JSON.stringify({ facilityId: centre.id, name: 'bench gateway' }),
  });
  const sources = readdirSync(ctDir)
    .filter((f) => f.endsWith('.dcm'))
    .sort()
    .map((f) => join(ctDir, f));
  const results = [];
  for (let rep = 1; rep <= reps; rep++) {
    const work = mkdtempSync(join(os.tmpdir(), 'zhiyin-bench-gw-'));
    const link = emulatedLink(`gw${process.pid % 100000}`);
    const proxy = new LinkProxy(() => Number(new URL(z.origin).port), {
      delayMs: LINK.rttMs / 2,
      host: link.hubAddress,
    });
    /** @type {import('node:child_process').ChildProcess | undefined} */
    let gateway;
    try {
      // one new study for every repetition: its Study and Series Instance UIDs, a new SOP Instance UID per file
      // (dcmodify updates the File Meta Information too)
      const files = sources.map((src, i) => {
        const out = join(work, `${String(i + 1).padStart(3, '0')}.dcm`);
        copyFileSync(src, out);
        return out;
      });
      const root = `1.2.826.0.1.3680043.10.1432.${process.pid}.${Date.now()}`;
      run('dcmodify', ['-nb', '-gin', '-m', `(0020,000D)=${root}.1`, '-m', `(0020,000E)=${root}.2`, ...files]);
      const originals = new Map(files.map((f) => [identityOf(readFileSync(f)).sop, identityOf(readFileSync(f))]));
      const rawBytes = files.reduce((n, f) => n + readFileSync(f).length, 0);
      await proxy.start();
      proxy.cutAfter(LINK.cutEveryBytes, 1_000_000);
      const dataDir = join(work, 'gateway');
      const env = {
        PATH: process.env.PATH,
        GATEWAY_HUB_URL: `http://${link.hubAddress}:${proxy.port}`,
        GATEWAY_CREDENTIAL: account.credential,
        GATEWAY_DATA_DIR: dataDir,
        GATEWAY_DICOM_HOST: '127.0.0.1',
        GATEWAY_DICOM_PORT: '11112',
        GATEWAY_AE_TITLE: GATEWAY_AE,
        GATEWAY_HTTP_HOST: '127.0.0.1',
        GATEWAY_HTTP_PORT: '8042',
        GATEWAY_RETRY_BASE_MS: '500',
        GATEWAY_RETRY_MAX_MS: '5000',
        ...(concurrency ? { GATEWAY_CONCURRENCY: String(concurrency) } : {}),
      };
      const started = spawn('ip', ['netns', 'exec', link.ns, process.execPath, gatewayJs], {
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      gateway = started;
      // not left running when the bench itself is stopped (its namespace goes at exit too)
      const killAtExit = () => started.kill('SIGKILL');
      process.once('exit', killAtExit);
      started.once('exit', () => process.off('exit', killAtExit));
      let output = '';
      await new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`the gateway did not start:\n${output}`)), 60_000);
        const seen = (/** @type {Buffer} */ d) => {
          output += d.toString();
          if (/Zhiyin gateway is running/.test(output)) {
            clearTimeout(timer);
            resolve(undefined);
          }
        };
        started.stdout?.on('data', seen);
        started.stderr?.on('data', seen);
        started.once('exit', (code) => reject(new Error(`the gateway exited (${code}):\n${output}`)));
      });
      const upBefore = proxy.bytesUp;
      const downBefore = proxy.bytesDown;
      const cutsBefore = proxy.cuts;
      log(
        `gateway rep ${rep}/${reps}: storescu of ${files.length} CT slices (${(rawBytes / 1e6).toFixed(1)} MB) → gateway`,
      );
      const t0 = Date.now();
      const store = spawnSync(
        'ip',
        ['netns', 'exec', link.ns, 'storescu', '-aet', MODALITY_AE, '-aec', GATEWAY_AE, '127.0.0.1', '11112', ...files],
        { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
      );
      const storescuS = (Date.now() - t0) / 1000;
      if (store.status !== 0) throw new Error(`storescu failed: ${(store.stderr || store.stdout).slice(-500)}`);
      // the last instance acknowledged by the hub: the gateway's journal marks an item sent once the hub answered
      const deadline = Date.now() + 30 * 60_000;
      let items = journals(dataDir);
      for (;;) {
        items = journals(dataDir);
        const failed = items.filter((i) => i.state === 'failed');
        if (failed.length) throw new Error(`${failed.length} item(s) failed at the gateway`);
        if (items.length === files.length && items.every((i) => i.state === 'sent')) break;
        if (Date.now() > deadline) throw new Error('not every instance reached the hub within 30 minutes');
        await sleep(500);
      }
      const lastAck = Math.max(...items.map((i) => Date.parse(i.updatedAt)));
      const seconds = (lastAck - t0) / 1000;
      const lineRateS = (rawBytes * 8) / (LINK.mbit * 1e6);
      const payloadBytes = items.reduce((n, i) => n + (i.sendSize ?? i.size), 0);
      const queuedBytes = items.reduce((n, i) => n + i.size, 0);
      const wireUp = proxy.bytesUp - upBefore;
      const v = {
        instances: files.length,
        rawBytes,
        queuedBytes,
        payloadBytes,
        wireUpBytes: wireUp,
        wireDownBytes: proxy.bytesDown - downBefore,
        wireRatio: wireUp / rawBytes,
        deflated: items.filter((i) => i.encoding === 'deflate').length,
        retries: items.reduce((n, i) => n + i.attempts, 0),
        cuts: proxy.cuts - cutsBefore,
        storescuSeconds: storescuS,
        seconds,
        lineRateSeconds: lineRateS,
        ratio: seconds / lineRateS,
        effectiveMbit: (rawBytes * 8) / seconds / 1e6,
        arrivedOnce: false,
        identical: false,
      };
      // every instance at the hub once, its data set byte-identical to the file storescu sent (WADO-RS of the study)
      const study = run('dcmdump', ['-q', '+P', '0020,000D', files[0] ?? '']).match(/\[([\d.]+)\]/)?.[1];
      const qido = await json(`${z.origin}/dicomweb/studies/${study}/instances?limit=1000`, { headers: auth(doctor) });
      const sops = qido.map((/** @type {any} */ i) => i['00080018'].Value[0]);
      v.arrivedOnce = sops.length === files.length && new Set(sops).size === files.length;
      const wado = await fetch(`${z.origin}/dicomweb/studies/${study}`, {
        headers: { authorization: `Bearer ${doctor}`, accept: 'multipart/related; type="application/dicom"' },
      });
      const parts = multipartBodies(Buffer.from(await wado.arrayBuffer()), wado.headers.get('content-type') ?? '');
      const got = parts.map(identityOf);
      v.identical = got.length === files.length && got.every((g) => originals.get(g.sop)?.sha256 === g.sha256);
      if (!v.arrivedOnce)
        failures.push({
          server: 'zhiyin',
          scenario: 'gateway',
          what: 'arrived once',
          detail: `${sops.length} of ${files.length} instances, ${new Set(sops).size} distinct`,
        });
      if (!v.identical)
        failures.push({
          server: 'zhiyin',
          scenario: 'gateway',
          what: 'byte-identical',
          detail: `${got.length} parts, ${got.filter((g) => originals.get(g.sop)?.sha256 !== g.sha256).length} differ`,
        });
      log(
        `  ${seconds.toFixed(1)} s to the last acknowledgement (line rate ${lineRateS.toFixed(1)} s: ${v.ratio.toFixed(2)}x), ` +
          `on the wire ${(wireUp / 1e6).toFixed(1)} MB of ${(rawBytes / 1e6).toFixed(1)} MB raw (${(100 * v.wireRatio).toFixed(0)}%), ` +
          `${v.cuts} cut(s), once: ${v.arrivedOnce}, identical: ${v.identical}`,
      );
      results.push(v);
    } finally {
      if (gateway && gateway.exitCode === null) {
        gateway.kill('SIGTERM');
        await Promise.race([new Promise((r) => gateway?.once('exit', r)), sleep(10_000)]);
        if (gateway.exitCode === null) gateway.kill('SIGKILL');
      }
      await proxy.close();
      link.remove();
      rmSync(work, { recursive: true, force: true });
    }
  }
  const median = (/** @type {number[]} */ xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
  return {
    link: LINK,
    reps: results,
    seconds: median(results.map((r) => r.seconds)),
    lineRateSeconds: median(results.map((r) => r.lineRateSeconds)),
    ratio: median(results.map((r) => r.ratio)),
    wireRatio: median(results.map((r) => r.wireRatio)),
    effectiveMbit: median(results.map((r) => r.effectiveMbit)),
    storescuSeconds: median(results.map((r) => r.storescuSeconds)),
    cuts: median(results.map((r) => r.cuts)),
    rawMB: median(results.map((r) => r.rawBytes / 1e6)),
    wireMB: median(results.map((r) => r.wireUpBytes / 1e6)),
  };
}
