// The measured scenarios. Each runs the same client code against one server and checks every answer.
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  closing,
  contentTypeParam,
  json,
  multipartBody,
  newBoundary,
  parseMultipart,
  partHead,
  pool,
  request,
  stowContentType,
} from './http.mjs';
import { memoryOf } from './servers.mjs';
import { percentile } from './stats.mjs';

const MB = 1e6;
const DICOM_MULTIPART = 'multipart/related; type="application/dicom"';

/**
 * Problems found in answers: collected, printed loudly and written to the results.
 * @typedef {{ server: string, scenario: string, what: string, detail: string }} Failure
 */

/** First value of a DICOM JSON attribute. @param {any} obj @param {string} tag */
export function dicomValue(obj, tag) {
  return obj?.[tag]?.Value?.[0];
}

/**
 * Checks a STOW-RS answer: 200, every sent SOP Instance UID referenced, no failed SOP.
 * @param {import('./http.mjs').Reply} r
 * @param {string[]} sops
 * @returns {string | undefined} the problem, if any
 */
function stowProblem(r, sops) {
  if (r.status !== 200) return `status ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`;
  let body;
  try {
    body = json(r);
  } catch (e) {
    return /** @type {Error} */ (e).message;
  }
  const failed = body?.['00081198']?.Value ?? [];
  if (failed.length)
    return `FailedSOPSequence has ${failed.length} item(s): ${JSON.stringify(failed[0]).slice(0, 300)}`;
  const refs = new Set((body?.['00081199']?.Value ?? []).map((/** @type {any} */ it) => dicomValue(it, '00081155')));
  const missing = sops.filter((s) => !refs.has(s));
  if (missing.length) return `ReferencedSOPSequence misses ${missing.length} of ${sops.length} instance(s)`;
  return undefined;
}

/**
 * One ingest pass of the whole data set (the server must be empty), `batch` instances per request.
 * @param {import('./servers.mjs').Server} server
 * @param {import('./dataset.mjs').Dataset} ds
 * @param {{ concurrency: number, batch: number, failures: Failure[], deadlineMs: number }} o
 */
export async function stowPass(server, ds, { concurrency, batch, failures, deadlineMs }) {
  /** @type {import('./dataset.mjs').ManifestFile[][]} */
  const groups = [];
  for (let i = 0; i < ds.files.length; i += batch) groups.push(ds.files.slice(i, i + batch));
  const headers = await server.auth('write');
  const cpu = server.cpu();
  let errors = 0;
  /** @type {number[]} */
  const latencies = [];
  cpu.begin();
  const t0 = performance.now();
  await pool(
    groups.length,
    concurrency,
    async (i) => {
      const files = await Promise.all(groups[i].map((f) => readFile(/** @type {string} */ (f.abs))));
      const boundary = newBoundary();
      const r = await request(`${server.base}/studies`, {
        method: 'POST',
        headers: { ...headers, 'Content-Type': stowContentType(boundary), Accept: 'application/dicom+json' },
        body: multipartBody(files, boundary),
        agent: server.agent,
        timeoutMs: 300_000,
      });
      latencies.push(r.ms);
      const problem = server.reference
        ? bareProblem(r, groups[i])
        : stowProblem(
            r,
            groups[i].map((f) => f.sop),
          );
      if (problem) {
        errors += 1;
        if (errors <= 5)
          failures.push({
            server: server.name,
            scenario: `stow c=${concurrency}`,
            what: groups[i][0].path,
            detail: problem,
          });
      }
    },
    deadlineMs,
  );
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu.end();
  // the server must now hold the whole data set (the reference keeps no index to ask)
  if (server.reference) return stowFigures(seconds, used, latencies, errors, ds);
  const read = await server.auth('read');
  const all = await request(`${server.base}/studies`, {
    headers: { ...read, Accept: 'application/dicom+json' },
    agent: server.agent,
  });
  const held = all.status === 200 ? json(all).length : -1;
  if (held !== ds.studies.size) {
    failures.push({
      server: server.name,
      scenario: `stow c=${concurrency}`,
      what: 'GET /studies after ingest',
      detail: `expected ${ds.studies.size} studies, got ${held} (status ${all.status})`,
    });
  }
  return stowFigures(seconds, used, latencies, errors, ds);
}

/**
 * @param {number} seconds @param {{ server: number, database?: number }} used @param {number[]} latencies
 * @param {number} errors @param {import('./dataset.mjs').Dataset} ds
 */
function stowFigures(seconds, used, latencies, errors, ds) {
  return {
    seconds,
    instances: ds.files.length,
    bytes: ds.totalBytes,
    instancesPerSec: ds.files.length / seconds,
    mbPerSec: ds.totalBytes / MB / seconds,
    requestP50ms: percentile(latencies, 50),
    requestP99ms: percentile(latencies, 99),
    cpuSeconds: used.server,
    dbCpuSeconds: used.database,
    errors,
  };
}

/**
 * Checks an answer of the bare write path: 200 and every part of the request stored, byte for byte in number.
 * @param {import('./http.mjs').Reply} r
 * @param {{ size: number }[]} files
 */
function bareProblem(r, files) {
  if (r.status !== 200) return `status ${r.status}: ${r.body.toString('utf8').slice(0, 300)}`;
  const body = json(r);
  const bytes = files.reduce((n, f) => n + f.size, 0);
  if (body.parts !== files.length || body.bytes !== bytes)
    return `stored ${body.parts} part(s) / ${body.bytes} bytes of ${files.length} / ${bytes}`;
  return undefined;
}

/**
 * UIDs in a QIDO-RS answer at the given level.
 * @param {any[]} arr
 * @param {'study' | 'series' | 'instance'} level
 */
function uidsOf(arr, level) {
  const tag = level === 'study' ? '0020000D' : level === 'series' ? '0020000E' : '00080018';
  return arr.map((o) => dicomValue(o, tag));
}

/**
 * Compares a QIDO-RS answer with the manifest. @returns {string | undefined}
 * @param {import('./http.mjs').Reply} r
 * @param {import('./dataset.mjs').Query} q
 */
export function qidoProblem(r, q) {
  if (r.status !== 200 && r.status !== 204) return `status ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`;
  /** @type {any[]} */
  let arr = [];
  if (r.status === 200 && r.body.length) {
    try {
      arr = json(r);
    } catch (e) {
      return /** @type {Error} */ (e).message;
    }
  }
  if (!Array.isArray(arr)) return 'answer is not a JSON array';
  const uids = uidsOf(arr, q.level);
  if (q.expect) {
    const got = new Set(uids);
    const missing = [...q.expect].filter((u) => !got.has(u)).length;
    const extra = [...got].filter((u) => !q.expect?.has(u)).length;
    if (missing || extra || uids.length !== q.expect.size) {
      return `expected ${q.expect.size} result(s), got ${uids.length} (${missing} missing, ${extra} unexpected)`;
    }
  }
  if (q.expectPage) {
    const outside = uids.filter((u) => !q.expectPage?.within.has(u)).length;
    if (uids.length !== q.expectPage.count || outside) {
      return `expected ${q.expectPage.count} result(s), got ${uids.length} (${outside} unknown)`;
    }
  }
  if (q.mustInclude) {
    const without = arr.filter((o) => !(q.mustInclude && q.mustInclude in o)).length;
    if (without) return `${without} result(s) without ${q.mustInclude} (includefield)`;
  }
  return undefined;
}

/**
 * QIDO-RS latency: `rounds` sequential passes over the query set (after one unmeasured warm-up round).
 * @param {import('./servers.mjs').Server} server
 * @param {import('./dataset.mjs').Query[]} queries
 * @param {{ rounds: number, failures: Failure[], deadlineMs: number }} o
 */
export async function qidoRun(server, queries, { rounds, failures, deadlineMs }) {
  const headers = { ...(await server.auth('read')), Accept: 'application/dicom+json' };
  /** @type {Map<string, number[]>} */
  const samples = new Map(queries.map((q) => [q.id, []]));
  /** @type {Map<string, { ok: number, wrong: number, lastCount: number, problem?: string }>} */
  const answers = new Map(queries.map((q) => [q.id, { ok: 0, wrong: 0, lastCount: 0 }]));
  const cpu = server.cpu();
  cpu.begin();
  const t0 = performance.now();
  for (let round = 0; round <= rounds; round++) {
    for (const q of queries) {
      if (performance.now() > deadlineMs) throw new Error('QIDO-RS deadline exceeded');
      const r = await request(`${server.base}${q.path}`, { headers, agent: server.agent, timeoutMs: 60_000 });
      if (round > 0) samples.get(q.id)?.push(r.ms);
      const a = /** @type {{ ok: number, wrong: number, lastCount: number, problem?: string }} */ (answers.get(q.id));
      let count = -1;
      try {
        count = r.status === 200 ? json(r).length : 0;
      } catch {
        // reported by qidoProblem
      }
      a.lastCount = count;
      const problem = qidoProblem(r, q);
      if (problem) {
        a.wrong += 1;
        a.problem = problem;
      } else a.ok += 1;
    }
  }
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu.end();
  for (const q of queries) {
    const a = answers.get(q.id);
    // Orthanc cannot match non-ASCII values (documented): its Chinese answers are recorded, not failures.
    if (a?.problem && !(q.chinese && server.name === 'orthanc')) {
      failures.push({
        server: server.name,
        scenario: 'qido',
        what: `${q.id}: ${q.label} — GET ${q.path}`,
        detail: a.problem,
      });
    }
  }
  const ascii = queries.filter((q) => !q.chinese).flatMap((q) => samples.get(q.id) ?? []);
  const chinese = queries.filter((q) => q.chinese).flatMap((q) => samples.get(q.id) ?? []);
  return {
    rounds,
    requests: (rounds + 1) * queries.length,
    p50ms: percentile(ascii, 50),
    p99ms: percentile(ascii, 99),
    chineseP50ms: percentile(chinese, 50),
    chineseP99ms: percentile(chinese, 99),
    cpuSeconds: used.server,
    dbCpuSeconds: used.database,
    seconds,
    perQuery: Object.fromEntries(
      queries.map((q) => {
        const s = samples.get(q.id) ?? [];
        const a = answers.get(q.id);
        return [
          q.id,
          {
            p50ms: percentile(s, 50),
            p99ms: percentile(s, 99),
            count: a?.lastCount,
            wrong: a?.wrong ?? 0,
            problem: a?.problem,
          },
        ];
      }),
    ),
  };
}

/**
 * Checks the parts of a WADO-RS answer against the manifest by SHA-256. @returns {string | undefined}
 * @param {import('./http.mjs').Reply} r
 * @param {import('./dataset.mjs').ManifestFile[]} expected
 */
function wadoProblem(r, expected) {
  if (r.status !== 200) return `status ${r.status}: ${r.body.toString('utf8').slice(0, 200)}`;
  const ct = String(r.headers['content-type'] ?? '');
  const boundary = contentTypeParam(ct, 'boundary');
  if (!/^multipart\/related/i.test(ct) || !boundary) return `not multipart/related with a boundary: "${ct}"`;
  let parts;
  try {
    parts = parseMultipart(r.body, boundary);
  } catch (e) {
    return /** @type {Error} */ (e).message;
  }
  const want = new Map(expected.map((f) => [f.sha256, f]));
  const seen = new Set();
  let wrong = 0;
  for (const p of parts) {
    const h = createHash('sha256').update(p.body).digest('hex');
    if (!want.has(h) || seen.has(h)) wrong += 1;
    seen.add(h);
  }
  if (wrong || parts.length !== expected.length) {
    return `expected ${expected.length} part(s) byte-identical to the uploaded files, got ${parts.length} part(s), ${wrong} not matching any uploaded file by SHA-256`;
  }
  return undefined;
}

/**
 * WADO-RS retrieval of every study (or every instance) at the given concurrency. Answers are kept in memory and
 * checked after the clock stops, so that hashing is not part of the measurement.
 * @param {import('./servers.mjs').Server} server
 * @param {import('./dataset.mjs').Dataset} ds
 * @param {{ level: 'study' | 'instance', concurrency: number, failures: Failure[], deadlineMs: number }} o
 */
export async function wadoRun(server, ds, { level, concurrency, failures, deadlineMs }) {
  const headers = { ...(await server.auth('read')), Accept: DICOM_MULTIPART };
  const targets =
    level === 'study'
      ? [...ds.studies.values()].map((s) => ({ path: `/studies/${s.uid}`, files: s.files }))
      : ds.files.map((f) => ({ path: `/studies/${f.study}/series/${f.series}/instances/${f.sop}`, files: [f] }));
  const cpu = server.cpu();
  /** @type {number[]} */
  const latencies = [];
  let received = 0;
  cpu.begin();
  const t0 = performance.now();
  const replies = await pool(
    targets.length,
    concurrency,
    async (i) => {
      const r = await request(`${server.base}${targets[i].path}`, { headers, agent: server.agent, timeoutMs: 300_000 });
      latencies.push(r.ms);
      received += r.body.length;
      return r;
    },
    deadlineMs,
  );
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu.end();
  let wrong = 0;
  replies.forEach((r, i) => {
    const problem = wadoProblem(r, targets[i].files);
    if (problem) {
      wrong += 1;
      if (wrong <= 5)
        failures.push({
          server: server.name,
          scenario: `wado ${level}`,
          what: `GET ${targets[i].path}`,
          detail: problem,
        });
    }
  });
  if (wrong > 5)
    failures.push({
      server: server.name,
      scenario: `wado ${level}`,
      what: 'more',
      detail: `${wrong} wrong answers in all`,
    });
  return {
    requests: targets.length,
    seconds,
    payloadBytes: ds.totalBytes,
    responseBytes: received,
    mbPerSec: ds.totalBytes / MB / seconds,
    requestsPerSec: targets.length / seconds,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
    cpuSeconds: used.server,
    dbCpuSeconds: used.database,
    wrong,
  };
}

/**
 * WADO-RS study metadata for every study at the given concurrency: DICOM JSON, one object per instance.
 * @param {import('./servers.mjs').Server} server
 * @param {import('./dataset.mjs').Dataset} ds
 * @param {{ concurrency: number, failures: Failure[], deadlineMs: number }} o
 */
export async function metadataRun(server, ds, { concurrency, failures, deadlineMs }) {
  const headers = { ...(await server.auth('read')), Accept: 'application/dicom+json' };
  const studies = [...ds.studies.values()];
  /** @type {number[]} */
  const latencies = [];
  let wrong = 0;
  const cpu = server.cpu();
  cpu.begin();
  const t0 = performance.now();
  const replies = await pool(
    studies.length,
    concurrency,
    async (i) => {
      const r = await request(`${server.base}/studies/${studies[i].uid}/metadata`, {
        headers,
        agent: server.agent,
        timeoutMs: 120_000,
      });
      latencies.push(r.ms);
      return r;
    },
    deadlineMs,
  );
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu.end();
  replies.forEach((r, i) => {
    let problem;
    if (r.status !== 200) problem = `status ${r.status}`;
    else {
      try {
        const arr = json(r);
        const sops = new Set(arr.map((/** @type {any} */ o) => dicomValue(o, '00080018')));
        const want = studies[i].files.map((f) => f.sop);
        if (arr.length !== want.length || want.some((s) => !sops.has(s))) {
          problem = `expected metadata of ${want.length} instance(s), got ${arr.length}`;
        }
      } catch (e) {
        problem = /** @type {Error} */ (e).message;
      }
    }
    if (problem) {
      wrong += 1;
      if (wrong <= 5)
        failures.push({
          server: server.name,
          scenario: 'wado metadata',
          what: `GET /studies/${studies[i].uid}/metadata`,
          detail: problem,
        });
    }
  });
  return {
    requests: studies.length,
    seconds,
    requestsPerSec: studies.length / seconds,
    p50ms: percentile(latencies, 50),
    p99ms: percentile(latencies, 99),
    cpuSeconds: used.server,
    dbCpuSeconds: used.database,
    wrong,
  };
}

/**
 * Replaces every occurrence of `from` with `to` (same length) in the first `limit` bytes.
 * @param {Buffer} buf @param {Buffer} from @param {Buffer} to @param {number} limit
 */
function replaceHeaderBytes(buf, from, to, limit) {
  let pos = 0;
  let n = 0;
  for (;;) {
    const i = buf.indexOf(from, pos);
    if (i < 0 || i > limit) return n;
    to.copy(buf, i);
    pos = i + from.length;
    n += 1;
  }
}

/** A UID of exactly the same length as `uid`, unique per `n`, still valid (last component's tail replaced). */
function sameLengthUid(/** @type {string} */ uid, /** @type {number} */ n, /** @type {number} */ salt) {
  const tail = `${salt}${String(n).padStart(7, '0')}`;
  const lastDot = uid.lastIndexOf('.');
  const last = uid.slice(lastDot + 1);
  if (last.length <= tail.length + 1) throw new Error(`UID ${uid} too short to rewrite`);
  return `${uid.slice(0, lastDot + 1)}${last.slice(0, last.length - tail.length)}${tail}`;
}

/**
 * The parts of the big single STOW-RS request, each with a new SOP Instance UID (same length, so the files stay valid
 * byte for byte), until `targetBytes` are reached: the data set's largest files over and over (`large`: few big parts),
 * or its CT slices (`many`: thousands of ~0.5 MB parts, like a large CT study uploaded at once).
 * @param {import('./dataset.mjs').Dataset} ds
 * @param {number} targetBytes
 * @param {number} salt  keeps the UIDs of different runs apart
 * @param {'large' | 'many'} [kind]
 */
export function bigPlan(ds, targetBytes, salt, kind = 'large') {
  let sources = [...ds.files].sort((a, b) => b.size - a.size).slice(0, Math.max(8, Math.ceil(ds.files.length / 20)));
  if (kind === 'many') {
    const ct = ds.files.filter((f) => f.modality === 'CT');
    if (ct.length) sources = ct;
  }
  const plan = [];
  let total = 0;
  for (let n = 0; total < targetBytes; n++) {
    const src = sources[n % sources.length];
    plan.push({ src, sop: sameLengthUid(src.sop, n, salt + (kind === 'many' ? 1 : 0)) });
    total += src.size;
  }
  return { kind, plan, payloadBytes: total };
}

/**
 * Sends the big request, streaming the body from disk (never held whole in memory), while sampling the server's
 * memory every 50 ms. Checks the answer and fetches a few of the stored instances back by SHA-256.
 * @param {import('./servers.mjs').Server} server
 * @param {ReturnType<typeof bigPlan>} big
 * @param {{ failures: Failure[] }} o
 */
export async function bigStow(server, big, { failures }) {
  const boundary = newBoundary();
  const heads = big.plan.map((_, i) => partHead(boundary, i === 0));
  const tail = closing(boundary);
  const contentLength = heads.reduce((s, h) => s + h.length, 0) + big.payloadBytes + tail.length;
  /** @type {Map<number, string>} */
  const hashes = new Map();
  const checkAt = new Set([0, Math.floor(big.plan.length / 2), big.plan.length - 1]);
  async function* body() {
    for (let i = 0; i < big.plan.length; i++) {
      const { src, sop } = big.plan[i];
      const buf = await readFile(/** @type {string} */ (src.abs));
      const n = replaceHeaderBytes(buf, Buffer.from(src.sop), Buffer.from(sop), 64 * 1024);
      if (n < 1) throw new Error(`SOP Instance UID not found in ${src.path}`);
      if (checkAt.has(i)) hashes.set(i, createHash('sha256').update(buf).digest('hex'));
      yield heads[i];
      yield buf;
    }
    yield tail;
  }
  const headers = await server.auth('write');
  const pid = server.pid;
  const before = memoryOf(pid);
  let peakRss = before.rss;
  const sampler = setInterval(() => {
    const m = memoryOf(pid);
    if (m.rss > peakRss) peakRss = m.rss;
  }, 50);
  const cpu = server.cpu();
  cpu.begin();
  const t0 = performance.now();
  /** @type {import('./http.mjs').Reply | undefined} */
  let r;
  let error;
  try {
    r = await request(`${server.base}/studies`, {
      method: 'POST',
      headers: {
        ...headers,
        'Content-Type': stowContentType(boundary),
        'Content-Length': contentLength,
        Accept: 'application/dicom+json',
      },
      body: Readable.from(body(), { objectMode: false }),
      agent: server.agent,
      timeoutMs: 1_800_000,
    });
  } catch (e) {
    error = /** @type {Error} */ (e).message;
  } finally {
    clearInterval(sampler);
  }
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu.end();
  const after = memoryOf(pid);
  const problem =
    error ??
    (r
      ? stowProblem(
          r,
          big.plan.map((p) => p.sop),
        )
      : 'no answer');
  if (problem)
    failures.push({
      server: server.name,
      scenario: 'big stow',
      what: `POST /studies (${big.plan.length} parts)`,
      detail: problem,
    });
  // fetch a few stored instances back and compare bytes
  let verified = 0;
  if (!problem) {
    const read = { ...(await server.auth('read')), Accept: DICOM_MULTIPART };
    for (const i of checkAt) {
      const { src, sop } = big.plan[i];
      const g = await request(`${server.base}/studies/${src.study}/series/${src.series}/instances/${sop}`, {
        headers: read,
        agent: server.agent,
      });
      const p = wadoProblem(g, [{ ...src, sha256: /** @type {string} */ (hashes.get(i)) }]);
      if (p)
        failures.push({
          server: server.name,
          scenario: 'big stow',
          what: `GET instance ${i} of the big request`,
          detail: p,
        });
      else verified += 1;
    }
  }
  await sleep(200);
  return {
    kind: big.kind,
    parts: big.plan.length,
    requestBytes: contentLength,
    seconds,
    mbPerSec: contentLength / MB / seconds,
    status: r?.status,
    ok: !problem,
    rssBeforeMB: before.rss / MB,
    vmHwmBeforeMB: before.hwm / MB,
    peakRssSampledMB: peakRss / MB,
    vmHwmMB: after.hwm / MB,
    cpuSeconds: used.server,
    dbCpuSeconds: used.database,
    verifiedInstances: verified,
  };
}
