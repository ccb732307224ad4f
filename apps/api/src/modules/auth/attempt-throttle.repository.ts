import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';

export type ThrottleScope = 'account' | 'account_address' | 'patient_address' | 'second_factor';

/** How one counter slows guessing down. */
export interface ThrottleRule {
  /** failures before the first delay */
  freeFailures: number;
  /** the first delay, seconds; it doubles with every further failure */
  baseDelaySeconds: number;
  maxDelaySeconds: number;
  /** a counter with no failure for this long starts again from zero (null: only a success resets it) */
  forgetAfterSeconds: number | null;
  /** consecutive failures after which attempts are refused until the counter is reset (null: none) */
  hardLimit: number | null;
}

/** A transaction's manager, passed through by callers whose counting must commit with their own writes. */
export type Tx = EntityManager;

// The only file that reads and writes the sign-in counters (auth_throttle) and the known addresses.
@Injectable()
export class AttemptThrottleRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /**
   * Counts one attempt (one INSERT ... ON CONFLICT DO UPDATE, which locks the counter's row); false when the
   * counter is waiting or at its hard limit, and then nothing is counted.
   */
  async count(
    scope: ThrottleScope,
    key: string,
    rule: ThrottleRule,
    ignoreDelay: boolean,
    m: Tx = this.ds.manager,
  ): Promise<boolean> {
    const n = `(CASE WHEN $5::int IS NOT NULL AND t.last_failure_at < now() - make_interval(secs => $5::int)
                     THEN 0 ELSE t.failures END) + 1`;
    const delay = (count: string) =>
      `CASE WHEN ${count} >= $3::int THEN now() + make_interval(secs => LEAST($7::float8,
         $6::float8 * power(2, LEAST(${count} - $3::int, 30)))) END`;
    const rows = await m.query<{ failures: number }[]>(
      `INSERT INTO auth_throttle AS t (scope, key_hash, failures, blocked_until, last_failure_at)
       VALUES ($1, $2, 1, ${delay('1')}, now())
       ON CONFLICT (scope, key_hash) DO UPDATE SET
         failures = ${n},
         blocked_until = ${delay(n)},
         last_failure_at = now()
       WHERE ($4::boolean OR t.blocked_until IS NULL OR t.blocked_until <= now()
              OR ($5::int IS NOT NULL AND t.last_failure_at < now() - make_interval(secs => $5::int)))
         AND ($8::int IS NULL OR t.failures < $8::int)
       RETURNING t.failures`,
      [
        scope,
        key,
        rule.freeFailures,
        ignoreDelay,
        rule.forgetAfterSeconds,
        rule.baseDelaySeconds,
        rule.maxDelaySeconds,
        rule.hardLimit,
      ],
    );
    return rows.length > 0;
  }

  /** A counter's seconds left to wait (null: none) and its failures; nothing when there is no counter. */
  async state(
    scope: ThrottleScope,
    key: string,
    m: Tx = this.ds.manager,
  ): Promise<{ wait: number | null; failures: number } | undefined> {
    const [state] = await m.query<{ wait: number | null; failures: number }[]>(
      `SELECT ceil(extract(epoch FROM blocked_until - now()))::int AS wait, failures
         FROM auth_throttle WHERE scope = $1 AND key_hash = $2`,
      [scope, key],
    );
    return state;
  }

  async delete(scope: ThrottleScope, key: string, m: Tx = this.ds.manager): Promise<void> {
    await m.query('DELETE FROM auth_throttle WHERE scope = $1 AND key_hash = $2', [scope, key]);
  }

  /** Takes one failure off a counter (and its wait, when none is left). */
  async release(scope: ThrottleScope, key: string, m: Tx = this.ds.manager): Promise<void> {
    await m.query(
      `UPDATE auth_throttle SET failures = greatest(failures - 1, 0),
              blocked_until = CASE WHEN failures - 1 <= 0 THEN NULL ELSE blocked_until END
        WHERE scope = $1 AND key_hash = $2`,
      [scope, key],
    );
  }

  /** Whether the user signed in from this address (its hash) within the last `days`. */
  async isKnownAddress(userId: string, addressHash: string, days: number): Promise<boolean> {
    const rows = await this.ds.query<unknown[]>(
      `SELECT 1 FROM auth_known_address
        WHERE user_id = $1 AND address_hash = $2 AND last_success_at > now() - make_interval(days => $3)`,
      [userId, addressHash, days],
    );
    return rows.length > 0;
  }

  async rememberAddress(userId: string, addressHash: string, m: Tx = this.ds.manager): Promise<void> {
    await m.query(
      `INSERT INTO auth_known_address (user_id, address_hash) VALUES ($1, $2)
       ON CONFLICT (user_id, address_hash) DO UPDATE SET last_success_at = now()`,
      [userId, addressHash],
    );
  }
}
