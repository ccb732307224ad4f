import { Inject, Injectable, Optional } from '@nestjs/common';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { CLOCK, type Clock } from '#src/common/clock.js';
import { AppError } from '#src/common/errors.js';
import type { ServerLimitsObserver } from '#src/common/http/server-limits.js';
import type { RequestEnd } from '#src/common/logging/request-log.js';
import { RealtimeGateway } from '#src/modules/realtime/realtime.gateway.js';
import { MetricsRepository } from './metrics.repository.js';
import { SWEEPER_STATS, type SweeperStats } from './sweeper-stats.js';

/** How a study arrived: one STOW-RS request, or a resumable (tus) upload. */
export type StowVia = 'stow' | 'upload';

// Routes whose request bodies are studies being received.
const STUDY_ROUTES: Record<string, StowVia> = {
  'POST /dicomweb/studies': 'stow',
  'POST /dicomweb/studies/:study': 'stow',
  'POST /api/uploads': 'upload',
  'PATCH /api/uploads/:id': 'upload',
};

// A label value is a code we wrote (`NOT_DICOM`, `PAYLOAD_TOO_LARGE`), never free text.
const CODE = /^[A-Z][A-Z0-9_]{0,63}$/;

// The operators' view of one API node in the Prometheus text format. Every label is a route template,
// a status class, a code, a state or a reading centre's id: never a URL, a name or a patient's identifier.
// Backlog figures (queues, timers, outbox) are read from the database on each scrape.
@Injectable()
export class MetricsService implements ServerLimitsObserver {
  readonly registry = new Registry();

  private readonly requests = new Counter({
    name: 'zhiyin_http_requests_total',
    help: 'HTTP requests answered, by route template and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    registers: [this.registry],
  });
  private readonly duration = new Histogram({
    name: 'zhiyin_http_request_duration_seconds',
    help: 'Time from the request head to the end of the response, by route template and status class.',
    labelNames: ['method', 'route', 'status_class'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300],
    registers: [this.registry],
  });
  private readonly aborted = new Counter({
    name: 'zhiyin_http_requests_aborted_total',
    help: 'Requests whose connection closed before the response was sent, by route template.',
    labelNames: ['method', 'route'] as const,
    registers: [this.registry],
  });
  private readonly openConnections = new Gauge({
    name: 'zhiyin_http_open_connections',
    help: 'HTTP connections open now on this node.',
    registers: [this.registry],
  });
  private readonly refusedConnections = new Counter({
    name: 'zhiyin_http_connections_refused_total',
    help: 'Connections refused because their address already held the most allowed.',
    registers: [this.registry],
  });
  private readonly droppedConnections = new Counter({
    name: 'zhiyin_http_connections_dropped_total',
    help: 'Connections closed by a limit: headers (too slow a request head), request (too slow a body), idle, or a parser error code.',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });
  private readonly studyBytes = new Counter({
    name: 'zhiyin_stow_received_bytes_total',
    help: 'Request body bytes received by STOW-RS (via="stow") and resumable uploads (via="upload"), finished or not.',
    labelNames: ['via'] as const,
    registers: [this.registry],
  });
  private readonly studyRefusals = new Counter({
    name: 'zhiyin_stow_refusals_total',
    help: 'Instances or whole requests refused by STOW-RS and uploads, by code (e.g. NOT_DICOM, PAYLOAD_TOO_LARGE).',
    labelNames: ['via', 'code'] as const,
    registers: [this.registry],
  });
  private readonly studyStored = new Counter({
    name: 'zhiyin_stow_instances_stored_total',
    help: 'Instances stored (or found already stored) by STOW-RS and uploads.',
    labelNames: ['via'] as const,
    registers: [this.registry],
  });
  private readonly queueDepth = new Gauge({
    name: 'zhiyin_referral_queue_depth',
    help: "Referrals in a reading centre's queue, by state.",
    labelNames: ['reading_centre', 'service', 'state'] as const,
    registers: [this.registry],
  });
  private readonly queueOldest = new Gauge({
    name: 'zhiyin_referral_queue_oldest_seconds',
    help: "Age since submission of the oldest referral in a reading centre's queue, by state (0 when empty).",
    labelNames: ['reading_centre', 'service', 'state'] as const,
    registers: [this.registry],
  });
  private readonly timersPending = new Gauge({
    name: 'zhiyin_timers_pending',
    help: 'Referral timers scheduled and not yet fired, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly timersOverdue = new Gauge({
    name: 'zhiyin_timers_overdue',
    help: 'Referral timers past their due time that have not fired yet, by kind.',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly timersOverdueOldest = new Gauge({
    name: 'zhiyin_timers_overdue_oldest_seconds',
    help: 'How long the most overdue timer of each kind is past its due time (0 when none).',
    labelNames: ['kind'] as const,
    registers: [this.registry],
  });
  private readonly outboxUndelivered = new Gauge({
    name: 'zhiyin_outbox_undelivered',
    help: 'Real-time events written and not yet delivered.',
    registers: [this.registry],
  });
  private readonly outboxOldest = new Gauge({
    name: 'zhiyin_outbox_oldest_undelivered_seconds',
    help: 'Age of the oldest undelivered real-time event (0 when none).',
    registers: [this.registry],
  });
  private readonly sockets = new Gauge({
    name: 'zhiyin_socketio_connections',
    help: 'socket.io connections open on this node.',
    registers: [this.registry],
  });
  private readonly pool = new Gauge({
    name: 'zhiyin_db_pool_connections',
    help: "This node's database pool: total, idle and max connections, and callers waiting for one (waiting).",
    labelNames: ['state'] as const,
    registers: [this.registry],
  });
  private readonly sweeperFamilies: { at: Gauge; files: Gauge; bytes: Gauge } | undefined;

  constructor(
    private readonly repo: MetricsRepository,
    private readonly gateway: RealtimeGateway,
    @Inject(CLOCK) private readonly clock: Clock,
    @Optional() @Inject(SWEEPER_STATS) private readonly sweeper?: SweeperStats,
  ) {
    collectDefaultMetrics({ register: this.registry });
    if (sweeper) {
      this.sweeperFamilies = {
        at: new Gauge({
          name: 'zhiyin_sweeper_last_run_timestamp_seconds',
          help: 'When the sweeper of orphaned and temporary files last finished (Unix time; 0 before its first run).',
          registers: [this.registry],
        }),
        files: new Gauge({
          name: 'zhiyin_sweeper_last_run_files_removed',
          help: 'Files the last sweep removed.',
          registers: [this.registry],
        }),
        bytes: new Gauge({
          name: 'zhiyin_sweeper_last_run_bytes_removed',
          help: 'Bytes the last sweep removed.',
          registers: [this.registry],
        }),
      };
    }
  }

  /** Every request's end (see trackRequests). */
  observeRequest(end: RequestEnd): void {
    const via = STUDY_ROUTES[`${end.method} ${end.route}`];
    if (via && end.bytesIn > 0) this.studyBytes.inc({ via }, end.bytesIn);
    if (end.aborted) {
      this.aborted.inc({ method: end.method, route: end.route });
      return;
    }
    const labels = { method: end.method, route: end.route, status_class: `${Math.floor((end.status ?? 0) / 100)}xx` };
    this.requests.inc(labels);
    this.duration.observe(labels, end.durationMs / 1000);
  }

  /** A STOW-RS or upload answer: stored instances and each refused part's code, from the response itself. */
  observeStowResult(via: StowVia, body: Record<string, unknown>): void {
    const seq = (tag: string) => (body[tag] as { Value?: Record<string, { Value?: unknown[] }>[] })?.Value ?? [];
    const stored = seq('00081199').length;
    if (stored > 0) this.studyStored.inc({ via }, stored);
    for (const item of seq('00081198')) {
      // ErrorComment (0000,0902) reads "CODE: message".
      const comment = item['00000902']?.Value?.[0];
      const code = typeof comment === 'string' ? comment.split(':')[0]!.trim() : '';
      this.studyRefusals.inc({ via, code: CODE.test(code) ? code : 'OTHER' });
    }
  }

  /** A whole STOW-RS or upload request refused (or failed) with an error. */
  observeStowError(via: StowVia, err: unknown): void {
    const code = err instanceof AppError ? err.code : 'INTERNAL';
    this.studyRefusals.inc({ via, code });
  }

  connectionOpened(): void {
    this.openConnections.inc();
  }
  connectionClosed(): void {
    this.openConnections.dec();
  }
  connectionRefused(): void {
    this.refusedConnections.inc();
  }
  connectionDropped(reason: string): void {
    this.droppedConnections.inc({ reason: CODE.test(reason) || /^[a-z]+$/.test(reason) ? reason : 'OTHER' });
  }

  /** The text a scrape returns; backlog figures are read now. */
  async render(): Promise<{ contentType: string; body: string }> {
    await this.refresh();
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }

  private async refresh(): Promise<void> {
    const now = this.clock.now();
    const [queues, timers, outbox] = await Promise.all([
      this.repo.queues(now),
      this.repo.timers(now),
      this.repo.outbox(),
    ]);
    this.queueDepth.reset();
    this.queueOldest.reset();
    for (const q of queues) {
      const labels = { reading_centre: q.readingCentreId, service: q.service, state: q.state };
      this.queueDepth.set(labels, q.depth);
      this.queueOldest.set(labels, q.oldestSeconds);
    }
    this.timersPending.reset();
    this.timersOverdue.reset();
    this.timersOverdueOldest.reset();
    for (const t of timers) {
      this.timersPending.set({ kind: t.kind }, t.pending);
      this.timersOverdue.set({ kind: t.kind }, t.overdue);
      this.timersOverdueOldest.set({ kind: t.kind }, t.oldestOverdueSeconds);
    }
    this.outboxUndelivered.set(outbox.undelivered);
    this.outboxOldest.set(outbox.oldestSeconds);
    // The gateway's server exists once the app listens.
    this.sockets.set(
      (this.gateway.server as { sockets?: { sockets?: Map<unknown, unknown> } } | undefined)?.sockets?.sockets?.size ??
        0,
    );
    const pool = this.repo.pool();
    if (pool) {
      this.pool.set({ state: 'total' }, pool.total);
      this.pool.set({ state: 'idle' }, pool.idle);
      this.pool.set({ state: 'waiting' }, pool.waiting);
      this.pool.set({ state: 'max' }, pool.max);
    }
    const run = this.sweeper?.lastRun();
    if (this.sweeperFamilies && run) {
      this.sweeperFamilies.at.set(run.at.getTime() / 1000);
      this.sweeperFamilies.files.set(run.filesRemoved);
      this.sweeperFamilies.bytes.set(run.bytesRemoved);
    }
  }
}
