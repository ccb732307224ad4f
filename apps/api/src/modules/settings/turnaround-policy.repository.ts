import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

/** A transaction's manager (a transition's, or the policy update's), passed back to the methods below. */
export type Tx = EntityManager;

/** A stored version of the policy, as the database holds it (validated by the service). */
export interface StoredPolicyRow {
  version: number;
  policy: unknown;
}

/** The latest stored version with the administrator who stored it. */
export interface StoredPolicyChange extends StoredPolicyRow {
  changedAt: Date;
  changedBy: { id: string; username: string; displayNameZh: string; displayNameEn: string };
}

// The only file that reads and writes the turnaround_policy table.
@Injectable()
export class TurnaroundPolicyRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  transaction<T>(fn: (m: Tx) => Promise<T>): Promise<T> {
    return this.ds.transaction(fn);
  }

  async latest(m: Tx = this.ds.manager): Promise<StoredPolicyRow | undefined> {
    const [row] = await m.query<StoredPolicyRow[]>(
      'SELECT version, policy FROM turnaround_policy ORDER BY version DESC LIMIT 1',
    );
    return row;
  }

  async latestChange(m: Tx = this.ds.manager): Promise<StoredPolicyChange | undefined> {
    const [row] = await m.query<
      (StoredPolicyRow & { changed_at: Date; user_id: string; username: string; name_zh: string; name_en: string })[]
    >(
      `SELECT p.version, p.policy, p.changed_at, u.id AS user_id, u.username, u.display_name_zh AS name_zh,
              u.display_name_en AS name_en
         FROM turnaround_policy p JOIN app_user u ON u.id = p.changed_by
        ORDER BY p.version DESC LIMIT 1`,
    );
    return (
      row && {
        version: row.version,
        policy: row.policy,
        changedAt: row.changed_at,
        changedBy: { id: row.user_id, username: row.username, displayNameZh: row.name_zh, displayNameEn: row.name_en },
      }
    );
  }

  /** One writer at a time, until the transaction ends; readers (transitions) are not blocked. */
  async lockWriters(m: Tx): Promise<void> {
    await m.query(`SELECT pg_advisory_xact_lock(hashtext('turnaround_policy'))`);
  }

  async insert(m: Tx, version: number, policy: unknown, changedBy: string): Promise<void> {
    await m.query('INSERT INTO turnaround_policy (version, policy, changed_by) VALUES ($1, $2, $3)', [
      version,
      JSON.stringify(policy),
      changedBy,
    ]);
  }
}
