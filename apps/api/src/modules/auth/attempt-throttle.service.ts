import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, type EntityManager } from 'typeorm';
import { AppError } from '#src/common/errors.js';
import { hashToken } from './token.service.js';

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

// The sign-in throttling policy (README "Security model"), after OWASP ASVS V2.2.1 and NIST SP 800-63B
// 5.2.2: a guesser is slowed down per account and address, and per account across all addresses, but
// nobody can lock a user out by failing on purpose from elsewhere.
export const RULES = {
  // One address guessing one account: 5 tries, then 30 s, 1 min, 2 min, ... up to 15 min between tries.
  accountAddress: {
    freeFailures: 5,
    baseDelaySeconds: 30,
    maxDelaySeconds: 15 * 60,
    forgetAfterSeconds: 24 * 3600,
    hardLimit: null,
  },
  // One account from every address together: after 10 consecutive failures, addresses the user has not
  // signed in from recently wait 1 min, 2 min, ... up to 1 h; after 100 (NIST's ceiling) the account
  // takes no password until an administrator resets it. Only a success resets the count.
  account: { freeFailures: 10, baseDelaySeconds: 60, maxDelaySeconds: 3600, forgetAfterSeconds: null, hardLimit: 100 },
  // Patient codes guessed from one address (each code also has its own 5 tries).
  patientAddress: {
    freeFailures: 10,
    baseDelaySeconds: 60,
    maxDelaySeconds: 3600,
    forgetAfterSeconds: 15 * 60,
    hardLimit: null,
  },
  // Second-factor codes of one user: 5 tries, then growing delays; 100 consecutive failures stop it.
  secondFactor: {
    freeFailures: 5,
    baseDelaySeconds: 30,
    maxDelaySeconds: 15 * 60,
    forgetAfterSeconds: 24 * 3600,
    hardLimit: 100,
  },
} as const satisfies Record<string, ThrottleRule>;

/** A user's address counts as known for this long after a successful sign-in from it. */
const KNOWN_ADDRESS_DAYS = 90;

/**
 * Attempt counters that hold under any concurrency: an attempt is counted (one INSERT ... ON CONFLICT
 * DO UPDATE, which locks the counter's row) before the guess is evaluated, and a counter that is
 * waiting refuses without counting. So N parallel guesses can never get more evaluations than the
 * rule allows; a success resets the counter.
 */
@Injectable()
export class AttemptThrottle {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  static key(...parts: string[]): string {
    return hashToken(parts.join('\u0000'));
  }

  /**
   * Counts one attempt, or refuses it with 429 TOO_MANY_ATTEMPTS and Retry-After.
   * @param ignoreDelay - count, but refuse only at the hard limit (the user's known address)
   */
  async claim(
    scope: ThrottleScope,
    key: string,
    rule: ThrottleRule,
    opts: { ignoreDelay?: boolean; manager?: EntityManager } = {},
  ): Promise<void> {
    const m = opts.manager ?? this.ds.manager;
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
        opts.ignoreDelay ?? false,
        rule.forgetAfterSeconds,
        rule.baseDelaySeconds,
        rule.maxDelaySeconds,
        rule.hardLimit,
      ],
    );
    if (rows.length > 0) return;
    const [state] = await m.query<{ wait: number | null; failures: number }[]>(
      `SELECT ceil(extract(epoch FROM blocked_until - now()))::int AS wait, failures
         FROM auth_throttle WHERE scope = $1 AND key_hash = $2`,
      [scope, key],
    );
    const locked = rule.hardLimit !== null && (state?.failures ?? 0) >= rule.hardLimit;
    const wait = locked ? 3600 : Math.max(1, state?.wait ?? 1);
    throw new AppError(
      'TOO_MANY_ATTEMPTS',
      locked
        ? 'Too many failed attempts: this sign-in is blocked. Ask the administrator to reset it.'
        : `Too many failed attempts. Try again in ${wait} seconds.`,
      { retryAfterSeconds: wait },
      { 'Retry-After': String(wait) },
    );
  }

  /** A success: the counters start again from zero. */
  async reset(entries: [ThrottleScope, string][], m: EntityManager = this.ds.manager): Promise<void> {
    for (const [scope, key] of entries) {
      await m.query('DELETE FROM auth_throttle WHERE scope = $1 AND key_hash = $2', [scope, key]);
    }
  }

  /** Gives back one counted attempt that turned out right, where a success must not wipe the count. */
  async release(scope: ThrottleScope, key: string, m: EntityManager = this.ds.manager): Promise<void> {
    await m.query(
      `UPDATE auth_throttle SET failures = greatest(failures - 1, 0),
              blocked_until = CASE WHEN failures - 1 <= 0 THEN NULL ELSE blocked_until END
        WHERE scope = $1 AND key_hash = $2`,
      [scope, key],
    );
  }

  async isKnownAddress(userId: string, address: string): Promise<boolean> {
    const rows = await this.ds.query<unknown[]>(
      `SELECT 1 FROM auth_known_address
        WHERE user_id = $1 AND address_hash = $2 AND last_success_at > now() - make_interval(days => $3)`,
      [userId, AttemptThrottle.key('address', address), KNOWN_ADDRESS_DAYS],
    );
    return rows.length > 0;
  }

  async rememberAddress(userId: string, address: string, m: EntityManager = this.ds.manager): Promise<void> {
    await m.query(
      `INSERT INTO auth_known_address (user_id, address_hash) VALUES ($1, $2)
       ON CONFLICT (user_id, address_hash) DO UPDATE SET last_success_at = now()`,
      [userId, AttemptThrottle.key('address', address)],
    );
  }
}

/** The account counter's key: by the name typed, so unknown names are throttled the same way. */
export const accountKey = (username: string) => AttemptThrottle.key('account', username.trim().toLowerCase());

/** One account from one address; starts with the account's key, so an administrator's reset finds them all. */
export const accountAddressKey = (username: string, address: string) =>
  `${accountKey(username)}:${AttemptThrottle.key('address', address)}`;
