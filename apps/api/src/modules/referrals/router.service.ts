import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { SERVICES, type Service } from '@zhiyin/workflow';
import type { Logger } from 'pino';
import { DataSource } from 'typeorm';
import { LOGGER } from '#src/common/logging/logger.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { TransitionService } from './transition.service.js';

const ONLINE_WINDOW_SECONDS = 45;
const SWEEP_MS = 2000;

// Offers waiting referrals to readers: the highest-priority, longest-waiting referral of a pool
// goes to the specialist of that pool who is on duty, online, has no open offer and is least
// loaded. A STAT referral keeps going round (declined or lapsed readers are asked again, last) until
// someone accepts; others skip whoever declined them. One dispatcher per pool at a time (advisory lock), referrals claimed with SKIP LOCKED.
@Injectable()
export class RouterService implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private readonly running = new Map<Service, Promise<void>>();
  private readonly again = new Set<Service>();

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly transitions: TransitionService,
    private readonly outbox: OutboxService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => SERVICES.forEach((s) => this.kick(s)), SWEEP_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  kick(service: Service): void {
    if (this.running.has(service)) {
      this.again.add(service);
      return;
    }
    const run = this.dispatch(service)
      .catch((err: unknown) => this.logger.error({ errType: (err as Error)?.name, service }, 'routing failed'))
      .finally(() => {
        this.running.delete(service);
        this.outbox.kick();
        if (this.again.delete(service)) this.kick(service);
      });
    this.running.set(service, run);
  }

  /** Waits until routing in progress is done (tests). */
  async settle(): Promise<void> {
    for (const s of SERVICES) this.kick(s);
    while (this.running.size > 0) await Promise.all([...this.running.values()]);
  }

  async dispatch(service: Service): Promise<void> {
    for (let i = 0; i < 100; i++) {
      if (!(await this.offerWaiting(service))) return;
      // Offers committed go out now, not when the whole dispatch ends: a busy pool keeps dispatching for a while.
      this.outbox.kick();
    }
  }

  // Offers the waiting referrals of a pool to free readers, as many as there are, in one transaction: under a burst
  // of submissions one commit (one flush of PostgreSQL's log) carries many offers instead of one each, which is what
  // bounded how fast a pool's queue drained. Each reader is taken once: an offer made here is seen by the next
  // reader query of the same transaction (its reader now holds an open offer).
  private offerWaiting(service: Service): Promise<number> {
    return this.ds.transaction(async (m) => {
      const [{ locked }] = await m.query<[{ locked: boolean }]>(
        'SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked',
        [`route:${service}`],
      );
      if (!locked) return 0;
      // Look without locking: a claim must never find the queue held by the router's search.
      const waiting = await m.query<{ id: string; declined: string[]; stat: boolean }[]>(
        `SELECT id, ARRAY(SELECT jsonb_array_elements_text(snapshot->'declinedBy')) AS declined, priority = 'STAT' AS stat
           FROM referral WHERE service = $1 AND direction = 'up' AND state = 'submitted'
          ORDER BY priority_rank, submitted_at, id LIMIT 20`,
        [service],
      );
      const now = this.transitions.now();
      let offered = 0;
      for (const { id, declined, stat } of waiting) {
        // Whoever let the last offer of this referral lapse goes to the back of the line.
        const [lapsed] = await m.query<{ specialist: string | null }[]>(
          `SELECT details->>'specialistId' AS specialist FROM referral_event
            WHERE referral_id = $1 AND event = 'offer' ORDER BY id DESC LIMIT 1`,
          [id],
        );
        const [reader] = await m.query<{ id: string; specialty: 'radiology' | 'cardiology' }[]>(
          `SELECT u.id, u.specialty
             FROM app_user u
            WHERE u.role = 'specialist' AND u.active AND u.specialty = $1
              AND (u.on_duty OR EXISTS (SELECT 1 FROM duty_shift d WHERE d.user_id = u.id AND $2 >= d.starts_at AND $2 < d.ends_at))
              AND EXISTS (SELECT 1 FROM presence p WHERE p.user_id = u.id AND p.last_seen > now() - make_interval(secs => $3))
              AND ($6 OR NOT (u.id::text = ANY($4::text[])))
              AND NOT EXISTS (SELECT 1 FROM referral r WHERE r.offered_to = u.id AND r.state = 'offered')
            ORDER BY (u.id::text = ANY($4::text[])) ASC, (u.id::text = $5) ASC,
                     (SELECT count(*) FROM referral r WHERE r.assignee_id = u.id AND r.state IN ('accepted', 'in_review', 'info_requested')),
                     u.id
            LIMIT 1`,
          [
            service === 'ECG' ? 'cardiology' : 'radiology',
            now,
            ONLINE_WINDOW_SECONDS,
            declined,
            lapsed?.specialist ?? '',
            // STAT goes round until someone accepts: those who declined are asked again, after everyone else.
            stat,
          ],
        );
        if (!reader) continue;
        // Only now take the row, and only if nobody (a claim) holds it; its state is checked again by the rules.
        const [locked] = await m.query<{ id: string }[]>(
          `SELECT id FROM referral WHERE id = $1 AND state = 'submitted' FOR UPDATE SKIP LOCKED`,
          [id],
        );
        if (!locked) continue;
        const row = await this.transitions.lock(m, id);
        if (!row) continue;
        await this.transitions.apply(
          m,
          row,
          { type: 'offer', specialist: { id: reader.id, specialty: reader.specialty } },
          'system',
        );
        offered += 1;
      }
      return offered;
    });
  }
}
