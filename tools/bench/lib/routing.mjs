// The routing scenario (Zhiyin only: no peer routes referrals): the 11 community centres submit referrals at the same
// time while 1,000 socket.io clients — community doctors, specialists, the coordinator — are connected, and the
// time from each submit to the offer on the chosen specialist's socket is measured, with every event delivered to
// every client counted. Real users, real sign-ins, real PostgreSQL; each specialist accepts its offer as it comes,
// as a reader at the desk would, which makes it free for the next one. Then, with the same clients still connected,
// the readers raise a critical result (危急值) on the referrals they hold, and the time from each raise to the alert
// on the referring doctor's socket is measured.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { io } from 'socket.io-client';
import { json, multipartBody, newBoundary, pool, request, stowContentType } from './http.mjs';
import { percentile } from './stats.mjs';

const PRIORITIES = /** @type {const} */ (['ROUTINE', 'URGENT', 'ROUTINE', 'STAT']);
export const PASSWORD = 'Zhiyin-2026';
// a finding on each service's default list of critical findings (packages/workflow/src/critical.ts)
const CRITICAL_FINDING = { ECG: 'stemi', IMAGING: 'aortic_dissection' };

/**
 * @typedef {import('./scenarios.mjs').Failure} Failure
 * @typedef {{ id: string, username: string, role: string, specialty: string | null, facilityId: string | null }} BenchUser
 * @typedef {{ centres: number, perCentre: number, interval: number, clients: number, extraDoctors: number, extraSpecialists: number,
 *   failures: Failure[], log: (s: string) => void, ecg: import('./dataset.mjs').ManifestFile,
 *   ct: import('./dataset.mjs').ManifestFile }} RoutingOptions
 */

/**
 * A copy of a data-set file with new Study, Series and SOP Instance UIDs of the same lengths (so no length field
 * changes): every referral gets a study of its own.
 * @param {Buffer} file @param {import('./dataset.mjs').ManifestFile} f @param {number} n
 */
export function withNewUids(file, f, n) {
  let text = file.toString('latin1');
  for (const [uid, kind] of /** @type {const} */ ([
    [f.study, '7'],
    [f.series, '8'],
    [f.sop, '9'],
  ])) {
    const last = uid.length - uid.lastIndexOf('.') - 1;
    const tail = `${kind}${String(n).padStart(last - 1, '0')}`;
    if (tail.length !== last) throw new Error(`UID ${uid}: last component too short for a counter`);
    text = text.split(uid).join(uid.slice(0, uid.length - last) + tail);
  }
  return Buffer.from(text, 'latin1');
}

/**
 * Runs `task` for every item of every centre's list, all centres at once: each centre one item every `interval` ms
 * (its first at a staggered start), as the submits are paced; 0 is back to back.
 * @template T @param {T[][]} lists @param {number} interval @param {(item: T, centre: number) => Promise<void>} task
 */
async function paced(lists, interval, task) {
  const t0 = performance.now();
  await Promise.all(
    lists.map(async (list, c) => {
      for (const [i, item] of list.entries()) {
        const due = t0 + (c * interval) / lists.length + i * interval;
        if (due > performance.now()) await sleep(due - performance.now());
        await task(item, c);
      }
    }),
  );
}

/**
 * p50 and p99 of an interval in milliseconds from the server's own records, computed in PostgreSQL.
 * @param {import('./servers.mjs').ZhiyinServer} zhiyin @param {string} expr @param {string} from
 * @returns {number[]}
 */
function serverPercentiles(zhiyin, expr, from) {
  return zhiyin
    .psql(`SELECT percentile_cont(ARRAY[0.5, 0.99]) WITHIN GROUP (ORDER BY extract(epoch FROM ${expr}) * 1000) ${from}`)
    .trim()
    .replace(/[{}]/g, '')
    .split(',')
    .filter(Boolean)
    .map(Number);
}

/**
 * JSON request to the API as a user. @param {string} origin @param {string} token @param {string} method
 * @param {string} path @param {unknown} [body]
 */
export async function api(origin, token, method, path, body) {
  const r = await request(`${origin}${path}`, {
    method,
    headers: {
      Authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { 'Content-Type': 'application/json' }),
    },
    body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)),
    timeoutMs: 60_000,
  });
  return { status: r.status, ms: r.ms, body: r.body.length ? json(r) : undefined };
}

/**
 * The network of the run: the seeded demo network plus bench users made by the administrator (POST /api/users),
 * extra community doctors in every centre and extra on-duty specialists of both services.
 * @param {import('./servers.mjs').ZhiyinServer} zhiyin @param {RoutingOptions} o
 */
async function makeNetwork(zhiyin, o) {
  const admin = await zhiyin.token('admin');
  const rows = (/** @type {string} */ sql) =>
    zhiyin
      .psql(sql)
      .split('\n')
      .filter(Boolean)
      .map((l) => l.split('|'));
  const centres = rows(`SELECT id, lower(code) FROM facility WHERE kind = 'community' ORDER BY code`).slice(
    0,
    o.centres,
  );
  const [[hubId]] = rows(`SELECT id FROM facility WHERE kind = 'hub' ORDER BY code LIMIT 1`);
  /** @type {{ username: string, role: string, facilityId: string, specialty?: string }[]} */
  const extra = [];
  for (const [id, code] of centres)
    for (let i = 1; i <= o.extraDoctors; i++)
      extra.push({ username: `bench.${code}.${i}`, role: 'community_doctor', facilityId: id });
  for (const specialty of ['cardiology', 'radiology'])
    for (let i = 1; i <= o.extraSpecialists; i++)
      extra.push({ username: `bench.${specialty.slice(0, 4)}.${i}`, role: 'specialist', facilityId: hubId, specialty });
  await pool(
    extra.length,
    4,
    async (i) => {
      const u = extra[i];
      const made = await api(zhiyin.origin, admin, 'POST', '/api/users', {
        ...u,
        displayNameZh: `压测${i}`,
        displayNameEn: `Bench ${i}`,
        password: PASSWORD,
      });
      if (made.status !== 201) throw new Error(`creating ${u.username}: ${made.status} ${JSON.stringify(made.body)}`);
      if (u.role === 'specialist') {
        const duty = await api(zhiyin.origin, admin, 'PATCH', `/api/users/${made.body.id}`, { onDuty: true });
        if (duty.status !== 200) throw new Error(`putting ${u.username} on duty: ${duty.status}`);
      }
    },
    Number.POSITIVE_INFINITY,
  );
  /** @type {BenchUser[]} */
  const users = rows(
    `SELECT id, username, role, coalesce(specialty::text, ''), coalesce(facility_id::text, '') FROM app_user
      WHERE active AND role IN ('community_doctor', 'specialist', 'coordinator') ORDER BY username`,
  ).map(([id, username, role, specialty, facilityId]) => ({
    id,
    username,
    role,
    specialty: specialty || null,
    facilityId: facilityId || null,
  }));
  // the centre's own doctor (the seeded one, not a bench user) submits its referrals
  const submitters = centres.map(([id]) => {
    const u = users.find(
      (x) => x.role === 'community_doctor' && x.facilityId === id && !x.username.startsWith('bench.'),
    );
    if (!u) throw new Error(`no community doctor in centre ${id}`);
    return u;
  });
  const patients = new Map(
    rows(`SELECT DISTINCT ON (home_facility_id) home_facility_id, id FROM patient ORDER BY home_facility_id, mrn`).map(
      ([f, id]) => [f, id],
    ),
  );
  return { users, submitters, patients };
}

/**
 * One run of the routing scenario on a freshly reset Zhiyin.
 * @param {import('./servers.mjs').ZhiyinServer} zhiyin @param {RoutingOptions} o
 */
export async function routingRun(zhiyin, o) {
  const { log, failures } = o;
  const t00 = performance.now();
  const net = await makeNetwork(zhiyin, o);
  log(`  network: ${net.users.length} users (${net.submitters.length} submitting centres); signing in`);
  /** @type {Map<string, string>} */
  const tokens = new Map();
  await pool(
    net.users.length,
    4,
    async (i) => void tokens.set(net.users[i].username, await zhiyin.token(net.users[i].username)),
    Number.POSITIVE_INFINITY,
  );

  // Referrals ready to submit: created, with a study of their own stored by STOW-RS and attached.
  const files = {
    ECG: readFileSync(/** @type {string} */ (o.ecg.abs)),
    IMAGING: readFileSync(/** @type {string} */ (o.ct.abs)),
  };
  /** @type {{ id: string, centre: number, service: 'ECG' | 'IMAGING', priority: string }[][]} */
  const prepared = net.submitters.map(() => []);
  let made = 0;
  await pool(
    net.submitters.length,
    4,
    async (c) => {
      const doc = net.submitters[c];
      const token = /** @type {string} */ (tokens.get(doc.username));
      const patientId = net.patients.get(/** @type {string} */ (doc.facilityId));
      for (let i = 0; i < o.perCentre; i++) {
        const service = i % 2 === 0 ? 'ECG' : 'IMAGING';
        const priority = PRIORITIES[i % PRIORITIES.length];
        const created = await api(zhiyin.origin, token, 'POST', '/api/referrals', {
          patientId,
          service,
          priority,
          ...(service === 'IMAGING' ? { modality: 'CT' } : {}),
          clinicalQuestion: `压测 ${c}-${i}`,
        });
        if (created.status !== 201)
          throw new Error(`creating a referral: ${created.status} ${JSON.stringify(created.body)}`);
        const f = service === 'ECG' ? o.ecg : o.ct;
        const n = ++made;
        const boundary = newBoundary();
        const stored = await request(`${zhiyin.base}/studies`, {
          method: 'POST',
          headers: {
            Authorization: `Bearer ${token}`,
            'Content-Type': stowContentType(boundary),
            Accept: 'application/dicom+json',
          },
          body: multipartBody([withNewUids(files[service], f, n)], boundary),
          timeoutMs: 60_000,
        });
        if (stored.status !== 200) throw new Error(`STOW-RS of a referral's study: ${stored.status}`);
        const study = f.study.slice(0, f.study.lastIndexOf('.') + 1);
        const last = f.study.length - study.length;
        const attached = await api(zhiyin.origin, token, 'POST', `/api/referrals/${created.body.id}/studies`, {
          studyInstanceUid: `${study}7${String(n).padStart(last - 1, '0')}`,
          // the data set's files name its own synthetic patients, not the seeded network's: confirmed as the doctor
          // does when the desk holds a file that names another patient (audited)
          patientOverrideReason: '压测数据：合成文件',
        });
        if (attached.status !== 200)
          throw new Error(`attaching a study: ${attached.status} ${JSON.stringify(attached.body)}`);
        // the patient's consent to remote diagnosis, which the rules require before a submit (CONSENT_REQUIRED)
        const consent = await api(zhiyin.origin, token, 'POST', `/api/referrals/${created.body.id}/consent/verbal`, {
          witnessName: '王芳（护士）',
          consentedAt: new Date().toISOString(),
        });
        if (consent.status !== 200)
          throw new Error(`recording consent: ${consent.status} ${JSON.stringify(consent.body)}`);
        prepared[c].push({ id: created.body.id, centre: c, service, priority });
      }
    },
    Number.POSITIVE_INFINITY,
  );
  const total = prepared.reduce((n, l) => n + l.length, 0);
  log(
    `  ${total} referrals ready (${((performance.now() - t00) / 1000).toFixed(0)} s); connecting ${o.clients} clients`,
  );

  // 1,000 connections: every specialist twice (desk and a second screen), the coordinator on up to 20 screens, and
  // the rest spread over the community doctors. Each site connects from an address of its own (any 127/8 address is
  // loopback), as the centres and the hub do from their networks: the API's cap of connections per address
  // (HTTP_MAX_CONNECTIONS_PER_ADDRESS) stays as deployed.
  const specialists = net.users.filter((u) => u.role === 'specialist');
  const coordinators = net.users.filter((u) => u.role === 'coordinator');
  const doctors = net.users.filter((u) => u.role === 'community_doctor');
  /** @type {BenchUser[]} */
  const plan = [...specialists, ...specialists];
  for (let i = 0; i < Math.min(20, o.clients - plan.length); i++) plan.push(coordinators[i % coordinators.length]);
  for (let i = 0; plan.length < o.clients; i++) plan.push(doctors[i % doctors.length]);
  const centreIds = [...new Set(doctors.map((d) => d.facilityId))];
  const addressOf = (/** @type {BenchUser} */ u) =>
    u.role === 'community_doctor' ? `127.0.1.${centreIds.indexOf(u.facilityId) + 1}` : '127.0.2.1';

  let counting = false;
  let delivered = 0;
  let lastEventAt = 0;
  /** @type {Map<string, number>} */
  const submittedAt = new Map();
  /** @type {Map<string, { ms: number, user: BenchUser }>} */
  const offers = new Map();
  let duplicateOffers = 0;
  /** @type {Promise<unknown>[]} */
  const accepts = [];
  let acceptFailures = 0;
  /** @type {import('socket.io-client').Socket[]} */
  const sockets = [];
  const onOffer = (/** @type {BenchUser} */ u, /** @type {{ referralId: string }} */ p) => {
    const at = performance.now();
    const sent = submittedAt.get(p.referralId);
    if (sent === undefined) return;
    const seen = offers.get(p.referralId);
    if (seen) {
      if (seen.user.id !== u.id) duplicateOffers += 1; // another reader offered the same referral
      return;
    }
    offers.set(p.referralId, { ms: at - sent, user: u });
    // the reader accepts at once, as from the offer card, and is free for the next offer
    accepts.push(
      api(
        zhiyin.origin,
        /** @type {string} */ (tokens.get(u.username)),
        'POST',
        `/api/referrals/${p.referralId}/events`,
        {
          type: 'accept',
        },
      ).then((r) => {
        if (r.status !== 200) acceptFailures += 1;
      }),
    );
  };

  // Critical results: the referral's centre and referring doctor (who submitted it), by referral.
  /** @type {Map<string, { centre: string, doctor: string }>} */
  const referring = new Map();
  for (const list of prepared)
    for (const r of list) {
      const doc = net.submitters[r.centre];
      referring.set(r.id, { centre: /** @type {string} */ (doc.facilityId), doctor: doc.id });
    }
  let countingCritical = false;
  let criticalDelivered = 0;
  /** @type {Map<string, number>} */
  const raisedAt = new Map();
  /** @type {Map<string, number>} */
  const alerts = new Map();
  let criticalLeaks = 0;
  const onCritical = (/** @type {BenchUser} */ u, /** @type {{ referralId: string }} */ p) => {
    const at = performance.now();
    const to = referring.get(p.referralId);
    if (!to) return;
    // a doctor of another centre must never hear of it
    if (u.role === 'community_doctor' && u.facilityId !== to.centre) criticalLeaks += 1;
    const sent = raisedAt.get(p.referralId);
    // the first of the referring doctor's connections to receive it
    if (sent !== undefined && u.id === to.doctor && !alerts.has(p.referralId)) alerts.set(p.referralId, at - sent);
  };
  const tc = performance.now();
  try {
    await pool(
      plan.length,
      25,
      (i) =>
        new Promise((resolve, reject) => {
          const u = plan[i];
          // localAddress reaches the WebSocket of Node.js (each client from its own loopback address).
          const socket = io(
            zhiyin.origin,
            /** @type {Parameters<typeof io>[1] & { localAddress: string }} */ ({
              path: '/socket.io',
              auth: { token: tokens.get(u.username) },
              transports: ['websocket'],
              reconnection: false,
              forceNew: true,
              timeout: 60_000,
              localAddress: addressOf(u),
            }),
          );
          sockets.push(socket);
          socket.onAny((event, payload) => {
            if (countingCritical) {
              criticalDelivered += 1;
              lastEventAt = performance.now();
              if (event === 'critical.raised') onCritical(u, payload);
              return;
            }
            if (!counting) return;
            delivered += 1;
            lastEventAt = performance.now();
            if (event === 'offer.made' && u.role === 'specialist') onOffer(u, payload);
          });
          socket.once('connect', () => resolve(undefined));
          socket.once('connect_error', (e) => reject(new Error(`socket of ${u.username}: ${e.message}`)));
        }),
      Number.POSITIVE_INFINITY,
    );
    const connectSeconds = (performance.now() - tc) / 1000;
    log(`  ${sockets.length} clients connected in ${connectSeconds.toFixed(1)} s; 11 centres submit`);
    // presence rows are written on connection; give the last ones a moment to commit
    await sleep(1000);

    const cpu = zhiyin.cpu();
    /** @type {number[]} */
    const submitMs = [];
    let submitFailures = 0;
    counting = true;
    cpu.begin();
    const t0 = performance.now();
    // Each centre submits one referral every `interval` ms (its first at a staggered start), all centres at once.
    await paced(prepared, o.interval, async (r) => {
      const token = /** @type {string} */ (tokens.get(net.submitters[r.centre].username));
      submittedAt.set(r.id, performance.now());
      const s = await api(zhiyin.origin, token, 'POST', `/api/referrals/${r.id}/events`, { type: 'submit' });
      submitMs.push(s.ms);
      if (s.status !== 200) submitFailures += 1;
    });
    const submitSeconds = (performance.now() - t0) / 1000;
    // every offer in (bounded), accepted, and the events they cause delivered: until 1 s without any event
    const until = performance.now() + 120_000;
    while (offers.size < total && performance.now() < until) await sleep(20);
    await Promise.all(accepts);
    while (performance.now() - lastEventAt < 1000 && performance.now() < until) await sleep(50);
    const windowSeconds = (lastEventAt - t0) / 1000;
    counting = false;
    const used = cpu.end();

    // Critical results, with the same clients connected: the reader who holds each referral raises one (the reading
    // workspace's "危急值" button), paced as the submits were, and the alert on the referring doctor's socket is timed.
    log(`  ${offers.size} offers accepted; the readers raise ${offers.size} critical results`);
    /** @type {number[]} */
    const raiseMs = [];
    let raiseFailures = 0;
    const criticalCpu = zhiyin.cpu();
    countingCritical = true;
    criticalCpu.begin();
    const t1 = performance.now();
    await paced(prepared, o.interval, async (r) => {
      const reader = offers.get(r.id)?.user;
      if (!reader) return; // never offered: already a problem of the run
      raisedAt.set(r.id, performance.now());
      const s = await api(
        zhiyin.origin,
        /** @type {string} */ (tokens.get(reader.username)),
        'POST',
        `/api/referrals/${r.id}/critical-results`,
        { findingCode: CRITICAL_FINDING[r.service], note: '压测' },
      );
      raiseMs.push(s.ms);
      if (s.status !== 201) raiseFailures += 1;
    });
    const raised = raisedAt.size - raiseFailures;
    const criticalUntil = performance.now() + 60_000;
    while (alerts.size < raised && performance.now() < criticalUntil) await sleep(20);
    while (performance.now() - lastEventAt < 1000 && performance.now() < criticalUntil) await sleep(50);
    const criticalWindowSeconds = (lastEventAt - t1) / 1000;
    countingCritical = false;
    const criticalUsed = criticalCpu.end();
    const alertLatencies = [...alerts.values()];

    const latencies = [...offers.values()].map((x) => x.ms);
    // Where the time went, from the server's own records: submit → offer committed by the router (referral_event
    // times), offer committed → handed to socket.io by the outbox (its created_at, the transaction's start, to
    // delivered_at).
    const routerMs = serverPercentiles(
      zhiyin,
      'o.at - s.at',
      `FROM referral_event s JOIN referral_event o ON o.referral_id = s.referral_id AND o.event = 'offer'
        WHERE s.event = 'submit'`,
    );
    const outboxMs = serverPercentiles(zhiyin, 'delivered_at - created_at', `FROM outbox WHERE event = 'offer.made'`);
    // a raise's transaction start (the outbox row's created_at) → handed to socket.io
    const criticalOutboxMs = serverPercentiles(
      zhiyin,
      'delivered_at - created_at',
      `FROM outbox WHERE event = 'critical.raised'`,
    );
    const criticalStates = zhiyin
      .psql(`SELECT state || ':' || count(*) FROM critical_result GROUP BY state ORDER BY state`)
      .split('\n')
      .filter(Boolean)
      .join(', ');
    const states = zhiyin
      .psql(`SELECT state || ':' || count(*) FROM referral GROUP BY state ORDER BY state`)
      .split('\n')
      .filter(Boolean)
      .join(', ');
    const problems = [];
    if (offers.size !== total) problems.push(`${total - offers.size} of ${total} referrals got no offer in 120 s`);
    if (submitFailures) problems.push(`${submitFailures} submits failed`);
    if (acceptFailures) problems.push(`${acceptFailures} accepts failed`);
    if (duplicateOffers) problems.push(`${duplicateOffers} referrals offered to a second reader`);
    if (states !== `accepted:${total}`) problems.push(`referral states afterwards: ${states}`);
    if (raiseFailures) problems.push(`${raiseFailures} critical-result raises failed`);
    if (alerts.size !== raised)
      problems.push(`${raised - alerts.size} of ${raised} critical results reached no referring doctor in 60 s`);
    if (criticalLeaks) problems.push(`${criticalLeaks} critical alerts reached a doctor of another centre`);
    if (criticalStates !== `raised:${total}`) problems.push(`critical results afterwards: ${criticalStates}`);
    for (const p of problems)
      failures.push({ server: 'zhiyin', scenario: 'routing', what: 'offers and alerts', detail: p });
    return {
      centres: net.submitters.length,
      referrals: total,
      clients: sockets.length,
      users: net.users.length,
      specialists: specialists.length,
      connectSeconds,
      submitSeconds,
      windowSeconds,
      offerP50ms: percentile(latencies, 50),
      offerP90ms: percentile(latencies, 90),
      offerP99ms: percentile(latencies, 99),
      offerMaxMs: Math.max(...latencies),
      routerP50ms: routerMs[0],
      routerP99ms: routerMs[1],
      outboxP50ms: outboxMs[0],
      outboxP99ms: outboxMs[1],
      submitP50ms: percentile(submitMs, 50),
      submitP99ms: percentile(submitMs, 99),
      submitsPerSec: total / submitSeconds,
      eventsDelivered: delivered,
      eventsPerSec: delivered / windowSeconds,
      cpuSeconds: used.server,
      dbCpuSeconds: used.database,
      states,
      criticalResults: raised,
      alertP50ms: percentile(alertLatencies, 50),
      alertP90ms: percentile(alertLatencies, 90),
      alertP99ms: percentile(alertLatencies, 99),
      alertMaxMs: alertLatencies.length ? Math.max(...alertLatencies) : NaN,
      raiseP50ms: percentile(raiseMs, 50),
      raiseP99ms: percentile(raiseMs, 99),
      criticalOutboxP50ms: criticalOutboxMs[0],
      criticalOutboxP99ms: criticalOutboxMs[1],
      criticalEventsDelivered: criticalDelivered,
      criticalEventsPerSec: criticalDelivered / criticalWindowSeconds,
      criticalCpuSeconds: criticalUsed.server,
      criticalDbCpuSeconds: criticalUsed.database,
      criticalStates,
      problems,
    };
  } finally {
    for (const s of sockets) s.disconnect();
  }
}
