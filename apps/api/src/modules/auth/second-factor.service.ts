import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHmac, randomBytes } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import type { SecondFactorChallenge, SecondFactorStatus, TotpEnrolment } from '@zhiyin/contracts';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { SecretBox } from '#src/common/secret-box.js';
import { AttemptThrottle, RULES } from './attempt-throttle.service.js';
import { changedRows } from './sql.js';
import { hashToken, TokenService } from './token.service.js';
import { newTotpSecret, qrDataUrl, totpStep, totpUri } from './totp.js';
import { UserEntity, type StaffRole } from './user.entity.js';

export type { SecondFactorChallenge, SecondFactorStatus, TotpEnrolment };

export const STAFF_ROLES = ['community_doctor', 'specialist', 'coordinator', 'admin'] as const satisfies StaffRole[];

// A challenge lives long enough to open the authenticator app, no longer.
const CHALLENGE_TTL_SECONDS = 300;
const RECOVERY_CODES = 10;
// 10 characters of an alphabet without look-alikes (no 0/O, 1/I/L): 50 bits each.
const RECOVERY_ALPHABET = '23456789ABCDEFGHJKMNPQRSTUVWXYZ';

// The second factor (TOTP, RFC 6238, with one-time recovery codes): enrolment, the sign-in challenge,
// codes checked once each and attempts counted before a code is checked. Secrets are stored encrypted
// with DATA_KEY (as national IDs are), recovery codes only as keyed hashes.
@Injectable()
export class SecondFactorService {
  private readonly vault: SecretBox;
  private readonly recoveryKey: Buffer;

  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly audit: AuditService,
    private readonly throttle: AttemptThrottle,
    private readonly tokens: TokenService,
  ) {
    this.vault = new SecretBox(config.dataKey);
    this.recoveryKey = createHmac('sha256', config.dataKey).update('zhiyin:recovery-code').digest();
  }

  /** After a right password: a challenge when the user has a second factor or their role requires one. */
  async challengeFor(user: UserEntity): Promise<SecondFactorChallenge | null> {
    if (await this.enabled(user.id)) return this.issueChallenge(user.id, 'verify');
    if (await this.requiredFor(user.role)) return this.issueChallenge(user.id, 'enroll');
    return null;
  }

  /** Completes a sign-in with a TOTP or a recovery code; the challenge is used up by a success. */
  async verifyChallenge(challengeToken: string, code: string): Promise<{ user: UserEntity; method: string }> {
    const { id, user } = await this.openChallenge(challengeToken, 'verify');
    await this.claimAttempt(user.id);
    const normalised = code.replace(/[\s-]/g, '').toUpperCase();
    let method: 'totp' | 'recovery_code';
    if (/^\d{6}$/.test(normalised)) {
      method = 'totp';
      if (!(await this.useTotp(user.id, normalised))) await this.refuse(user.id, 'totp');
    } else {
      method = 'recovery_code';
      if (!(await this.useRecoveryCode(user.id, normalised))) await this.refuse(user.id, 'recovery_code');
      await this.audit.record({
        action: 'auth.recovery_code_used',
        resourceType: 'user',
        resourceId: user.id,
        outcome: 'success',
        details: { recoveryCodesLeft: await this.recoveryCodesLeft(user.id) },
      });
    }
    await this.consumeChallenge(id);
    await this.throttle.reset([['second_factor', AttemptThrottle.key(user.id)]]);
    return { user, method };
  }

  /** The enrolment a challenge of purpose "enroll" (the role requires it) lets a user start. */
  async userOfEnrolmentChallenge(challengeToken: string): Promise<UserEntity> {
    return (await this.openChallenge(challengeToken, 'enroll')).user;
  }

  /** Used up when the enrolment it allowed is confirmed. */
  async finishEnrolmentChallenge(challengeToken: string): Promise<void> {
    const { id } = await this.openChallenge(challengeToken, 'enroll');
    await this.consumeChallenge(id);
  }

  /** A new secret, pending until a code from it is confirmed; any earlier pending one is replaced. */
  async beginEnrolment(user: UserEntity): Promise<TotpEnrolment> {
    if (await this.enabled(user.id))
      throw new AppError(
        'SECOND_FACTOR_ALREADY_ENABLED',
        'A second factor is already set up. Turn it off first to set up a new one.',
      );
    const secret = newTotpSecret();
    await this.ds.query(
      `INSERT INTO user_totp (user_id, secret_enc) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET secret_enc = EXCLUDED.secret_enc, last_used_step = NULL, created_at = now()
       WHERE user_totp.enabled_at IS NULL`,
      [user.id, this.vault.encrypt(secret)],
    );
    await this.audit.record({
      action: 'auth.totp_enrol_started',
      resourceType: 'user',
      resourceId: user.id,
      outcome: 'success',
    });
    const otpauthUri = totpUri(secret, user.username);
    return { otpauthUri, qrCode: await qrDataUrl(otpauthUri), secret };
  }

  /** Activates the pending secret with a right code from it; answers the recovery codes, shown this once. */
  async confirmEnrolment(user: UserEntity, code: string): Promise<{ recoveryCodes: string[] }> {
    const [pending] = await this.ds.query<{ secret_enc: Buffer }[]>(
      'SELECT secret_enc FROM user_totp WHERE user_id = $1 AND enabled_at IS NULL',
      [user.id],
    );
    if (!pending)
      throw new AppError('SECOND_FACTOR_NOT_STARTED', 'Start the set-up first: no new second factor is waiting.');
    await this.claimAttempt(user.id);
    const step = await totpStep(this.vault.decrypt(pending.secret_enc), code.replace(/\s/g, ''));
    if (step === null) await this.refuse(user.id, 'totp_enrol');
    const recoveryCodes = await this.ds.transaction(async (m) => {
      const done = await changedRows<unknown>(
        m,
        `UPDATE user_totp SET enabled_at = now(), last_used_step = $2
          WHERE user_id = $1 AND enabled_at IS NULL AND secret_enc = $3 RETURNING user_id`,
        [user.id, step, pending.secret_enc],
      );
      if (done.length === 0)
        throw new AppError('SECOND_FACTOR_NOT_STARTED', 'Start the set-up first: no new second factor is waiting.');
      const codes = await this.replaceRecoveryCodes(m, user.id);
      await this.audit.record(
        { action: 'auth.totp_enrolled', resourceType: 'user', resourceId: user.id, outcome: 'success' },
        m,
      );
      return codes;
    });
    await this.throttle.reset([['second_factor', AttemptThrottle.key(user.id)]]);
    return { recoveryCodes };
  }

  /** Turns the second factor off, with a current code; not while the user's role requires it. */
  async disable(actor: Actor, code: string): Promise<void> {
    const user = await this.staffUser(actor);
    if (await this.requiredFor(user.role))
      throw new AppError('SECOND_FACTOR_REQUIRED', 'Your role requires a second factor, so it cannot be turned off.');
    if (!(await this.enabled(user.id))) throw notFound('Second factor');
    await this.claimAttempt(user.id);
    const normalised = code.replace(/[\s-]/g, '').toUpperCase();
    const ok = /^\d{6}$/.test(normalised)
      ? await this.useTotp(user.id, normalised)
      : await this.useRecoveryCode(user.id, normalised);
    if (!ok) await this.refuse(user.id, 'totp_disable');
    await this.ds.transaction(async (m) => {
      await m.query('DELETE FROM user_recovery_code WHERE user_id = $1', [user.id]);
      await m.query('DELETE FROM user_totp WHERE user_id = $1', [user.id]);
      await this.audit.record(
        { action: 'auth.totp_disabled', resourceType: 'user', resourceId: user.id, outcome: 'success' },
        m,
      );
    });
    await this.throttle.reset([['second_factor', AttemptThrottle.key(user.id)]]);
  }

  /** New recovery codes (the old ones stop working), with a current TOTP code. */
  async regenerateRecoveryCodes(actor: Actor, code: string): Promise<{ recoveryCodes: string[] }> {
    const user = await this.staffUser(actor);
    if (!(await this.enabled(user.id))) throw notFound('Second factor');
    await this.claimAttempt(user.id);
    if (!(await this.useTotp(user.id, code.replace(/\s/g, '')))) await this.refuse(user.id, 'recovery_codes_renew');
    const recoveryCodes = await this.ds.transaction(async (m) => {
      const codes = await this.replaceRecoveryCodes(m, user.id);
      await this.audit.record(
        { action: 'auth.recovery_codes_renewed', resourceType: 'user', resourceId: user.id, outcome: 'success' },
        m,
      );
      return codes;
    });
    await this.throttle.reset([['second_factor', AttemptThrottle.key(user.id)]]);
    return { recoveryCodes };
  }

  async status(actor: Actor): Promise<SecondFactorStatus> {
    const user = await this.staffUser(actor);
    return {
      enabled: await this.enabled(user.id),
      required: await this.requiredFor(user.role),
      recoveryCodesLeft: await this.recoveryCodesLeft(user.id),
    };
  }

  /** An administrator removes a user's second factor (a lost phone with no recovery code left). */
  async resetForUser(userId: string): Promise<void> {
    const user = await this.ds.getRepository(UserEntity).findOneBy({ id: userId });
    if (!user) throw notFound('User');
    await this.ds.transaction(async (m) => {
      await m.query('DELETE FROM user_recovery_code WHERE user_id = $1', [userId]);
      await m.query('DELETE FROM user_totp WHERE user_id = $1', [userId]);
      await m.query(`DELETE FROM auth_throttle WHERE scope = 'second_factor' AND key_hash = $1`, [
        AttemptThrottle.key(userId),
      ]);
      await this.audit.record(
        { action: 'user.second_factor_reset', resourceType: 'user', resourceId: userId, outcome: 'success' },
        m,
      );
    });
  }

  async policy(): Promise<{ requiredRoles: StaffRole[] }> {
    const rows = await this.ds.query<{ role: StaffRole }[]>(
      'SELECT role FROM second_factor_policy WHERE required ORDER BY role',
    );
    return { requiredRoles: rows.map((r) => r.role) };
  }

  /** Which roles must sign in with a second factor; users of those roles without one enrol at next sign-in. */
  async setPolicy(actor: Actor, requiredRoles: StaffRole[]): Promise<{ requiredRoles: StaffRole[] }> {
    await this.ds.transaction(async (m) => {
      for (const role of STAFF_ROLES) {
        await m.query(
          `INSERT INTO second_factor_policy (role, required, changed_by) VALUES ($1, $2, $3)
           ON CONFLICT (role) DO UPDATE SET required = EXCLUDED.required, changed_by = EXCLUDED.changed_by, changed_at = now()`,
          [role, requiredRoles.includes(role), actor.id],
        );
      }
      await this.audit.record(
        {
          action: 'settings.second_factor_policy',
          resourceType: 'setting',
          resourceId: 'second_factor_policy',
          outcome: 'success',
          details: { requiredRoles: [...new Set(requiredRoles)].sort() },
        },
        m,
      );
    });
    return this.policy();
  }

  async staffUser(actor: Actor): Promise<UserEntity> {
    const user = actor.role === 'patient' ? null : await this.ds.getRepository(UserEntity).findOneBy({ id: actor.id });
    if (!user || !user.active) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
    return user;
  }

  private async enabled(userId: string): Promise<boolean> {
    const rows = await this.ds.query<unknown[]>(
      'SELECT 1 FROM user_totp WHERE user_id = $1 AND enabled_at IS NOT NULL',
      [userId],
    );
    return rows.length > 0;
  }

  private async requiredFor(role: StaffRole): Promise<boolean> {
    const rows = await this.ds.query<unknown[]>('SELECT 1 FROM second_factor_policy WHERE role = $1 AND required', [
      role,
    ]);
    return rows.length > 0;
  }

  private async recoveryCodesLeft(userId: string): Promise<number> {
    const [row] = await this.ds.query<{ n: number }[]>(
      'SELECT count(*)::int AS n FROM user_recovery_code WHERE user_id = $1 AND used_at IS NULL',
      [userId],
    );
    return row?.n ?? 0;
  }

  /** A code of the enabled secret, accepted once: its time step must be later than the last one used. */
  private async useTotp(userId: string, code: string): Promise<boolean> {
    const [row] = await this.ds.query<{ secret_enc: Buffer }[]>(
      'SELECT secret_enc FROM user_totp WHERE user_id = $1 AND enabled_at IS NOT NULL',
      [userId],
    );
    if (!row) return false;
    const step = await totpStep(this.vault.decrypt(row.secret_enc), code);
    if (step === null) return false;
    const used = await changedRows<unknown>(
      this.ds,
      `UPDATE user_totp SET last_used_step = $2
        WHERE user_id = $1 AND enabled_at IS NOT NULL AND (last_used_step IS NULL OR last_used_step < $2)
        RETURNING user_id`,
      [userId, step],
    );
    return used.length > 0;
  }

  /** Marks a recovery code used in the same statement that finds it, so two requests cannot both use it. */
  private async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    if (!/^[0-9A-Z]{10}$/.test(code)) return false;
    const used = await changedRows<unknown>(
      this.ds,
      `UPDATE user_recovery_code SET used_at = now()
        WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING id`,
      [userId, this.recoveryHash(code)],
    );
    return used.length > 0;
  }

  private recoveryHash(code: string): string {
    return createHmac('sha256', this.recoveryKey).update(code).digest('hex');
  }

  private async replaceRecoveryCodes(m: EntityManager, userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODES }, () => {
      const bytes = randomBytes(10);
      return Array.from(bytes, (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    });
    await m.query('DELETE FROM user_recovery_code WHERE user_id = $1', [userId]);
    for (const code of codes) {
      await m.query('INSERT INTO user_recovery_code (user_id, code_hash) VALUES ($1, $2)', [
        userId,
        this.recoveryHash(code),
      ]);
    }
    // Shown as XXXXX-XXXXX; accepted with or without the dash.
    return codes.map((c) => `${c.slice(0, 5)}-${c.slice(5)}`);
  }

  private async claimAttempt(userId: string): Promise<void> {
    try {
      await this.throttle.claim('second_factor', AttemptThrottle.key(userId), RULES.secondFactor);
    } catch (err) {
      await this.audit.record({
        action: 'auth.second_factor_throttled',
        resourceType: 'user',
        resourceId: userId,
        outcome: 'denied',
      });
      throw err;
    }
  }

  private async refuse(userId: string, method: string): Promise<never> {
    await this.audit.record({
      action: 'auth.second_factor',
      resourceType: 'user',
      resourceId: userId,
      outcome: 'denied',
      details: { method },
    });
    throw new AppError('INVALID_SECOND_FACTOR', 'The code is wrong, expired or already used.');
  }

  private async issueChallenge(userId: string, purpose: 'verify' | 'enroll'): Promise<SecondFactorChallenge> {
    const { token, hash } = this.tokens.newOpaqueToken();
    await this.ds.query(
      `INSERT INTO auth_challenge (token_hash, user_id, purpose, expires_at)
       VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [hash, userId, purpose, CHALLENGE_TTL_SECONDS],
    );
    // Old challenges are of no use to anyone: cleared as new ones are made.
    await this.ds.query(`DELETE FROM auth_challenge WHERE expires_at < now() - interval '1 day'`);
    return { secondFactor: purpose, challengeToken: token, expiresIn: CHALLENGE_TTL_SECONDS };
  }

  private async openChallenge(token: string, purpose: 'verify' | 'enroll'): Promise<{ id: string; user: UserEntity }> {
    const [row] = await this.ds.query<{ id: string; user_id: string }[]>(
      `SELECT id, user_id FROM auth_challenge
        WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > now()`,
      [hashToken(token), purpose],
    );
    const user = row ? await this.ds.getRepository(UserEntity).findOneBy({ id: row.user_id }) : null;
    if (!row || !user || !user.active)
      throw new AppError('INVALID_CHALLENGE', 'The sign-in has expired. Enter your user name and password again.');
    return { id: row.id, user };
  }

  private async consumeChallenge(id: string): Promise<void> {
    const done = await changedRows<unknown>(
      this.ds,
      'UPDATE auth_challenge SET used_at = now() WHERE id = $1 AND used_at IS NULL RETURNING id',
      [id],
    );
    if (done.length === 0)
      throw new AppError('INVALID_CHALLENGE', 'The sign-in has expired. Enter your user name and password again.');
  }
}
