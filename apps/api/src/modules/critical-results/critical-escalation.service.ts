import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { Logger } from 'pino';
import { CLOCK, type Clock } from '#src/common/clock.js';
import { LOGGER } from '#src/common/logging/logger.js';
import { requestContext } from '#src/common/request-context.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { CriticalResultsRepository } from './critical-results.repository.js';
import { CriticalResultsService } from './critical-results.service.js';

const POLL_MS = 1000;
const BATCH = 100;

// Escalates critical results whose read-back is overdue. The due time is a column of the row, so
// nothing is lost in a restart: each sweep reads what is due by the injected clock, and a row is
// claimed with SKIP LOCKED, so with several API nodes each escalates once.
@Injectable()
export class CriticalEscalationService implements OnModuleInit, OnModuleDestroy {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<number> | undefined;

  constructor(
    private readonly repo: CriticalResultsRepository,
    private readonly critical: CriticalResultsService,
    private readonly outbox: OutboxService,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.tick(), POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Escalates every due critical result now; returns how many. */
  async tick(): Promise<number> {
    if (this.running) await this.running.catch(() => 0);
    this.running = this.sweep().catch((err: unknown) => {
      this.logger.error({ errType: (err as Error)?.name }, 'critical-result escalation failed');
      return 0;
    });
    const n = await this.running;
    this.running = undefined;
    return n;
  }

  private async sweep(): Promise<number> {
    const due = await this.repo.transaction((m) => this.repo.dueIds(m, this.clock.now(), BATCH));
    let escalated = 0;
    for (const id of due) {
      const done = await requestContext.run({ requestId: `critical-${id}`, clientIp: null, actor: null }, () =>
        this.repo.transaction((m) => this.critical.escalate(m, id)),
      );
      if (done) escalated++;
    }
    if (escalated > 0) this.outbox.kick();
    return escalated;
  }
}
