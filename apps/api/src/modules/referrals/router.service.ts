import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { SERVICES, type Service } from '@zhiyin/workflow';
import type { Logger } from 'pino';
import { LOGGER } from '#src/common/logging/logger.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { ReferralRepository } from './referral.repository.js';
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
    private readonly repo: ReferralRepository,
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
    return this.repo.inTransaction(async (m) => {
      if (!(await this.repo.tryRoutingLock(m, service))) return 0;
      // Look without locking: a claim must never find the queue held by the router's search.
      const waiting = await this.repo.waiting(m, service);
      const now = this.transitions.now();
      let offered = 0;
      for (const { id, declined, stat } of waiting) {
        // Whoever let the last offer of this referral lapse goes to the back of the line.
        const lapsed = await this.repo.lastOfferedTo(m, id);
        const reader = await this.repo.freeReader(m, {
          specialty: service === 'ECG' ? 'cardiology' : 'radiology',
          now,
          onlineSeconds: ONLINE_WINDOW_SECONDS,
          declined,
          lapsed: lapsed ?? '',
          // STAT goes round until someone accepts: those who declined are asked again, after everyone else.
          askDeclinedAgain: stat,
        });
        if (!reader) continue;
        // Only now take the row, and only if nobody (a claim) holds it; its state is checked again by the rules.
        if (!(await this.repo.lockIfWaiting(m, id))) continue;
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
