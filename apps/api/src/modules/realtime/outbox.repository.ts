import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { OutboxEventName } from '@zhiyin/contracts';
import { DataSource, type EntityManager } from 'typeorm';

/** A transaction's manager: the caller's (events are written with the change) or the delivery's. */
export type Tx = EntityManager;

/** An outbox row as delivery and replay read it. */
export interface OutboxRow {
  id: string;
  event: OutboxEventName;
  rooms: string[];
  payload: Record<string, unknown>;
  created_at: Date;
}

// The only file that reads and writes the outbox table.
@Injectable()
export class OutboxRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  async insert(m: Tx, event: OutboxEventName, rooms: string[], payload: Record<string, unknown>): Promise<void> {
    await m.query('INSERT INTO outbox (event, rooms, payload) VALUES ($1, $2, $3)', [
      event,
      rooms,
      JSON.stringify(payload),
    ]);
  }

  /** Takes the transaction-scoped advisory lock if it is free; whether it did. */
  async tryLock(m: Tx, key: number): Promise<boolean> {
    const [{ locked }] = await m.query<[{ locked: boolean }]>('SELECT pg_try_advisory_xact_lock($1) AS locked', [key]);
    return locked;
  }

  /** The oldest undelivered events, in id order. */
  undelivered(m: Tx, limit: number): Promise<OutboxRow[]> {
    return m.query<OutboxRow[]>(
      'SELECT id, event, rooms, payload, created_at FROM outbox WHERE delivered_at IS NULL ORDER BY id LIMIT $1',
      [limit],
    );
  }

  async markDelivered(m: Tx, ids: string[]): Promise<void> {
    await m.query('UPDATE outbox SET delivered_at = now() WHERE id = ANY($1::bigint[])', [ids]);
  }

  /** Delivered events after `afterId` in any of these rooms, oldest first. */
  after(rooms: string[], afterId: string, limit: number): Promise<Omit<OutboxRow, 'rooms'>[]> {
    return this.ds.query<Omit<OutboxRow, 'rooms'>[]>(
      `SELECT id, event, payload, created_at FROM outbox
        WHERE id > $1 AND rooms && $2::text[] AND delivered_at IS NOT NULL
        ORDER BY id LIMIT $3`,
      [afterId, rooms, limit],
    );
  }
}
