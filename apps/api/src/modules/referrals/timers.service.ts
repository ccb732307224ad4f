import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { timerEvent } from '@zhiyin/workflow';
import type { Logger } from 'pino';
import { AppError } from '#src/common/errors.js';
import { LOGGER } from '#src/common/logging/logger.js';
import { requestContext } from '#src/common/request-context.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { ReferralRepository } from './referral.repository.js';
import { RouterService } from './router.service.js';
import { TransitionService } from './transition.service.js';

const POLL_MS = 1000;

// Fires the referral rules' timers from the scheduled_job table: a due job is claimed with
// FOR UPDATE SKIP LOCKED, so each fires once across all API nodes, and because it is a row it
// survives restarts. The job is removed in the same transaction as the transition it causes.
@Injectable()
export class TimersService implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly repo: ReferralRepository,
    private readonly transitions: TransitionService,
    private readonly router: RouterService,
    private readonly outbox: OutboxService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Fires every due timer now; returns how many fired. */
  async tick(): Promise<number> {
    if (this.running) await this.running.catch(() => 0);
    this.running = this.fireDue().catch((err: unknown) => {
      this.logger.error({ errType: (err as Error)?.name }, 'timers failed');
      return 0;
    });
    const fired = await this.running;
    this.running = undefined;
    return fired;
  }

  private async fireDue(): Promise<number> {
    let fired = 0;
    for (let i = 0; i < 1000; i++) {
      const done = await this.repo.inTransaction(async (m) => {
        const job = await this.repo.takeDueTimer(m, this.transitions.now());
        if (!job) return undefined;
        const row = await this.transitions.lock(m, job.referral_id);
        if (!row) return { service: undefined };
        try {
          const applied = await requestContext.run({ requestId: `timer-${job.id}`, clientIp: null, actor: null }, () =>
            this.transitions.apply(m, row, timerEvent(job.kind), 'system', {
              timer: job.kind,
              // kept so the screens can still count the time over once the timer is gone
              dueAt: new Date(job.due_at).toISOString(),
            }),
          );
          return { service: applied.route ? applied.next.service : undefined };
        } catch (err) {
          // A timer the rules no longer want (raced by a user action): drop it, change nothing else.
          if (err instanceof AppError) return { service: undefined };
          throw err;
        }
      });
      if (!done) break;
      fired++;
      if (done.service) this.router.kick(done.service);
    }
    if (fired > 0) this.outbox.kick();
    return fired;
  }
}
