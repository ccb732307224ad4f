import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { OutboxEventName, ReplayedEvent } from '@zhiyin/contracts';
import type { Logger } from 'pino';
import type { Server } from 'socket.io';
import { DataSource, type EntityManager } from 'typeorm';
import { LOGGER } from '#src/common/logging/logger.js';

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
    @InjectDataSource() private readonly ds: DataSource,
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
  async write(m: EntityManager, messages: OutboxMessage[]): Promise<void> {
    for (const msg of messages) {
      if (msg.rooms.length === 0) continue;
      await m.query('INSERT INTO outbox (event, rooms, payload) VALUES ($1, $2, $3)', [
        msg.event,
        [...new Set(msg.rooms)],
        JSON.stringify(msg.payload),
      ]);
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
      const delivered = await this.ds.transaction(async (m) => {
        const [{ locked }] = await m.query<[{ locked: boolean }]>('SELECT pg_try_advisory_xact_lock($1) AS locked', [
          DELIVERY_LOCK,
        ]);
        if (!locked) return 0;
        const rows = await m.query<
          { id: string; event: OutboxEventName; rooms: string[]; payload: Record<string, unknown>; created_at: Date }[]
        >('SELECT id, event, rooms, payload, created_at FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT $1', [
          BATCH,
        ]);
        for (const r of rows) {
          this.server!.to(r.rooms).emit(r.event, { ...r.payload, id: r.id, at: r.created_at.toISOString() });
        }
        if (rows.length > 0) {
          await m.query('UPDATE outbox SET delivered_at = now() WHERE id = ANY($1::bigint[])', [rows.map((r) => r.id)]);
        }
        return rows.length;
      });
      if (delivered < BATCH) return;
    }
  }

  /** Events after `afterId` in any of the caller's rooms, oldest first (catch-up beyond socket recovery). */
  async replay(rooms: string[], afterId: string, limit: number): Promise<ReplayedEvent[]> {
    const rows = await this.ds.query<
      { id: string; event: OutboxEventName; payload: Record<string, unknown>; created_at: Date }[]
    >(
      `SELECT id, event, payload, created_at FROM outbox
        WHERE id > $1 AND rooms && $2::text[] AND delivered_at IS NOT NULL
        ORDER BY id LIMIT $3`,
      [afterId, rooms, limit],
    );
    return rows.map((r) => ({
      id: r.id,
      event: r.event,
      payload: { ...r.payload, id: r.id, at: r.created_at.toISOString() },
    }));
  }
}
