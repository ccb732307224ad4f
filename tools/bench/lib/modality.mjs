// The modality → offer scenario (Zhiyin alone; no peer routes referrals): a community centre's modality, registered
// as a DICOM AE of the centre, sends a study with dcmtk's `storescu` whose Accession Number is the number of the
// centre's referral waiting for it, and a specialist of the referral's service listens on socket.io. The time is
// measured from storescu's last byte to the offer on the specialist's socket.
//
// What makes the referral offered: the rules (packages/workflow, UP_TRANSITIONS) submit a referral only with at least
// one study attached (guard `no_studies`), and only a submit routes it; a study arriving by C-STORE is linked to
// the referral its Accession Number names (the C-STORE answer is sent after the link has committed), but does not
// submit it. So the measured path is: storescu's last byte (the C-STORE response received and the association
// released: the process has exited) → the community doctor submits the referral through the API at once → the router
// offers it to the on-duty, online reader → `offer.made` on that reader's socket.
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { BENCH_AE, registerBenchAe } from './dimse.mjs';
import { api, PASSWORD } from './routing.mjs';
import { percentile } from './stats.mjs';

/**
 * @typedef {import('./scenarios.mjs').Failure} Failure
 * @typedef {{ repetitions: number, failures: Failure[], log: (s: string) => void,
 *   ecg: import('./dataset.mjs').ManifestFile, ct: import('./dataset.mjs').ManifestFile[] }} ModalityOptions
 */

// the seeded community doctor whose centre the modality belongs to (the bench's STOW-RS user as well)
const DOCTOR = 'doc.hyjq';

/**
 * Copies of a study's files for one repetition: new Study/Series/SOP Instance UIDs (dcmodify also updates the File
 * Meta Information), the referral number as Accession Number, and the referral patient's record number as Patient
 * ID with name, birth date and sex left empty — a file's identity must agree with the referral's patient to join it
 * (packages/workflow/src/patient-match.ts), and the data set names its own synthetic patients.
 * @param {import('./dataset.mjs').ManifestFile[]} files @param {string} dir @param {number} n
 * @param {{ accession: string, patientId: string }} id
 */
function modalityCopies(files, dir, n, id) {
  const root = `1.2.826.0.1.3680043.10.1432.${process.pid}.${n}`;
  return files.map((f, i) => {
    const out = join(dir, `${n}-${i}.dcm`);
    copyFileSync(/** @type {string} */ (f.abs), out);
    const r = spawnSync(
      'dcmodify',
      [
        '-nb',
        '-ie',
        '-m',
        `(0020,000D)=${root}.1`,
        '-m',
        `(0020,000E)=${root}.2`,
        '-m',
        `(0008,0018)=${root}.3.${i + 1}`,
        '-i',
        `(0008,0050)=${id.accession}`,
        '-i',
        `(0010,0020)=${id.patientId}`,
        '-i',
        '(0010,0010)=',
        '-i',
        '(0010,0030)=',
        '-i',
        '(0010,0040)=',
        out,
      ],
      { encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`dcmodify of ${f.path}: ${(r.stderr || r.stdout).slice(0, 300)}`);
    return out;
  });
}

/**
 * storescu of some files in one association; resolves when the process has exited (its last byte sent, every
 * C-STORE response received, the association released).
 * @param {{ port: number, aeTitle: string }} dicom @param {string[]} files
 */
function storescu(dicom, files) {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const proc = spawn(
      'storescu',
      ['-aet', BENCH_AE, '-aec', dicom.aeTitle, '127.0.0.1', String(dicom.port), ...files],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    proc.stdout.on('data', (b) => (out += b));
    proc.stderr.on('data', (b) => (out += b));
    proc.once('error', reject);
    proc.once('exit', (code) => resolve({ code, at: performance.now(), ms: performance.now() - t0, out }));
  });
}

/**
 * One run on a freshly reset Zhiyin with its DICOM port open.
 * @param {import('./servers.mjs').ZhiyinServer} zhiyin @param {ModalityOptions} o
 */
export async function modalityRun(zhiyin, o) {
  const { log, failures } = o;
  if (!zhiyin.dicom) throw new Error('Zhiyin was started without its DICOM port');
  await registerBenchAe(zhiyin, DOCTOR);
  const facilityId = zhiyin.psql(`SELECT facility_id FROM app_user WHERE username = '${DOCTOR}'`).trim();
  const [patientId, mrn] = zhiyin
    .psql(`SELECT id, mrn FROM patient WHERE home_facility_id = '${facilityId}' ORDER BY mrn LIMIT 1`)
    .trim()
    .split('|');
  if (!patientId || !mrn) throw new Error(`no patient of ${DOCTOR}'s centre`);
  const [hubId] = zhiyin.psql(`SELECT id FROM facility WHERE kind = 'hub' ORDER BY code LIMIT 1`).trim().split('\n');
  // One on-duty reader of each service, made by the administrator; the only ones online, so every offer is theirs.
  const admin = await zhiyin.token('admin');
  /** @type {Record<'ECG' | 'IMAGING', { id: string, username: string, token: string }>} */
  const readers = /** @type {any} */ ({});
  for (const [service, specialty] of /** @type {const} */ ([
    ['ECG', 'cardiology'],
    ['IMAGING', 'radiology'],
  ])) {
    const username = `bench.modality.${specialty}`;
    const made = await api(zhiyin.origin, admin, 'POST', '/api/users', {
      username,
      role: 'specialist',
      facilityId: hubId,
      specialty,
      displayNameZh: `压测${specialty === 'cardiology' ? '心电' : '影像'}`,
      displayNameEn: `Bench ${specialty}`,
      password: PASSWORD,
    });
    if (made.status !== 201) throw new Error(`creating ${username}: ${made.status} ${JSON.stringify(made.body)}`);
    const duty = await api(zhiyin.origin, admin, 'PATCH', `/api/users/${made.body.id}`, { onDuty: true });
    if (duty.status !== 200) throw new Error(`putting ${username} on duty: ${duty.status}`);
    readers[service] = { id: made.body.id, username, token: await zhiyin.token(username) };
  }
  const doctorToken = await zhiyin.token(DOCTOR);

  /** @type {Map<string, (at: number, reader: string) => void>} */
  const waiting = new Map();
  /** @type {import('socket.io-client').Socket[]} */
  const sockets = [];
  const dir = mkdtempSync(join(os.tmpdir(), 'zhiyin-bench-modality-'));
  try {
    for (const r of Object.values(readers)) {
      const socket = io(zhiyin.origin, {
        path: '/socket.io',
        auth: { token: r.token },
        transports: ['websocket'],
        reconnection: false,
        forceNew: true,
        timeout: 60_000,
      });
      sockets.push(socket);
      socket.on('offer.made', (/** @type {{ referralId: string }} */ p) =>
        waiting.get(p.referralId)?.(performance.now(), r.id),
      );
      await new Promise((resolve, reject) => {
        socket.once('connect', () => resolve(undefined));
        socket.once('connect_error', (e) => reject(new Error(`socket of ${r.username}: ${e.message}`)));
      });
    }
    // presence rows are written on connection: the router sees the readers online once they have committed
    await sleep(1000);

    /** @type {{ service: string, instances: number, storeMs: number, submitMs: number, offerMs: number }[]} */
    const reps = [];
    const problems = [];
    for (let n = 1; n <= o.repetitions; n++) {
      const service = n % 2 === 1 ? 'ECG' : 'IMAGING';
      const created = await api(zhiyin.origin, doctorToken, 'POST', '/api/referrals', {
        patientId,
        service,
        priority: 'URGENT',
        ...(service === 'IMAGING' ? { modality: 'CT' } : {}),
        clinicalQuestion: `压测：设备到分派 ${n}`,
      });
      if (created.status !== 201)
        throw new Error(`creating a referral: ${created.status} ${JSON.stringify(created.body)}`);
      const referralId = created.body.id;
      const number =
        created.body.number ?? zhiyin.psql(`SELECT number FROM referral WHERE id = '${referralId}'`).trim();
      const consent = await api(zhiyin.origin, doctorToken, 'POST', `/api/referrals/${referralId}/consent/verbal`, {
        witnessName: '王芳（护士）',
        consentedAt: new Date().toISOString(),
      });
      if (consent.status !== 200)
        throw new Error(`recording consent: ${consent.status} ${JSON.stringify(consent.body)}`);
      const files = modalityCopies(service === 'ECG' ? [o.ecg] : o.ct, dir, n, { accession: number, patientId: mrn });

      /** @type {Promise<{ at: number, reader: string }>} */
      const offered = new Promise((resolve) => waiting.set(referralId, (at, reader) => resolve({ at, reader })));
      const sent = /** @type {{ code: number | null, at: number, ms: number, out: string }} */ (
        await storescu(zhiyin.dicom, files)
      );
      // the doctor submits at once: the study is linked by the time storescu has its C-STORE answers
      const submit = await api(zhiyin.origin, doctorToken, 'POST', `/api/referrals/${referralId}/events`, {
        type: 'submit',
      });
      if (sent.code !== 0 || submit.status !== 200) {
        problems.push(
          `repetition ${n} (${service}): storescu exit ${sent.code}, submit ${submit.status} ${JSON.stringify(submit.body ?? '').slice(0, 200)}` +
            (sent.code !== 0 ? ` — ${sent.out.slice(-300)}` : ''),
        );
        waiting.delete(referralId);
        continue;
      }
      const offer = await Promise.race([offered, sleep(30_000).then(() => undefined)]);
      waiting.delete(referralId);
      if (!offer) {
        problems.push(`repetition ${n} (${service}): no offer on the reader's socket within 30 s`);
        continue;
      }
      const reader = readers[/** @type {'ECG' | 'IMAGING'} */ (service)];
      if (offer.reader !== reader.id) problems.push(`repetition ${n}: offered to a reader of another service`);
      reps.push({
        service,
        instances: files.length,
        storeMs: sent.ms,
        submitMs: submit.ms,
        offerMs: offer.at - sent.at,
      });
      // the reader accepts at once, as from the offer card, and is free for the next offer
      const accepted = await api(zhiyin.origin, reader.token, 'POST', `/api/referrals/${referralId}/events`, {
        type: 'accept',
      });
      if (accepted.status !== 200) problems.push(`repetition ${n}: accept ${accepted.status}`);
    }
    for (const p of problems)
      failures.push({ server: 'zhiyin', scenario: 'modality', what: 'modality → offer', detail: p });
    if (problems.length) log(`  !!! ${problems.join('; ')}`);
    const offers = reps.map((r) => r.offerMs);
    const of = (/** @type {string} */ s) => reps.filter((r) => r.service === s).map((r) => r.offerMs);
    return {
      repetitions: o.repetitions,
      offered: reps.length,
      ctInstances: o.ct.length,
      offerP50ms: percentile(offers, 50),
      offerP99ms: percentile(offers, 99),
      offerMaxMs: offers.length ? Math.max(...offers) : NaN,
      ecgOfferP50ms: percentile(of('ECG'), 50),
      ctOfferP50ms: percentile(of('IMAGING'), 50),
      submitP50ms: percentile(
        reps.map((r) => r.submitMs),
        50,
      ),
      storescuEcgP50ms: percentile(
        reps.filter((r) => r.service === 'ECG').map((r) => r.storeMs),
        50,
      ),
      storescuCtP50ms: percentile(
        reps.filter((r) => r.service === 'IMAGING').map((r) => r.storeMs),
        50,
      ),
      problems,
    };
  } finally {
    for (const s of sockets) s.disconnect();
    rmSync(dir, { recursive: true, force: true });
  }
}
