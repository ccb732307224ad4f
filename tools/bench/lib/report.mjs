// Turns the raw repetitions into metrics with ratios, prints them, and renders BENCHMARKS.md from the results files.
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BARE_FLUSHES } from './servers.mjs';
import { fmt, fmtSummary, summary } from './stats.mjs';

/**
 * @typedef {object} Metric
 * @property {string} id
 * @property {string} scenario
 * @property {string} label
 * @property {string} unit
 * @property {'higher' | 'lower'} better
 * @property {{ median: number, min: number, max: number, n: number }} zhiyin
 * @property {{ median: number, min: number, max: number, n: number }} orthanc
 * @property {number} ratio   Zhiyin ÷ Orthanc (medians)
 * @property {Record<string, { median: number, min: number, max: number, n: number }>} [references]  the bare write
 *   paths (STOW-RS): `bare` with Zhiyin's flushes, `bare-light` with Orthanc's, `bare-data` between
 * @property {string} [target]
 * @property {boolean} [met]
 * @property {number} [targetIssue]  the issue that set the target (4 unless said)
 * @property {number} [bareRatio]  Zhiyin ÷ the bare write path with Zhiyin's flushes (the restated STOW-RS targets)
 * @property {boolean} [bareMet]
 */

/** The scenario name of a STOW-RS pass: `stow-c4` for one instance per request, `stow-c4-b16` for 16. */
export const STOW_SCENARIO = /^stow-c(\d+)(?:-b(\d+))?$/;
/** @param {number} concurrency @param {number} batch */
export function stowScenario(concurrency, batch) {
  return `stow-c${concurrency}${batch > 1 ? `-b${batch}` : ''}`;
}
// Issue 15's restated STOW-RS targets: in each of these cells (concurrency, instances per request), at least
// Orthanc's MB/s and at least 0.9 of the bare write path's with the same flushes as Zhiyin's, in the same run.
const RESTATED_CELLS = [
  [4, 1],
  [4, 16],
  [1, 1],
  [1, 16],
];
const RESTATED_ORTHANC_RATIO = 1;
const RESTATED_BARE_RATIO = 0.9;

/** The metrics of a run, from its repetitions. @param {any} runs */
export function computeMetrics(runs) {
  /** @type {Metric[]} */
  const metrics = [];
  /**
   * @param {string} scenario @param {string} key @param {string} label @param {string} unit
   * @param {'higher' | 'lower'} better @param {{ ratioAtLeast?: number, ratioAtMost?: number }} [target]
   */
  const add = (scenario, key, label, unit, better, target) => {
    const r = runs[scenario];
    if (!r) return;
    const z = summary((r.zhiyin ?? []).map((/** @type {any} */ x) => x[key]));
    const o = summary((r.orthanc ?? []).map((/** @type {any} */ x) => x[key]));
    /** @type {Metric} */
    const m = {
      id: `${scenario}.${key}`,
      scenario,
      label,
      unit,
      better,
      zhiyin: z,
      orthanc: o,
      ratio: z.median / o.median,
    };
    for (const name of Object.keys(REFERENCE_FLUSHES))
      if (r[name]?.length) (m.references ??= {})[name] = summary(r[name].map((/** @type {any} */ x) => x[key]));
    if (target?.ratioAtLeast !== undefined) {
      m.target = `ratio ≥ ${target.ratioAtLeast}`;
      m.met = m.ratio >= target.ratioAtLeast;
    }
    if (target?.ratioAtMost !== undefined) {
      m.target = `ratio ≤ ${target.ratioAtMost}`;
      m.met = m.ratio <= target.ratioAtMost;
    }
    if (!Number.isFinite(m.ratio)) m.met = undefined;
    metrics.push(m);
  };
  // STOW-RS passes: one scenario per concurrency and instances per request (`stow-c4`, `stow-c4-b16`, …).
  const stowCells = Object.keys(runs)
    .map((k) => STOW_SCENARIO.exec(k))
    .filter((x) => x !== null)
    .map((x) => ({ scenario: x[0], c: Number(x[1]), b: Number(x[2] ?? 1) }))
    .sort((x, y) => y.c - x.c || x.b - y.b);
  for (const { scenario: s, c, b } of stowCells) {
    const cell = `concurrency ${c}${b > 1 ? `, ${b} instances per request` : ''}`;
    const restated = RESTATED_CELLS.some(([rc, rb]) => rc === c && rb === b);
    add(
      s,
      'mbPerSec',
      `STOW-RS ingest, ${cell}`,
      'MB/s',
      'higher',
      restated ? { ratioAtLeast: RESTATED_ORTHANC_RATIO } : undefined,
    );
    const m = metrics.find((x) => x.id === `${s}.mbPerSec`);
    const bare = m?.references?.bare;
    if (m && restated) {
      m.targetIssue = 15;
      if (bare && Number.isFinite(bare.median)) {
        m.bareRatio = m.zhiyin.median / bare.median;
        m.bareMet = Number.isFinite(m.bareRatio) ? m.bareRatio >= RESTATED_BARE_RATIO : undefined;
      }
    }
    add(s, 'instancesPerSec', `STOW-RS ingest, ${cell}`, 'instances/s', 'higher');
    add(s, 'requestP50ms', `STOW-RS request p50, ${cell}`, 'ms', 'lower');
    add(s, 'cpuSeconds', `STOW-RS server CPU, ${cell}`, 'CPU s', 'lower');
    add(s, 'dbCpuSeconds', `STOW-RS Zhiyin's PostgreSQL backends CPU, ${cell}`, 'CPU s', 'lower');
  }
  add('dimse-association', 'mbPerSec', 'storescu C-STORE, one association', 'MB/s', 'higher', { ratioAtLeast: 1 });
  add('dimse-association', 'instancesPerSec', 'storescu C-STORE, one association', 'instances/s', 'higher');
  add('dimse-association', 'cpuSeconds', 'storescu C-STORE, one association: server CPU', 'CPU s', 'lower');
  add(
    'dimse-association',
    'dbCpuSeconds',
    "storescu C-STORE, one association: Zhiyin's PostgreSQL backends CPU",
    'CPU s',
    'lower',
  );
  add('dimse-study', 'mbPerSec', 'storescu C-STORE, one association per study', 'MB/s', 'higher');
  add('dimse-study', 'instancesPerSec', 'storescu C-STORE, one association per study', 'instances/s', 'higher');
  add('dimse-study', 'associationP50ms', 'storescu C-STORE, one association per study: association p50', 'ms', 'lower');
  add('dimse-study', 'cpuSeconds', 'storescu C-STORE, one association per study: server CPU', 'CPU s', 'lower');
  add(
    'dimse-study',
    'dbCpuSeconds',
    "storescu C-STORE, one association per study: Zhiyin's PostgreSQL backends CPU",
    'CPU s',
    'lower',
  );
  add('routing', 'offerP50ms', 'submit → offer on the specialist’s socket, p50', 'ms', 'lower');
  add('routing', 'offerP99ms', 'submit → offer on the specialist’s socket, p99', 'ms', 'lower');
  add('routing', 'offerMaxMs', 'submit → offer on the specialist’s socket, max', 'ms', 'lower');
  add('routing', 'routerP50ms', '… of which submit → offer committed by the router, p50', 'ms', 'lower');
  add('routing', 'routerP99ms', '… of which submit → offer committed by the router, p99', 'ms', 'lower');
  add('routing', 'outboxP50ms', '… of which offer committed → sent by the outbox, p50', 'ms', 'lower');
  add('routing', 'outboxP99ms', '… of which offer committed → sent by the outbox, p99', 'ms', 'lower');
  add('routing', 'submitP50ms', 'submit request (answer), p50', 'ms', 'lower');
  add('routing', 'submitP99ms', 'submit request (answer), p99', 'ms', 'lower');
  add('routing', 'submitsPerSec', 'submits, 11 centres together', 'referrals/s', 'higher');
  add('routing', 'eventsPerSec', 'events delivered to the clients during the submits', 'events/s', 'higher');
  add('routing', 'eventsDelivered', 'events delivered to the clients during the submits (all)', 'events', 'higher');
  add('routing', 'connectSeconds', 'connecting the clients', 's', 'lower');
  add('routing', 'cpuSeconds', 'API CPU during the submits', 'CPU s', 'lower');
  add('routing', 'dbCpuSeconds', 'PostgreSQL backends CPU during the submits', 'CPU s', 'lower');
  add(
    'routing',
    'alertP50ms',
    'critical result (危急值) raised → alert on the referring doctor’s socket, p50',
    'ms',
    'lower',
  );
  add(
    'routing',
    'alertP99ms',
    'critical result (危急值) raised → alert on the referring doctor’s socket, p99',
    'ms',
    'lower',
  );
  add(
    'routing',
    'alertMaxMs',
    'critical result (危急值) raised → alert on the referring doctor’s socket, max',
    'ms',
    'lower',
  );
  add('routing', 'criticalOutboxP50ms', '… of which raise transaction → alert sent by the outbox, p50', 'ms', 'lower');
  add('routing', 'criticalOutboxP99ms', '… of which raise transaction → alert sent by the outbox, p99', 'ms', 'lower');
  add('routing', 'raiseP50ms', 'raise request (answer), p50', 'ms', 'lower');
  add('routing', 'raiseP99ms', 'raise request (answer), p99', 'ms', 'lower');
  add('routing', 'criticalEventsPerSec', 'events delivered to the clients while raising', 'events/s', 'higher');
  add('routing', 'criticalCpuSeconds', 'API CPU while raising', 'CPU s', 'lower');
  add('routing', 'criticalDbCpuSeconds', 'PostgreSQL backends CPU while raising', 'CPU s', 'lower');
  // The issue's bar for real-time events on this machine; a critical alert is held to the same as an offer.
  for (const id of ['routing.offerP99ms', 'routing.alertP99ms']) {
    const m = metrics.find((x) => x.id === id);
    if (!m) continue;
    m.target = 'p99 < 100 ms';
    m.met = Number.isFinite(m.zhiyin.median) ? m.zhiyin.median < 100 : undefined;
  }
  add('modality', 'offerP50ms', 'storescu last byte → offer on the specialist’s socket, p50', 'ms', 'lower');
  add('modality', 'offerP99ms', 'storescu last byte → offer on the specialist’s socket, p99', 'ms', 'lower');
  add('modality', 'offerMaxMs', 'storescu last byte → offer on the specialist’s socket, max', 'ms', 'lower');
  add('modality', 'ecgOfferP50ms', '… 12-lead ECG (1 instance), p50', 'ms', 'lower');
  add('modality', 'ctOfferP50ms', '… CT study, p50', 'ms', 'lower');
  add('modality', 'submitP50ms', 'submit request (answer), p50', 'ms', 'lower');
  add('modality', 'storescuEcgP50ms', 'storescu of the ECG, start → exit, p50', 'ms', 'lower');
  add('modality', 'storescuCtP50ms', 'storescu of the CT study, start → exit, p50', 'ms', 'lower');
  add(
    'gateway',
    'seconds',
    'gateway: storescu start → last instance acknowledged by the hub (CT, 10 Mbit/s)',
    's',
    'lower',
  );
  add('gateway', 'ratio', '… ÷ the raw bytes’ line-rate time (bytes × 8 / 10 Mbit/s)', '×', 'lower');
  add('gateway', 'wireRatio', 'gateway: bytes on the wire towards the hub ÷ raw bytes', '×', 'lower');
  const link = metrics.find((m) => m.id === 'gateway.ratio');
  if (link) {
    link.target = '≤ 1.0 (issue 15)';
    link.met = Number.isFinite(link.zhiyin.median) ? link.zhiyin.median <= 1 : undefined;
  }
  add('qido', 'p50ms', 'QIDO-RS p50 (ASCII query set)', 'ms', 'lower', { ratioAtMost: 1 });
  add('qido', 'p99ms', 'QIDO-RS p99 (ASCII query set)', 'ms', 'lower', { ratioAtMost: 1 });
  add('qido', 'cpuSeconds', 'QIDO-RS server CPU (all rounds)', 'CPU s', 'lower');
  add('qido', 'dbCpuSeconds', "QIDO-RS Zhiyin's PostgreSQL backends CPU", 'CPU s', 'lower');
  add('wado-study', 'mbPerSec', 'WADO-RS whole studies', 'MB/s', 'higher', { ratioAtLeast: 1 });
  add('wado-study', 'p50ms', 'WADO-RS study request p50', 'ms', 'lower');
  add('wado-study', 'cpuSeconds', 'WADO-RS studies server CPU', 'CPU s', 'lower');
  add('wado-instance', 'mbPerSec', 'WADO-RS single instances', 'MB/s', 'higher', { ratioAtLeast: 1 });
  add('wado-instance', 'requestsPerSec', 'WADO-RS single instances', 'requests/s', 'higher');
  add('wado-instance', 'cpuSeconds', 'WADO-RS instances server CPU', 'CPU s', 'lower');
  add('wado-metadata', 'requestsPerSec', 'WADO-RS study metadata', 'requests/s', 'higher');
  add('wado-metadata', 'p50ms', 'WADO-RS study metadata p50', 'ms', 'lower');
  for (const [scenario, what] of [
    ['big', 'largest files'],
    ['big-many', 'CT slices'],
  ]) {
    add(scenario, 'seconds', `1 GB single STOW-RS request (${what})`, 's', 'lower');
    add(scenario, 'mbPerSec', `1 GB single STOW-RS request (${what})`, 'MB/s', 'higher');
    add(scenario, 'vmHwmMB', `1 GB STOW-RS (${what}): server peak RSS (VmHWM)`, 'MB', 'lower');
    const big = metrics.find((m) => m.id === `${scenario}.vmHwmMB`);
    if (big) {
      big.target = 'Zhiyin < 250 MB';
      big.met = Number.isFinite(big.zhiyin.max) ? big.zhiyin.max < 250 : undefined;
    }
  }
  return metrics;
}

/** Chinese-name queries: Zhiyin's correctness and latency, Orthanc's count for the record. @param {any} runs @param {any[]} queries */
export function chineseRows(runs, queries) {
  const q = runs.qido;
  if (!q) return [];
  return queries
    .filter((x) => x.chinese)
    .map((x) => {
      const z = (q.zhiyin ?? []).map((/** @type {any} */ r) => r.perQuery[x.id]);
      const o = (q.orthanc ?? []).map((/** @type {any} */ r) => r.perQuery[x.id]);
      return {
        id: x.id,
        label: x.label,
        expected: x.expected,
        zhiyin: z.length
          ? {
              count: z[z.length - 1]?.count,
              correct: z.every((/** @type {any} */ a) => a && a.wrong === 0),
              problem: z.find((/** @type {any} */ a) => a?.problem)?.problem,
              p50ms: summary(z.map((/** @type {any} */ a) => a?.p50ms)),
            }
          : undefined,
        orthanc: o.length ? { count: o[o.length - 1]?.count } : undefined,
      };
    });
}

/** Per-query p50 table rows. @param {any} runs @param {any[]} queries */
export function perQueryRows(runs, queries) {
  const q = runs.qido;
  if (!q) return [];
  return queries.map((x) => {
    const pick = (/** @type {string} */ server) => {
      const list = (q[server] ?? []).map((/** @type {any} */ r) => r.perQuery[x.id]);
      return {
        p50: summary(list.map((/** @type {any} */ a) => a?.p50ms)),
        p99: summary(list.map((/** @type {any} */ a) => a?.p99ms)),
        count: list[list.length - 1]?.count,
        wrong: list.reduce((/** @type {number} */ s, /** @type {any} */ a) => s + (a?.wrong ?? 0), 0),
      };
    };
    return {
      id: x.id,
      label: x.label,
      chinese: x.chinese,
      expected: x.expected,
      zhiyin: pick('zhiyin'),
      orthanc: pick('orthanc'),
    };
  });
}

/** @param {number} r @param {'higher' | 'lower'} better */
function ratioText(r, better) {
  if (!Number.isFinite(r)) return '—';
  return `${r.toFixed(2)}× (${better} is better)`;
}

/** @param {string[][]} rows */
function textTable(rows) {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => [...(r[i] ?? '')].length)));
  return rows.map((r) => r.map((c, i) => c + ' '.repeat(widths[i] - [...c].length)).join('  ')).join('\n');
}

const REFERENCE_HEAD = ['STOW-RS reference', 'flushes', 'unit', 'median (min–max)', '÷ Orthanc', 'Zhiyin ÷ it'];
const REFERENCE_FLUSHES = {
  bare: BARE_FLUSHES.full,
  'bare-data': BARE_FLUSHES.data,
  'bare-light': BARE_FLUSHES.light,
};

/** The rows of the bare write paths, where a run measured them. @param {Metric[]} metrics */
function referenceRows(metrics) {
  return metrics
    .filter((m) => m.references && m.unit !== 'CPU s')
    .flatMap((m) =>
      Object.entries(/** @type {Record<string, any>} */ (m.references))
        .filter(([, ref]) => Number.isFinite(ref.median))
        .map(([name, ref]) => [
          `${m.label}: bare write path`,
          REFERENCE_FLUSHES[/** @type {keyof typeof REFERENCE_FLUSHES} */ (name)] ?? name,
          m.unit,
          fmtSummary(ref),
          ratioText(ref.median / m.orthanc.median, m.better),
          ratioText(m.zhiyin.median / ref.median, m.better),
        ]),
    );
}

const RESTATED_HEAD = [
  'STOW-RS cell (issue 15)',
  'Zhiyin MB/s',
  'Orthanc MB/s',
  "bare write path MB/s (Zhiyin's flushes)",
  'Zhiyin ÷ Orthanc (≥ 1.0)',
  'Zhiyin ÷ bare (≥ 0.9)',
  'both',
];

/** The restated STOW-RS targets, one row per cell measured. @param {Metric[]} metrics @param {boolean} md */
function restatedRows(metrics, md) {
  const yes = (/** @type {boolean | undefined} */ v) =>
    v === undefined ? 'n/a' : v ? 'met' : md ? '**not met**' : 'NOT MET';
  return metrics
    .filter((m) => m.targetIssue === 15 && m.unit === 'MB/s')
    .map((m) => [
      m.label.replace('STOW-RS ingest, ', ''),
      fmtSummary(m.zhiyin),
      fmtSummary(m.orthanc),
      m.references?.bare ? fmtSummary(m.references.bare) : '—',
      `${fmt(m.ratio)} ${yes(m.met)}`,
      m.bareRatio === undefined ? '—' : `${fmt(m.bareRatio)} ${yes(m.bareMet)}`,
      yes(m.met === undefined || m.bareMet === undefined ? undefined : m.met && m.bareMet),
    ]);
}

/** The console summary of a run. @param {any} result */
export function printSummary(result) {
  const rows = [
    ['metric', 'unit', 'Zhiyin median (min–max)', 'Orthanc median (min–max)', 'Zhiyin ÷ Orthanc', 'target'],
  ];
  for (const m of result.metrics) {
    rows.push([
      m.label,
      m.unit,
      fmtSummary(m.zhiyin),
      fmtSummary(m.orthanc),
      ratioText(m.ratio, m.better),
      m.target ? `${m.target}: ${m.met === undefined ? 'n/a' : m.met ? 'met' : 'NOT MET'}` : '',
    ]);
  }
  // a run of scenarios without Orthanc metrics (reading) has no such table
  const out = result.metrics.length ? [textTable(rows)] : [];
  const ref = referenceRows(result.metrics);
  if (ref.length) out.push('', textTable([REFERENCE_HEAD, ...ref]));
  const restated = restatedRows(result.metrics, false);
  if (restated.length) out.push('', textTable([RESTATED_HEAD, ...restated]));
  if (result.chinese?.length) {
    const c = [
      ['Chinese-name query (Zhiyin only, no ratio)', 'expected', 'Zhiyin', 'correct', 'Zhiyin p50 ms', 'Orthanc'],
    ];
    for (const r of result.chinese) {
      c.push([
        r.label,
        String(r.expected),
        String(r.zhiyin?.count ?? '—'),
        r.zhiyin ? (r.zhiyin.correct ? 'yes' : 'NO') : '—',
        r.zhiyin ? fmtSummary(r.zhiyin.p50ms) : '—',
        r.orthanc ? `${r.orthanc.count} result(s)` : '—',
      ]);
    }
    out.push('', textTable(c));
  }
  const reading = result.runs?.reading?.zhiyin?.[0];
  if (reading) out.push('', textTable(readingRows(reading)));
  if (result.failures.length) {
    out.push('', `!!! ${result.failures.length} WRONG ANSWER(S) / FAILURE(S):`);
    for (const f of result.failures)
      out.push(`!!! [${f.server}] ${f.scenario}: ${f.what}: ${f.detail}${f.times > 1 ? ` (×${f.times})` : ''}`);
  } else
    out.push(
      '',
      'No wrong answer: every checked answer matched the manifest (QIDO-RS UIDs, WADO-RS bytes by SHA-256).',
    );
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------- BENCHMARKS.md

/** @param {string[]} head @param {string[][]} rows */
function mdTable(head, rows) {
  const esc = (/** @type {string} */ s) => String(s).replace(/\|/g, '\\|');
  return [
    `| ${head.map(esc).join(' | ')} |`,
    `|${head.map((_, i) => (i === 0 ? '---' : '--:')).join('|')}|`,
    ...rows.map((r) => `| ${r.map(esc).join(' | ')} |`),
  ].join('\n');
}

/** @param {any} r */
function mdRun(r) {
  const out = [];
  const mt = r.machine;
  const v = r.versions;
  out.push(
    `- **Date**: ${r.date.slice(0, 16).replace('T', ' ')} UTC — results file \`tools/bench/results/${r.file}\``,
    `- **Machine**: ${mt.cpu}, ${mt.cores} cores, ${fmt(mt.memoryGB, 1)} GB RAM, ${mt.virtualization ? `virtualization: ${mt.virtualization} (systemd-detect-virt), ` : ''}` +
      `disk ${mt.disk.device ?? '?'} (${mt.disk.rotational === false ? 'non-rotational' : mt.disk.rotational ? 'the kernel reports it rotational' : 'unknown type'}), ` +
      `file system ${mt.disk.fsType}; Linux ${mt.kernel}. Both servers store on the same file system: ${r.options.sameFileSystem ? 'yes' : 'NO'}.`,
    `- **Versions**: Orthanc ${v.orthanc ?? '—'} with DICOMweb plugin ${v.dicomweb ?? '—'} (SQLite index); Zhiyin ${v.zhiyin ?? '—'} at commit ${v.commit ?? '—'}` +
      `${v.dirty ? ' (plus uncommitted work in the tree at build time)' : ''} on Node.js ${v.node} with PostgreSQL ${v.postgres ?? '—'} ` +
      `(${r.options.database})`,
    `- **Data set**: \`${r.preset}\` — ${r.dataset.instances} instances, ${fmt(r.dataset.bytes / 1e6, 1)} MB, ${r.dataset.studies} studies, ` +
      `${r.dataset.series} series, ${r.dataset.patients} patients (CT slices, DX images, 12-lead ECGs; Chinese patient names)`,
    `- **Options**: ${r.options.reps} repetitions per server, alternating Zhiyin/Orthanc; STOW-RS ${[r.options.batch].flat().join(' and ')} instance(s) per request at ` +
      `concurrency ${r.options.stowConcurrency.join(' and ')}, every pass from an empty server; QIDO-RS ${r.options.qidoRounds} sequential rounds ` +
      `over ${r.queries.length} queries after one warm-up round; WADO-RS at concurrency ${r.options.wadoConcurrency}` +
      `${r.options.only.includes('big') ? `; big request ${fmt(r.options.bigBytes / 1e9, 2)} GB` : ''}`,
    `- **Durability**: ${r.durability.orthanc} ${r.durability.zhiyin} ${r.durability.postgres}`,
    ...(r.load
      ? [
          `- **Machine load**: 1-minute load average ${fmt(r.load.loadAverageStart)} at the start, ${fmt(r.load.loadAverageEnd)} at the end; ` +
            `the CPUs were ${fmt(r.load.busyPercent, 0)}% busy over the run (servers, client — ${fmt(r.load.clientCpuSeconds, 0)} CPU s — ` +
            'and anything else running on the machine). The run took ' +
            `${fmt(r.minutes, 1)} minutes.`,
        ]
      : []),
    '',
  );
  const headRow = [
    'metric',
    'unit',
    'Zhiyin median (min–max)',
    'Orthanc median (min–max)',
    'Zhiyin ÷ Orthanc',
    'target',
  ];
  const rowsOf = (/** @type {(m: Metric) => boolean} */ pred) =>
    r.metrics
      .filter(pred)
      .map((/** @type {Metric} */ m) => [
        m.label,
        m.unit,
        fmtSummary(m.zhiyin),
        fmtSummary(m.orthanc),
        ratioText(m.ratio, m.better),
        m.target ? `${m.target}: ${m.met === undefined ? 'n/a' : m.met ? '**met**' : '**not met**'}` : '',
      ]);
  const sections = [
    ['STOW-RS ingest', (/** @type {Metric} */ m) => m.scenario.startsWith('stow')],
    ['QIDO-RS', (/** @type {Metric} */ m) => m.scenario === 'qido'],
    ['WADO-RS', (/** @type {Metric} */ m) => m.scenario.startsWith('wado')],
    ['1 GB single STOW-RS request', (/** @type {Metric} */ m) => m.scenario.startsWith('big')],
  ];
  for (const [title, pred] of sections) {
    const rows = rowsOf(/** @type {(m: Metric) => boolean} */ (pred));
    if (!rows.length) continue;
    out.push(`### ${title}`, '', mdTable(headRow, rows), '');
    const ref = title === 'STOW-RS ingest' ? referenceRows(r.metrics) : [];
    const restated = title === 'STOW-RS ingest' ? restatedRows(r.metrics, true) : [];
    if (restated.length) {
      out.push(
        "The restated STOW-RS targets (issue 15), each cell measured in this run: at least Orthanc's MB/s, and at least 0.9 " +
          "of the bare write path's MB/s with Zhiyin's flushes (file and directory fsync, commit flushed), medians over the " +
          'repetitions (min–max):',
        '',
        mdTable(RESTATED_HEAD, restated),
        '',
      );
    }
    if (ref.length) {
      out.push(
        'Reference measured in the same passes (`tools/bench/lib/bare-store.mjs`): the **bare write path**, a Node.js ' +
          'process that only receives each request, splits its parts, SHA-256s each, writes it to a content-addressed file ' +
          'and records the request with one INSERT in PostgreSQL before answering — no DICOM parsing, no study/series/instance ' +
          "index, no authentication, no audit — flushing as each row says (Zhiyin's way, Orthanc's way, or between). It shows what the " +
          'machine, the disk and this client allow a server that flushes that way to reach: a ratio to Orthanc above the ' +
          "bare path's own is out of reach for a server that stores the same way.",
        '',
        mdTable(REFERENCE_HEAD, ref),
        '',
      );
    }
    if (title === 'QIDO-RS' && r.perQuery?.length) {
      out.push(
        'Per query (p50 ms, median over repetitions; count = results of the last round, checked against the manifest every round):',
        '',
        mdTable(
          [
            'query',
            'expected',
            'Zhiyin p50 ms',
            'Zhiyin count',
            'Orthanc p50 ms',
            'Orthanc count',
            'Zhiyin ÷ Orthanc p50',
          ],
          r.perQuery.map((/** @type {any} */ q) => [
            `${q.label}${q.chinese ? ' ★' : ''}`,
            String(q.expected),
            fmt(q.zhiyin.p50.median),
            `${q.zhiyin.count ?? '—'}${q.zhiyin.wrong ? ' ✗' : ''}`,
            fmt(q.orthanc.p50.median),
            `${q.orthanc.count ?? '—'}${q.orthanc.wrong && !q.chinese ? ' ✗' : ''}`,
            q.chinese ? 'no ratio ★' : fmt(q.zhiyin.p50.median / q.orthanc.p50.median),
          ]),
        ),
        '',
        '★ Chinese-name query: Orthanc 1.10 matches no non-ASCII value, so it has no peer figure; Zhiyin must return the ' +
          'expected studies. ✗ = a count or UID set that differs from the manifest.',
        '',
      );
    }
    if (title === '1 GB single STOW-RS request') {
      for (const key of ['big', 'big-many']) {
        const b = r.runs[key];
        if (!b) continue;
        const z = b.zhiyin?.[0];
        const o = b.orthanc?.[0];
        const parts = z?.parts ?? o?.parts;
        const bytes = z?.requestBytes ?? o?.requestBytes;
        out.push(
          `${key === 'big' ? 'Largest files' : 'CT slices'}: one request of ${parts} DICOM parts (${fmt(bytes / 1e9, 2)} GB, ` +
            `${fmt(bytes / parts / 1e6)} MB a part), streamed by the client (the body is never held in memory). ` +
            'Peak RSS sampled every 50 ms: Zhiyin ' +
            `${fmtSummary(summary(b.zhiyin?.map((/** @type {any} */ x) => x.peakRssSampledMB) ?? []))} MB ` +
            `(RSS before the request ${fmt(z?.rssBeforeMB)} MB, VmHWM before it ${fmt(z?.vmHwmBeforeMB)} MB), Orthanc ` +
            `${fmtSummary(summary(b.orthanc?.map((/** @type {any} */ x) => x.peakRssSampledMB) ?? []))} MB.`,
          '',
        );
      }
    }
  }
  if (r.chinese?.length) {
    out.push(
      '### Chinese-name queries (Zhiyin only; no ratio)',
      '',
      mdTable(
        ['query', 'expected studies', 'Zhiyin results', 'correct', 'Zhiyin p50 ms', 'Orthanc results'],
        r.chinese.map((/** @type {any} */ c) => [
          c.label,
          String(c.expected),
          String(c.zhiyin?.count ?? '—'),
          c.zhiyin ? (c.zhiyin.correct ? 'yes' : '**no**') : '—',
          c.zhiyin ? fmtSummary(c.zhiyin.p50ms) : '—',
          String(c.orthanc?.count ?? '—'),
        ]),
      ),
      '',
    );
  }
  out.push('### Answer checks', '');
  if (r.failures.length) {
    out.push(`${r.failures.length} wrong answer(s) or failure(s) in this run:`, '');
    for (const f of r.failures)
      out.push(`- **${f.server}**, ${f.scenario}: ${f.what} — ${f.detail}${f.times > 1 ? ` (${f.times} times)` : ''}`);
  } else {
    out.push(
      'Every QIDO-RS answer matched the manifest and every WADO-RS instance matched its uploaded file by SHA-256, for both servers.',
    );
  }
  if (r.skipped?.length) out.push('', ...r.skipped.map((/** @type {string} */ s) => `- Not measured: ${s}`));
  if (r.incidents?.length) out.push('', ...r.incidents.map((/** @type {string} */ s) => `- Incident: ${s}`));
  out.push('');
  return out.join('\n');
}

/**
 * Date, machine, versions and load of a run: the lines every results section starts with.
 * @param {any} r @param {boolean} [peer]  whether the section compares with Orthanc
 */
function mdRunHead(r, peer = true) {
  const mt = r.machine;
  const v = r.versions;
  return [
    `- **Date**: ${r.date.slice(0, 16).replace('T', ' ')} UTC — results file \`tools/bench/results/${r.file}\``,
    `- **Machine**: ${mt.cpu}, ${mt.cores} cores, ${fmt(mt.memoryGB, 1)} GB RAM, ${mt.virtualization ? `virtualization: ${mt.virtualization} (systemd-detect-virt), ` : ''}` +
      `disk ${mt.disk.device ?? '?'} (${mt.disk.rotational === false ? 'non-rotational' : mt.disk.rotational ? 'the kernel reports it rotational' : 'unknown type'}), ` +
      `file system ${mt.disk.fsType}; Linux ${mt.kernel}.`,
    `- **Versions**: Zhiyin ${v.zhiyin ?? '—'} at commit ${v.commit ?? '—'}${v.dirty ? ' (plus uncommitted work in the tree at build time)' : ''} ` +
      `on Node.js ${v.node} with PostgreSQL ${v.postgres ?? '—'} (${r.options.database})` +
      `${peer && v.orthanc ? `; Orthanc ${v.orthanc} (SQLite index), its DICOM server as configured by \`../shared/peers/orthanc/start.sh\`` : ''}`,
    ...(r.load
      ? [
          `- **Machine load**: 1-minute load average ${fmt(r.load.loadAverageStart)} at the start, ${fmt(r.load.loadAverageEnd)} at the end; ` +
            `the CPUs were ${fmt(r.load.busyPercent, 0)}% busy over the run (servers, client — ${fmt(r.load.clientCpuSeconds, 0)} CPU s — ` +
            `and anything else running on the machine). The run took ${fmt(r.minutes, 1)} minutes.`,
        ]
      : []),
  ];
}

/** The failures of one group of scenarios, or the sentence that there were none. @param {any} r @param {string} prefix @param {string} ok */
function mdChecks(r, prefix, ok) {
  const mine = r.failures.filter((/** @type {any} */ f) => f.scenario.startsWith(prefix));
  if (!mine.length) return [ok];
  return [
    `${mine.length} failure(s) in this run:`,
    '',
    ...mine.map(
      (/** @type {any} */ f) =>
        `- **${f.server}**, ${f.scenario}: ${f.what} — ${f.detail}${f.times > 1 ? ` (${f.times} times)` : ''}`,
    ),
  ];
}

/** The storescu (C-STORE) section of a run. @param {any} r */
function mdDimse(r) {
  const rows = r.metrics
    .filter((/** @type {Metric} */ m) => m.scenario.startsWith('dimse'))
    .map((/** @type {Metric} */ m) => [
      m.label,
      m.unit,
      fmtSummary(m.zhiyin),
      fmtSummary(m.orthanc),
      ratioText(m.ratio, m.better),
      m.target ? `${m.target}: ${m.met === undefined ? 'n/a' : m.met ? '**met**' : '**not met**'}` : '',
    ]);
  const one = r.runs['dimse-association']?.zhiyin?.[0] ?? r.runs['dimse-study']?.zhiyin?.[0];
  return [
    ...mdRunHead(r),
    `- **Data set**: \`${r.preset}\` — ${r.dataset.instances} instances, ${fmt(r.dataset.bytes / 1e6, 1)} MB, ${r.dataset.studies} studies`,
    `- **Client**: Debian's dcmtk \`storescu\` (default presentation contexts: the files' Explicit VR Little Endian is sent as it is), ` +
      `the same files to both servers: ${(r.options.storescu ?? []).map((/** @type {string} */ m) => (m === 'association' ? 'one association with every file' : `one association per study (${r.dataset.studies} in sequence)`)).join(', and ')}. ` +
      `${r.options.reps} repetitions per server, alternating Zhiyin/Orthanc, every pass into an empty server (Orthanc through \`reset.sh\`, ` +
      'Zhiyin restarted on a new database and DATA_DIR, its calling AE title registered to a centre by the administrator before the clock starts). ' +
      'The time is storescu’s, from its start to its exit.',
    `- **Checked in every pass**: storescu reported Success for every file; QIDO-RS \`/studies/{uid}/instances\` of every study lists every SOP Instance UID sent ` +
      `(${one ? `${one.found}/${one.instances}` : '—'} in Zhiyin's first pass); ${r.options.wadoSample} instances spread over the data set retrieved by WADO-RS, ` +
      'their data set (after the File Meta Information, which each server writes itself) byte-identical to the file sent.',
    `- **Durability**: ${r.durability.orthanc.replace(/STOW-RS/g, 'C-STORE')} Zhiyin's C-STORE goes through the same ingest as its STOW-RS: ` +
      'file and directory flushed, index and audit rows committed in PostgreSQL before the C-STORE response.',
    '',
    mdTable(
      ['metric', 'unit', 'Zhiyin median (min–max)', 'Orthanc median (min–max)', 'Zhiyin ÷ Orthanc', 'target'],
      rows,
    ),
    '',
    ...mdChecks(
      r,
      'storescu',
      'Every file was stored (storescu: Success), found by QIDO-RS, and every sampled instance came back byte-identical, for both servers.',
    ),
    '',
  ].join('\n');
}

/** The routing section of a run (Zhiyin only: no peer routes referrals). @param {any} r */
function mdRouting(r) {
  const first = r.runs.routing?.zhiyin?.[0];
  const rows = r.metrics
    .filter((/** @type {Metric} */ m) => m.scenario === 'routing')
    .map((/** @type {Metric} */ m) => [
      m.label,
      m.unit,
      fmtSummary(m.zhiyin),
      m.target ? `${m.target}: ${m.met === undefined ? 'n/a' : m.met ? '**met**' : '**not met**'}` : '',
    ]);
  const o = r.options.routing ?? {};
  // runs made before critical results existed have no alert figures
  const critical = Boolean(first && 'alertP99ms' in first);
  return [
    ...mdRunHead(r, false),
    `- **Load**: ${first?.centres ?? 11} community centres submit at the same time, each ${o.perCentre} referrals, ` +
      `${o.interval ? `one every ${fmt(o.interval / 1000, 1)} s (staggered starts: ${fmt(((first?.centres ?? 11) * 1000) / o.interval, 0)} submits a second together)` : 'back to back'} ` +
      `(ECG and imaging alternately; ROUTINE, URGENT, ROUTINE, STAT in turn), each prepared beforehand with a study of its own stored by STOW-RS ` +
      `and attached. ${first?.clients ?? o.clients} socket.io clients (socket.io-client over WebSocket, one connection each) are connected ` +
      `throughout, signed in as ${first?.users ?? '—'} users: every specialist twice (${first?.specialists ?? '—'} on duty: the seeded 4 and ` +
      `${o.extraSpecialists} made per service), the coordinator on 20 screens, and the rest spread over the community doctors ` +
      `(the seeded one and ${o.extraDoctors} made per centre). Each user signs in once and its token is reused by its connections. ` +
      'A specialist accepts each offer as it arrives (as from the offer card), which makes them free for the next one.',
    '- **Measured**: from sending the submit request to the `offer.made` event on a socket of the specialist the router chose ' +
      '(the first of that specialist’s connections to receive it); events delivered = every event received by every client from the ' +
      'first submit until one second without any event, per second of that window. The client (1,000 connections) runs in the bench ' +
      'process on the same 2 cores as the API and PostgreSQL.',
    ...(critical
      ? [
          '- **Critical results (危急值)**: once every offer is accepted, with the same clients still connected, the reader who holds each ' +
            'referral raises a critical result on it (`POST /api/referrals/{id}/critical-results`, the reading workspace’s button; acute ' +
            'STEMI on ECG, aortic dissection on imaging), paced as the submits were. Measured from sending the raise request to the ' +
            '`critical.raised` event on a socket of the referral’s referring doctor (the first of that doctor’s connections to receive it); ' +
            'every alert must arrive, and none may reach a doctor of another centre.',
        ]
      : []),
    `- **Repetitions**: ${r.options.reps}, each on a freshly started API with a new database; medians with min–max.`,
    '- **No peer**: no open-source peer routes referrals to readers, so these figures have no ratio.',
    '',
    mdTable(['metric', 'unit', 'Zhiyin median (min–max)', 'target'], rows),
    '',
    ...(critical
      ? []
      : [
          '- **Critical result (危急值) → the referring doctor’s alert**: not measured in this run (made before critical results existed).',
          '',
        ]),
    ...mdChecks(
      r,
      'routing',
      'Every submitted referral was offered to exactly one specialist and accepted; afterwards every referral was in the state accepted' +
        (critical
          ? '. Every critical result reached its referring doctor, and no doctor of another centre was alerted.'
          : '.'),
    ),
    '',
  ].join('\n');
}

/** The modality → offer section of a run (Zhiyin alone). @param {any} r */
function mdModality(r) {
  const first = r.runs.modality?.zhiyin?.[0];
  const rows = r.metrics
    .filter((/** @type {Metric} */ m) => m.scenario === 'modality')
    .map((/** @type {Metric} */ m) => [m.label, m.unit, fmtSummary(m.zhiyin)]);
  return [
    ...mdRunHead(r, false),
    `- **Load**: ${r.options.modalityReps} studies one after the other, a 12-lead ECG (1 instance) and a CT study ` +
      `(${first?.ctInstances ?? '—'} slices of the data set) in turn, each sent by Debian's dcmtk \`storescu\` (one association) ` +
      'from the calling AE title the administrator registered to the centre, with the Accession Number of a referral of that ' +
      'centre created (with the patient’s consent) just before and the patient’s record number as Patient ID. One on-duty ' +
      'specialist of each service is connected by socket.io and accepts each offer at once.',
    '- **Measured**: from storescu’s last byte — its exit, after every C-STORE response and the association’s release — to the ' +
      '`offer.made` event on the specialist’s socket. The rules submit a referral only with a study attached and only a submit ' +
      'routes it; the C-STORE answer comes after the study is linked to the referral its Accession Number names, and the ' +
      'community doctor submits the referral through the API at once (`POST /api/referrals/{id}/events`, `submit`), so the ' +
      'figure is storescu’s exit → submit → router’s offer → outbox → socket. A submit answered with an error counts as a failure.',
    `- **Repetitions**: ${r.options.reps} run(s) of ${r.options.modalityReps} studies, each run on a freshly started API with a new database; medians over runs with min–max (one run: its own figure).`,
    '- **No peer**: no open-source peer routes referrals to readers, so these figures have no ratio.',
    '',
    mdTable(['metric', 'unit', 'Zhiyin median (min–max)'], rows),
    '',
    ...mdChecks(
      r,
      'modality',
      'Every storescu reported success, every submit was accepted, and every referral was offered to the reader of its service.',
    ),
    '',
  ].join('\n');
}

/** The gateway over the emulated community link (Zhiyin alone). @param {any} r */
function mdGateway(r) {
  const v = r.runs.gateway.zhiyin[0];
  const l = v.link;
  const pct = (/** @type {number} */ x) => `${fmt(100 * x, 0)}%`;
  const rows = v.reps.map((/** @type {any} */ x, /** @type {number} */ i) => [
    String(i + 1),
    `${fmt(x.seconds, 1)} s`,
    `${fmt(x.lineRateSeconds, 1)} s`,
    `${fmt(x.ratio, 2)}×`,
    `${fmt(x.effectiveMbit, 1)} Mbit/s`,
    `${fmt(x.wireUpBytes / 1e6, 1)} of ${fmt(x.rawBytes / 1e6, 1)} MB (${pct(x.wireRatio)})`,
    `${x.deflated}/${x.instances}`,
    String(x.cuts),
    String(x.retries),
    `${fmt(x.storescuSeconds, 1)} s`,
    x.arrivedOnce && x.identical ? 'yes' : '**no**',
  ]);
  return [
    ...mdRunHead(r, false),
    `- **Study**: the reading scenario’s generated chest CT (\`tools/bench/lib/reading-data.mjs\`): ${v.reps[0]?.instances ?? '—'} slices ` +
      '512×512, 16-bit, Explicit VR Little Endian, uncompressed — body, fat rim, lungs, heart, spine and a 10 mm nodule with ±15 HU ' +
      'uniform noise on every pixel. zlib level 6 takes its files to about 45% of their size, between the real CTs of the shared ' +
      'samples (the ankle CT with its padding: 12%; a 128×128 CT: 63%). A new Study/Series/SOP Instance UID set for every repetition.',
    `- **Link**: the gateway (\`apps/gateway\`, its own process, an empty queue, ${r.options.gatewayConcurrency ?? 2} uploads in parallel) and ` +
      '`storescu` run in a network namespace of this machine joined to the hub’s by a veth pair with a `tc` token bucket of ' +
      `${l.mbit} Mbit/s on both ends (burst 32 kB, at most 200 ms queued). The kernel has no netem: a ${l.rttMs} ms round trip ` +
      `(${l.rttMs / 2} ms each way) and a cut of every connection once it has carried ${fmt(l.cutEveryBytes / 1048576, 0)} MiB come from ` +
      'the link proxy in front of the hub (`tools/link-proxy/link-proxy.mjs`, the one the gateway tests use).',
    '- **Measured**: from storescu’s start (the modality’s first byte) to the last instance acknowledged by the hub (the time ' +
      'the gateway’s journal marked it sent, after the hub’s answer), against the raw bytes’ line-rate time — the bytes of the ' +
      `files storescu sent × 8 / ${l.mbit} Mbit/s. On the wire: the bytes the proxy carried towards the hub (requests, headers ` +
      'and bodies, the worklist’s and the token’s too). The link can only be beaten by sending fewer bytes: the gateway deflates ' +
      'a file for the link when that saves at least 5%, and the hub inflates it and checks its SHA-256 before it stores it.',
    '- **Checked**: every instance at the hub once (QIDO-RS of the study), and its data set byte-identical to the file ' +
      'storescu sent (WADO-RS of the study, SHA-256 of each data set).',
    '',
    mdTable(
      [
        'rep',
        'to last ack',
        'line rate',
        'ratio',
        'raw bytes’ rate',
        'on the wire',
        'deflated',
        'cuts',
        'retries',
        'storescu',
        'once, identical',
      ],
      rows,
    ),
    '',
    `Median: **${fmt(v.ratio, 2)}×** the line-rate time (goal ≤ 1.0×), ${fmt(v.seconds, 1)} s for ${fmt(v.rawMB, 1)} MB, ` +
      `${fmt(v.wireMB, 1)} MB on the wire (${pct(v.wireRatio)}).`,
    '',
    ...mdChecks(r, 'gateway', 'Every instance arrived at the hub once and byte-identical, in every repetition.'),
    '',
  ].join('\n');
}

/** The reading-room table: p50s of both viewers and Zhiyin ÷ OHIF (below 1: Zhiyin is faster). @param {any} v */
function readingRows(v) {
  const ms = (/** @type {number | null} */ x) => (x === null || x === undefined ? '—' : `${fmt(x, 0)} ms`);
  const ratio = (/** @type {number | null} */ x) => (x === null || x === undefined ? '—' : `${fmt(x, 2)}×`);
  const frames = (/** @type {any[]} */ runs, /** @type {number} */ n) =>
    runs.length ? `${Math.min(...runs.map((x) => x.frames))}/${n}` : '—';
  return [
    [
      'study (cold page)',
      'first image Zhiyin p50',
      'first image OHIF p50',
      'Zhiyin ÷ OHIF',
      'whole stack Zhiyin p50',
      'whole stack OHIF p50',
      'Zhiyin ÷ OHIF',
      'frames received Zhiyin / OHIF (fewest)',
    ],
    ...v.studies.map((/** @type {any} */ s) => [
      s.label,
      ms(s.zhiyin.firstP50),
      ms(s.ohif.firstP50),
      ratio(s.firstRatio),
      ms(s.zhiyin.stackP50),
      ms(s.ohif.stackP50),
      ratio(s.stackRatio),
      `${frames(s.zhiyin.runs, s.frames)} / ${frames(s.ohif.runs, s.frames)}`,
    ]),
  ];
}

/** The reading-room section of a run (Zhiyin's reading room against OHIF on the same server). @param {any} r */
function mdReading(r) {
  const v = r.runs.reading.zhiyin[0];
  const [head, ...rows] = readingRows(v);
  const firstMet = v.studies.every(
    (/** @type {any} */ s) =>
      s.zhiyin.firstP50 !== null && s.firstRatio !== null && s.firstRatio <= 1 && s.zhiyin.firstP50 < 1000,
  );
  return [
    ...mdRunHead(r, false),
    `- **OHIF**: \`@ohif/app\` ${v.ohifVersion} (its prebuilt \`dist/\`, unchanged), served on one origin with Zhiyin's DICOMweb ` +
      'behind it (`apps/api/interop/ohif-server.mjs`): the same Zhiyin process, database and files as the reading room in the same run.',
    '- **Cases**: each study is a community doctor’s imaging referral with the study attached, submitted and taken from the ' +
      'pool by a radiologist (`POST /api/referrals/claim-next`, the reading room’s N key); Zhiyin opens `/reading/{referral}` signed in as that radiologist, OHIF opens ' +
      '`/viewer?StudyInstanceUIDs=…` and its DICOMweb requests carry the same radiologist’s token.',
    '- **Measured**: a cold page every time (a new browser context, empty cache, service workers blocked), in Debian’s Chromium ' +
      '(headless, WebGL through SwiftShader, the browser itself started: each viewer’s start page was opened once, unmeasured, before the runs), 1440×900. From the navigation to the first image drawn — the ' +
      '`data-first-image` mark Zhiyin sets when an image is on screen (on `[data-testid=image-viewport]`, or on the page-wide first image a case opened cold shows before the app has loaded, `[data-testid=boot-image]`), otherwise the first time a canvas of the viewer is not blank (read on every ' +
      'animation frame) — and to the whole stack loaded — the viewer’s `data-stack-loaded` mark, otherwise the last of the study’s ' +
      'frames received (WADO-RS `/frames/…`); a viewer that stops fetching for 10 s before it has every frame (loads on demand) has no stack time. ' +
      `${r.options.reps} repetitions, the two viewers taking turns to go first, each opening started once the machine was nearly idle again (at most 20% busy over a quarter second, or after 10 s; from the 2026-12-07 17:25 run on); p50 of the repetitions.`,
    `- **Goal (issue 14)**: first image at most OHIF’s time and under 1 s, for every study: ${firstMet ? '**met**' : '**not met**'} in this run.`,
    '',
    mdTable(head ?? [], rows),
    '',
    ...mdChecks(r, 'reading', 'Both viewers drew every study’s image in every repetition.'),
    '',
  ].join('\n');
}

const NOTES_START = '<!-- notes:start (kept when the file is regenerated) -->';
const NOTES_END = '<!-- notes:end -->';

/**
 * Writes BENCHMARKS.md from the newest results file of each data-set preset (and the newest one with the 1 GB
 * test), keeping the hand-written notes section and what follows it.
 * @param {string} resultsDir @param {string} outFile
 */
export function renderMarkdown(resultsDir, outFile) {
  const files = existsSync(resultsDir)
    ? readdirSync(resultsDir)
        .filter((f) => f.endsWith('.json'))
        .sort()
    : [];
  const all = files.map((f) => ({ ...JSON.parse(readFileSync(join(resultsDir, f), 'utf8')), file: f }));
  /** @type {Map<string, any>} */
  const latest = new Map();
  for (const r of all) if (r.runs?.qido || r.runs?.['stow-c4'] || r.runs?.['wado-study']) latest.set(r.preset, r);
  const withBig = [...all].reverse().find((r) => r.runs?.big || r.runs?.['big-many']);
  const order = ['medium', 'small', ...[...latest.keys()].filter((k) => k !== 'medium' && k !== 'small')];
  let notes = '';
  // sections after the notes (e.g. the web app's figures, written by its browser tests' run) are kept as they are
  let after = '';
  if (existsSync(outFile)) {
    const old = readFileSync(outFile, 'utf8');
    const a = old.indexOf(NOTES_START);
    const b = old.indexOf(NOTES_END);
    if (a >= 0 && b > a) {
      notes = old.slice(a + NOTES_START.length, b).trim();
      after = old.slice(b + NOTES_END.length).trim();
    }
  }
  const out = [
    '# Benchmarks',
    '',
    'Zhiyin states its DICOMweb speed as ratios against **Orthanc 1.10 with its DICOMweb plugin**, measured in the **same run**, on the ' +
      'same machine, with the same generated data set and the same client (`tools/bench/`). Each results section below ' +
      'comes from one `npm run bench` run; numbers from different runs or machines are never compared with each other.',
    '',
    'How a run works:',
    '',
    '- Both servers run side by side on loopback; for every scenario and repetition the client measures Zhiyin, then Orthanc, then ' +
      'Zhiyin again, … (the WADO-RS repetitions take turns to go first, after one unmeasured pass of each kind against each ' +
      'server: the first pass after the load ran at about half speed whichever server it read from). Medians over the ' +
      'repetitions, with min–max.',
    '- The STOW-RS passes cover concurrency 4 and 1 with 1 and with 16 instances per request (`--stow-concurrency`, `--batch`), ' +
      "the cells of the restated targets (issue 15): at least Orthanc's MB/s and at least 0.9 of the bare write path's with the same flushes.",
    '- Every STOW-RS pass starts from an empty server: Orthanc through `reset.sh` (storage deleted, restarted), Zhiyin restarted on a ' +
      'freshly created PostgreSQL database and a fresh `DATA_DIR`.',
    '- Ratios are Zhiyin ÷ Orthanc of the medians; each row says whether higher or lower is better.',
    '- The STOW-RS passes also measure a reference, the bare write path (`tools/bench/lib/bare-store.mjs`): what a ' +
      'server that does nothing but receive, hash, write and flush reaches on the same machine with the same client ' +
      '(`--no-reference` leaves it out).',
    "- Server CPU time comes from `/proc/<pid>/stat` (Orthanc's PID from its pid file; Zhiyin's Node.js process, plus its PostgreSQL " +
      "backends reported separately in the results file). The load generator shares the machine's cores with the servers.",
    "- The DICOM network scenario (`--only dimse`) sends the same files with Debian's dcmtk `storescu` to Zhiyin's DICOM port and to " +
      "Orthanc's (`ORTHANC_DICOM_PORT`), alternating the servers and starting every pass from an empty server as the STOW-RS passes do. " +
      'The routing scenario (`--only routing`) measures Zhiyin alone: no peer routes referrals to readers.',
    '- Answers are checked in the same run: QIDO-RS result UIDs against the data-set manifest, every WADO-RS instance by SHA-256 against ' +
      'the uploaded file, every STOW-RS answer for a referenced SOP per instance and no failed SOP. A fast wrong answer is reported as ' +
      'a failure, not as a result.',
    '',
    '## How to run',
    '',
    '```',
    'npm run bench                                   # medium data set, 3 repetitions: STOW-RS, QIDO-RS, WADO-RS',
    'npm run bench -- --preset small --big           # options go after --',
    'npm run bench -- --preset small --reps 3 --only stow,qido,wado,big',
    'npm run bench -- --big                          # adds the 1 GB single-request test',
    "npm run bench -- --only dimse                   # dcmtk storescu (C-STORE) into both servers' DICOM ports",
    'npm run bench -- --only routing                 # 11 centres submitting, 1,000 socket.io clients (Zhiyin only)',
    "npm run bench -- --only modality                # storescu of a study for a waiting referral → offer on the reader's socket (Zhiyin only)",
    'npm run bench -- --only reading                 # cases opened cold in the reading room and in OHIF, same server',
    'npm run bench -- --only gateway --servers zhiyin  # a CT through the gateway over an emulated 10 Mbit/s link (root)',
    'node tools/bench/bench.mjs --help            # every option',
    '```',
    '',
    'On a fresh machine the bench installs what it lacks: Orthanc and its DICOMweb plugin (`../shared/peers/orthanc/install.sh`, as ' +
      "root) and the data-set generator's `python3-pydicom`/`python3-numpy`, then generates the data set into `tools/bench/bench-data/` " +
      '(git-ignored). Zhiyin uses the local PostgreSQL server given by `ZHIYIN_BENCH_PG` (default `postgres://postgres@127.0.0.1:5432/postgres`; ' +
      'a database is created and dropped for every ingest pass) — `--embedded-pg` uses the embedded PostgreSQL instead. The bench is not part ' +
      'of `npm test`: no test ever fails on a timing.',
    '',
  ];
  const targetsOf = (/** @type {any} */ r) => {
    const t = r.metrics.filter((/** @type {Metric} */ m) => m.target);
    const rows = t.flatMap((/** @type {Metric} */ m) => [
      [
        `${m.label} (${m.unit})${m.targetIssue ? ` — issue ${m.targetIssue}` : ''}`,
        m.target ?? '',
        m.id.endsWith('vmHwmMB') ? `${fmt(m.zhiyin.max)} MB (highest)` : fmt(m.ratio),
        m.met === undefined ? 'n/a' : m.met ? 'met' : '**not met**',
      ],
      ...(m.targetIssue === 15
        ? [
            [
              `${m.label} (${m.unit}) ÷ bare write path, same flushes — issue 15`,
              'ratio ≥ 0.9',
              m.bareRatio === undefined ? '—' : fmt(m.bareRatio),
              m.bareMet === undefined ? 'n/a' : m.bareMet ? 'met' : '**not met**',
            ],
          ]
        : []),
    ]);
    if (r.chinese?.length) {
      const ok = r.chinese.every((/** @type {any} */ c) => c.zhiyin?.correct);
      rows.push([
        'Chinese-name queries return the right studies',
        'all correct',
        `${r.chinese.filter((/** @type {any} */ c) => c.zhiyin?.correct).length}/${r.chinese.length}`,
        ok ? 'met' : '**not met**',
      ]);
    }
    return rows;
  };
  for (const preset of order) {
    const r = latest.get(preset);
    if (!r) continue;
    out.push(`## Results: \`${preset}\` data set`, '');
    out.push(
      'Targets in this run (issue 4 unless the row names another):',
      '',
      mdTable(['target', 'wanted', 'measured', ''], targetsOf(r)),
      '',
    );
    out.push(mdRun(r));
  }
  if (withBig && ![...latest.values()].includes(withBig)) {
    out.push(`## Results: 1 GB single STOW-RS request (\`${withBig.preset}\` data set files)`, '');
    out.push('Target (issue 4):', '', mdTable(['target', 'wanted', 'measured', ''], targetsOf(withBig)), '');
    out.push(mdRun(withBig));
  }
  const withDimse = [...all].reverse().find((r) => r.runs?.['dimse-association'] || r.runs?.['dimse-study']);
  if (withDimse) {
    out.push('## Results: DICOM C-STORE with dcmtk `storescu` (issue 15)', '');
    out.push(mdDimse(withDimse));
  }
  const withRouting = [...all].reverse().find((r) => r.runs?.routing);
  if (withRouting) {
    out.push('## Results: routing and real-time events (issue 16; Zhiyin only, no peer)', '');
    out.push(mdRouting(withRouting));
  }
  const withModality = [...all].reverse().find((r) => r.runs?.modality);
  if (withModality) {
    out.push('## Results: modality → offer (issue 15; Zhiyin only, no peer)', '');
    out.push(mdModality(withModality));
  }
  const withReading = [...all].reverse().find((r) => r.runs?.reading?.zhiyin?.length);
  if (withReading) {
    out.push('## Results: the reading room against OHIF (issue 14)', '');
    out.push(mdReading(withReading));
  }
  const withGateway = [...all].reverse().find((r) => r.runs?.gateway?.zhiyin?.length);
  if (withGateway) {
    out.push('## Results: a CT through the community gateway over an emulated weak link (issue 15; Zhiyin only)', '');
    out.push(mdGateway(withGateway));
  }
  out.push('## Notes', '', NOTES_START, notes, NOTES_END, '');
  if (after) out.push(after, '');
  writeFileSync(outFile, out.join('\n'));
}
