import { Injectable } from '@nestjs/common';
import { AppError } from '#src/common/errors.js';
import {
  AttemptThrottleRepository,
  type ThrottleRule,
  type ThrottleScope,
  type Tx,
} from './attempt-throttle.repository.js';
import { hashToken } from './token.service.js';

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
  constructor(private readonly repo: AttemptThrottleRepository) {}

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
    opts: { ignoreDelay?: boolean; manager?: Tx } = {},
  ): Promise<void> {
    const m = opts.manager;
    if (await this.repo.count(scope, key, rule, opts.ignoreDelay ?? false, m)) return;
    const state = await this.repo.state(scope, key, m);
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
  async reset(entries: [ThrottleScope, string][], m?: Tx): Promise<void> {
    for (const [scope, key] of entries) {
      await this.repo.delete(scope, key, m);
    }
  }

  /** Gives back one counted attempt that turned out right, where a success must not wipe the count. */
  async release(scope: ThrottleScope, key: string, m?: Tx): Promise<void> {
    await this.repo.release(scope, key, m);
  }

  isKnownAddress(userId: string, address: string): Promise<boolean> {
    return this.repo.isKnownAddress(userId, AttemptThrottle.key('address', address), KNOWN_ADDRESS_DAYS);
  }

  async rememberAddress(userId: string, address: string, m?: Tx): Promise<void> {
    await this.repo.rememberAddress(userId, AttemptThrottle.key('address', address), m);
  }
}

/** The account counter's key: by the name typed, so unknown names are throttled the same way. */
export const accountKey = (username: string) => AttemptThrottle.key('account', username.trim().toLowerCase());

/** One account from one address; starts with the account's key, so an administrator's reset finds them all. */
export const accountAddressKey = (username: string, address: string) =>
  `${accountKey(username)}:${AttemptThrottle.key('address', address)}`;
