import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { TIMER_KINDS, type ReferralState } from '@zhiyin/workflow';
import { DataSource } from 'typeorm';

/** Referrals of a reading centre that wait for, or are in, a reading (the coordinator's board shows the same). */
export const QUEUE_STATES = [
  'submitted',
  'offered',
  'accepted',
  'in_review',
  'info_requested',
] as const satisfies readonly ReferralState[];

export interface QueueRow {
  readingCentreId: string;
  service: string;
  state: string;
  depth: number;
  oldestSeconds: number;
}

export interface TimerRow {
  kind: string;
  pending: number;
  overdue: number;
  oldestOverdueSeconds: number;
}

export interface OutboxLag {
  undelivered: number;
  oldestSeconds: number;
}

// The backlog figures a scrape reports, read fresh each time: ids, states and counts only.
@Injectable()
export class MetricsRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Every reading centre x queue state, zeros included (an alert needs the series to exist). */
  async queues(now: Date): Promise<QueueRow[]> {
    const rows = await this.ds.query<
      { reading_centre_id: string; service: string; state: string; depth: number; oldest: number }[]
    >(
      `SELECT rc.id AS reading_centre_id, rc.service, s.state, count(r.id)::int AS depth,
              coalesce(extract(epoch FROM $1::timestamptz - min(r.submitted_at)), 0)::float8 AS oldest
         FROM reading_centre rc
        CROSS JOIN unnest($2::text[]) AS s(state)
         LEFT JOIN (referral r JOIN facility o ON o.id = r.origin_facility_id)
                ON r.direction = 'up' AND r.state = s.state AND r.service = rc.service AND o.hub_id = rc.hub_id
        GROUP BY rc.id, rc.service, s.state`,
      [now, [...QUEUE_STATES]],
    );
    return rows.map((r) => ({
      readingCentreId: r.reading_centre_id,
      service: r.service,
      state: r.state,
      depth: r.depth,
      oldestSeconds: Math.max(0, r.oldest),
    }));
  }

  /** Timers waiting to fire, and those past their time that have not fired yet. */
  async timers(now: Date): Promise<TimerRow[]> {
    const rows = await this.ds.query<{ kind: string; pending: number; overdue: number; oldest: number }[]>(
      `SELECT k.kind, count(j.id)::int AS pending,
              (count(j.id) FILTER (WHERE j.due_at <= $1))::int AS overdue,
              coalesce(extract(epoch FROM $1::timestamptz - min(j.due_at) FILTER (WHERE j.due_at <= $1)), 0)::float8 AS oldest
         FROM unnest($2::text[]) AS k(kind)
         LEFT JOIN scheduled_job j ON j.kind = k.kind
        GROUP BY k.kind`,
      [now, [...TIMER_KINDS]],
    );
    return rows.map((r) => ({
      kind: r.kind,
      pending: r.pending,
      overdue: r.overdue,
      oldestOverdueSeconds: Math.max(0, r.oldest),
    }));
  }

  /** Real-time events written but not yet delivered (rows are stamped by the database's clock). */
  async outbox(): Promise<OutboxLag> {
    const [row] = await this.ds.query<{ undelivered: number; oldest: number }[]>(
      `SELECT count(*)::int AS undelivered, coalesce(extract(epoch FROM now() - min(created_at)), 0)::float8 AS oldest
         FROM outbox WHERE delivered_at IS NULL`,
    );
    return { undelivered: row?.undelivered ?? 0, oldestSeconds: Math.max(0, row?.oldest ?? 0) };
  }

  /** The connection pool of this node (pg's Pool under TypeORM). */
  pool(): { total: number; idle: number; waiting: number; max: number } | null {
    const pool = (this.ds.driver as unknown as { master?: PgPool }).master;
    if (!pool || typeof pool.totalCount !== 'number') return null;
    return { total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount, max: pool.options?.max ?? 0 };
  }
}

interface PgPool {
  totalCount: number;
  idleCount: number;
  waitingCount: number;
  options?: { max?: number };
}
