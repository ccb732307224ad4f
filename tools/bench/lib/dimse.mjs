// The DICOM network scenario: Debian's dcmtk `storescu` sends the data set to a server's DICOM (DIMSE) port, in one
// association with every file or in one association per study, and the result is checked in the same pass: every
// instance found again by QIDO-RS, and a sample retrieved by WADO-RS with its data set byte-identical to the file's.
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { contentTypeParam, json, parseMultipart, pool, request } from './http.mjs';

const MB = 1e6;
/** The calling AE title of the bench's storescu, registered to a centre at Zhiyin (Orthanc accepts any). */
export const BENCH_AE = 'BENCH_SCU';

/**
 * @typedef {import('./scenarios.mjs').Failure} Failure
 * @typedef {'association' | 'study'} StorescuMode  one association with every file, or one per study (in sequence)
 */

/**
 * Registers the bench's calling AE title at a freshly reset Zhiyin as a modality of the writing user's centre, the
 * way an administrator does (POST /api/dicom/aes): an unknown calling AE is rejected at association.
 * @param {import('./servers.mjs').ZhiyinServer} zhiyin
 * @param {string} writer  the user whose centre the AE stores into
 */
export async function registerBenchAe(zhiyin, writer) {
  const facilityId = zhiyin.psql(`SELECT facility_id FROM app_user WHERE username = '${writer}'`).trim();
  if (!/^[0-9a-f-]{36}$/.test(facilityId)) throw new Error(`no centre found for ${writer}`);
  const token = await zhiyin.token('admin');
  const r = await request(`${zhiyin.origin}/api/dicom/aes`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: Buffer.from(JSON.stringify({ aeTitle: BENCH_AE, facilityId, kind: 'modality', modality: 'OT' })),
    timeoutMs: 30_000,
  });
  if (r.status !== 201) throw new Error(`registering ${BENCH_AE}: status ${r.status} ${r.body.toString('utf8')}`);
}

/**
 * Runs dcmtk's storescu once and counts the C-STORE responses it reports.
 * @param {{ port: number, aeTitle: string }} dicom @param {string[]} files
 * @returns {Promise<{ code: number | null, success: number, failed: number, problems: string[], ms: number }>}
 */
function storescu(dicom, files) {
  return new Promise((resolve, reject) => {
    const args = ['-v', '-aet', BENCH_AE, '-aec', dicom.aeTitle, '127.0.0.1', String(dicom.port), ...files];
    const t0 = performance.now();
    const proc = spawn('storescu', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let success = 0;
    let failed = 0;
    /** @type {string[]} */
    const problems = [];
    let tail = '';
    const take = (/** @type {Buffer} */ chunk) => {
      const text = tail + chunk.toString('latin1');
      const lines = text.split('\n');
      tail = lines.pop() ?? '';
      for (const line of lines) {
        const m = /Received Store Response \(([^)]*)\)/.exec(line);
        if (m) {
          if (m[1] === 'Success') success += 1;
          else {
            failed += 1;
            if (problems.length < 5) problems.push(line.trim());
          }
        } else if (/^[EF]: /.test(line) && problems.length < 5) problems.push(line.trim());
      }
    };
    proc.stdout.on('data', take);
    proc.stderr.on('data', take);
    proc.once('error', reject);
    proc.once('close', (code) => {
      take(Buffer.from('\n'));
      resolve({ code, success, failed, problems, ms: performance.now() - t0 });
    });
  });
}

/** The data set of a Part-10 file: what follows its File Meta Information (group 0002). @param {Buffer} file */
export function datasetOf(file) {
  if (file.length < 144 || file.toString('latin1', 128, 132) !== 'DICM') throw new Error('not a Part-10 file');
  if (file.readUInt16LE(132) !== 0x0002 || file.readUInt16LE(134) !== 0x0000)
    throw new Error('File Meta Information has no group length');
  return file.subarray(144 + file.readUInt32LE(140));
}

const sha = (/** @type {Buffer} */ b) => createHash('sha256').update(b).digest('hex');

/**
 * One storescu pass of the whole data set into an empty server, then the checks.
 * @param {import('./servers.mjs').Server} server
 * @param {import('./dataset.mjs').Dataset} ds
 * @param {{ mode: StorescuMode, failures: Failure[], sample: number }} o  `sample`: instances retrieved by WADO-RS
 */
export async function storescuPass(server, ds, { mode, failures, sample }) {
  const dicom = server.dicom;
  if (!dicom) throw new Error(`${server.label} has no DICOM port`);
  const scenario = `storescu ${mode}`;
  const batches =
    mode === 'association'
      ? [ds.files.map((f) => /** @type {string} */ (f.abs))]
      : [...ds.studies.values()].map((st) => st.files.map((f) => /** @type {string} */ (f.abs)));
  const cpu = server.cpu();
  let success = 0;
  let failed = 0;
  /** @type {number[]} */
  const associationMs = [];
  cpu.begin();
  const t0 = performance.now();
  for (const files of batches) {
    const r = await storescu(dicom, files);
    associationMs.push(r.ms);
    success += r.success;
    failed += r.failed;
    if (r.code !== 0 || r.failed || r.success !== files.length)
      failures.push({
        server: server.name,
        scenario,
        what: `storescu of ${files.length} file(s)`,
        detail: `exit ${r.code}, ${r.success} success, ${r.failed} failed: ${r.problems.join(' | ').slice(0, 400)}`,
      });
  }
  const seconds = (performance.now() - t0) / 1000;
  const used = cpu.end();
  const check = await checkStored(server, ds, { failures, scenario, sample });
  return {
    mode,
    associations: batches.length,
    seconds,
    instances: ds.files.length,
    bytes: ds.totalBytes,
    mbPerSec: ds.totalBytes / MB / seconds,
    instancesPerSec: ds.files.length / seconds,
    associationP50ms: associationMs.sort((a, b) => a - b)[Math.floor((associationMs.length - 1) / 2)],
    cpuSeconds: used.server,
    dbCpuSeconds: used.database,
    success,
    failed,
    ...check,
  };
}

/**
 * Every instance of the data set found again by QIDO-RS (the instances of each study, by SOP Instance UID), and a
 * sample retrieved by WADO-RS whose data set (after the File Meta Information, which each server writes itself) is
 * byte-identical to the file that was sent.
 * @param {import('./servers.mjs').Server} server @param {import('./dataset.mjs').Dataset} ds
 * @param {{ failures: Failure[], scenario: string, sample: number }} o
 */
async function checkStored(server, ds, { failures, scenario, sample }) {
  const headers = await server.auth('read');
  const studies = [...ds.studies.values()];
  let found = 0;
  await pool(
    studies.length,
    4,
    async (i) => {
      const st = studies[i];
      const r = await request(`${server.base}/studies/${st.uid}/instances`, {
        headers: { ...headers, Accept: 'application/dicom+json' },
        agent: server.agent,
        timeoutMs: 60_000,
      });
      const got = new Set(
        r.status === 200
          ? json(r).map((/** @type {any} */ o) => /** @type {string} */ (o?.['00080018']?.Value?.[0]))
          : [],
      );
      const missing = st.files.filter((f) => !got.has(f.sop));
      found += st.files.length - missing.length;
      if (missing.length || got.size !== st.files.length)
        failures.push({
          server: server.name,
          scenario,
          what: `QIDO-RS /studies/${st.uid}/instances`,
          detail: `status ${r.status}: ${got.size} instance(s), ${missing.length} of ${st.files.length} sent missing`,
        });
    },
    Number.POSITIVE_INFINITY,
  );
  // the sample: evenly spread over the data set, so every modality is in it
  const step = Math.max(1, Math.floor(ds.files.length / sample));
  const picked = ds.files.filter((_, i) => i % step === 0).slice(0, sample);
  let identical = 0;
  for (const f of picked) {
    const r = await request(`${server.base}/studies/${f.study}/series/${f.series}/instances/${f.sop}`, {
      headers: { ...headers, Accept: 'multipart/related; type="application/dicom"' },
      agent: server.agent,
      timeoutMs: 60_000,
    });
    let problem = r.status === 200 ? undefined : `status ${r.status}`;
    if (!problem) {
      try {
        const boundary = contentTypeParam(String(r.headers['content-type'] ?? ''), 'boundary');
        if (!boundary) throw new Error('no multipart boundary');
        const parts = parseMultipart(r.body, boundary);
        if (parts.length !== 1) throw new Error(`${parts.length} parts`);
        const want = sha(datasetOf(readFileSync(/** @type {string} */ (f.abs))));
        if (sha(datasetOf(parts[0].body)) !== want) throw new Error('data set differs from the file sent');
        identical += 1;
      } catch (e) {
        problem = /** @type {Error} */ (e).message;
      }
    }
    if (problem) failures.push({ server: server.name, scenario, what: `WADO-RS instance ${f.path}`, detail: problem });
  }
  return { found, sampled: picked.length, identical };
}
