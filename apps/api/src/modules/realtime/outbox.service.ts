import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import type { OutboxEventName, ReplayedEvent } from '@zhiyin/contracts';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import { LOGGER } from '#src/common/logging/logger.js';
import { OutboxRepository, type Tx } from './outbox.repository.js';

export interface OutboxMessage {
  event: OutboxEventName;
  rooms: string[];
  payload: Record<string, unknown>;
}

const POLL_MS = 250;
const BATCH = 500;
// One deliverer at a time across every API node, so events go out in id order.
const DELIVERY_LOCK = 716_131_001;

@Injectable()
export class OutboxService implements OnModuleInit, OnModuleDestroy {
  private server: Server | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private again = false;

  constructor(
    private readonly repo: OutboxRepository,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  attach(server: Server): void {
    this.server = server;
  }

  onModuleInit(): void {
    this.timer = setInterval(() => this.kick(), POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  /** Writes events in the caller's transaction: they exist exactly when the change does. */
  async write(m: Tx, messages: OutboxMessage[]): Promise<void> {
    for (const msg of messages) {
      if (msg.rooms.length === 0) continue;
      await this.repo.insert(m, msg.event, [...new Set(msg.rooms)], msg.payload);
    }
  }

  /** Delivers committed events now (also runs on a short poll, to pick up other nodes' leftovers). */
  kick(): void {
    if (!this.server) return;
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.deliver()
      .catch((err: unknown) => this.logger.error({ errType: (err as Error)?.name }, 'outbox delivery failed'))
      .finally(() => {
        this.running = undefined;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  /** Waits for a delivery in progress (tests and shutdown). */
  async drain(): Promise<void> {
    this.kick();
    while (this.running) await this.running;
  }

  private async deliver(): Promise<void> {
    for (;;) {
      const delivered = await this.repo.transaction(async (m) => {
        if (!(await this.repo.tryLock(m, DELIVERY_LOCK))) return 0;
        const rows = await this.repo.undelivered(m, BATCH);
        for (const r of rows) {
          this.server!.to(r.rooms).emit(r.event, { ...r.payload, id: r.id, at: r.created_at.toISOString() });
        }
        if (rows.length > 0) {
          await this.repo.markDelivered(
            m,
            rows.map((r) => r.id),
          );
        }
        return rows.length;
      });
      if (delivered < BATCH) return;
    }
  }

  /** Events after `afterId` in any of the caller's rooms, oldest first (catch-up beyond socket recovery). */
  async replay(rooms: string[], afterId: string, limit: number): Promise<ReplayedEvent[]> {
    const rows = await this.repo.after(rooms, afterId, limit);
    return rows.map((r) => ({
      id: r.id,
      event: r.event,
      payload: { ...r.payload, id: r.id, at: r.created_at.toISOString() },
    }));
  }
}
