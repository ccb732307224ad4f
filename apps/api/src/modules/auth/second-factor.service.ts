import { Inject, Injectable } from '@nestjs/common';
import { createHmac, randomBytes } from 'node:crypto';
import type {
  RecoveryCodesView,
  SecondFactorChallenge,
  SecondFactorPolicyView,
  SecondFactorStatus,
  TotpEnrolment,
} from '@zhiyin/contracts';
import { STAFF_ROLES, type StaffRole } from '@zhiyin/workflow';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AppError, notFound } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { SecretBox } from '#src/common/secret-box.js';
import { AttemptThrottle, RULES } from './attempt-throttle.service.js';
import { SecondFactorRepository, type Tx } from './second-factor.repository.js';
import { hashToken, TokenService } from './token.service.js';
import { newTotpSecret, qrDataUrl, totpStep, totpUri } from './totp.js';
import type { UserEntity } from './user.entity.js';

export type { SecondFactorChallenge, SecondFactorStatus, TotpEnrolment };

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
    private readonly repo: SecondFactorRepository,
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
    await this.repo.savePendingSecret(user.id, this.vault.encrypt(secret));
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
  async confirmEnrolment(user: UserEntity, code: string): Promise<RecoveryCodesView> {
    const pending = await this.repo.pendingSecret(user.id);
    if (!pending)
      throw new AppError('SECOND_FACTOR_NOT_STARTED', 'Start the set-up first: no new second factor is waiting.');
    await this.claimAttempt(user.id);
    const step = await totpStep(this.vault.decrypt(pending), code.replace(/\s/g, ''));
    if (step === null) await this.refuse(user.id, 'totp_enrol');
    const recoveryCodes = await this.repo.transaction(async (m) => {
      if (!(await this.repo.enable(m, user.id, step, pending)))
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
    await this.repo.transaction(async (m) => {
      await this.repo.remove(m, user.id);
      await this.audit.record(
        { action: 'auth.totp_disabled', resourceType: 'user', resourceId: user.id, outcome: 'success' },
        m,
      );
    });
    await this.throttle.reset([['second_factor', AttemptThrottle.key(user.id)]]);
  }

  /** New recovery codes (the old ones stop working), with a current TOTP code. */
  async regenerateRecoveryCodes(actor: Actor, code: string): Promise<RecoveryCodesView> {
    const user = await this.staffUser(actor);
    if (!(await this.enabled(user.id))) throw notFound('Second factor');
    await this.claimAttempt(user.id);
    if (!(await this.useTotp(user.id, code.replace(/\s/g, '')))) await this.refuse(user.id, 'recovery_codes_renew');
    const recoveryCodes = await this.repo.transaction(async (m) => {
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
    const user = await this.repo.user(userId);
    if (!user) throw notFound('User');
    await this.repo.transaction(async (m) => {
      await this.repo.remove(m, userId);
      await this.repo.clearThrottle(m, AttemptThrottle.key(userId));
      await this.audit.record(
        { action: 'user.second_factor_reset', resourceType: 'user', resourceId: userId, outcome: 'success' },
        m,
      );
    });
  }

  async policy(): Promise<SecondFactorPolicyView> {
    return { requiredRoles: await this.repo.requiredRoles() };
  }

  /** Which roles must sign in with a second factor; users of those roles without one enrol at next sign-in. */
  async setPolicy(actor: Actor, requiredRoles: readonly StaffRole[]): Promise<SecondFactorPolicyView> {
    await this.repo.transaction(async (m) => {
      for (const role of STAFF_ROLES) {
        await this.repo.setRequired(m, role, requiredRoles.includes(role), actor.id);
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
    const user = actor.role === 'patient' ? null : await this.repo.user(actor.id);
    if (!user || !user.active) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
    return user;
  }

  private enabled(userId: string): Promise<boolean> {
    return this.repo.enabled(userId);
  }

  private requiredFor(role: StaffRole): Promise<boolean> {
    return this.repo.requiredFor(role);
  }

  private recoveryCodesLeft(userId: string): Promise<number> {
    return this.repo.recoveryCodesLeft(userId);
  }

  /** A code of the enabled secret, accepted once: its time step must be later than the last one used. */
  private async useTotp(userId: string, code: string): Promise<boolean> {
    const secret = await this.repo.enabledSecret(userId);
    if (!secret) return false;
    const step = await totpStep(this.vault.decrypt(secret), code);
    if (step === null) return false;
    return this.repo.useStep(userId, step);
  }

  /** Marks a recovery code used in the same statement that finds it, so two requests cannot both use it. */
  private async useRecoveryCode(userId: string, code: string): Promise<boolean> {
    if (!/^[0-9A-Z]{10}$/.test(code)) return false;
    return this.repo.useRecoveryCode(userId, this.recoveryHash(code));
  }

  private recoveryHash(code: string): string {
    return createHmac('sha256', this.recoveryKey).update(code).digest('hex');
  }

  private async replaceRecoveryCodes(m: Tx, userId: string): Promise<string[]> {
    const codes = Array.from({ length: RECOVERY_CODES }, () => {
      const bytes = randomBytes(10);
      return Array.from(bytes, (b) => RECOVERY_ALPHABET[b % RECOVERY_ALPHABET.length]).join('');
    });
    await this.repo.replaceRecoveryCodes(
      m,
      userId,
      codes.map((c) => this.recoveryHash(c)),
    );
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
    await this.repo.insertChallenge(hash, userId, purpose, CHALLENGE_TTL_SECONDS);
    // Old challenges are of no use to anyone: cleared as new ones are made.
    await this.repo.deleteOldChallenges();
    return { secondFactor: purpose, challengeToken: token, expiresIn: CHALLENGE_TTL_SECONDS };
  }

  private async openChallenge(token: string, purpose: 'verify' | 'enroll'): Promise<{ id: string; user: UserEntity }> {
    const row = await this.repo.openChallenge(hashToken(token), purpose);
    const user = row ? await this.repo.user(row.user_id) : null;
    if (!row || !user || !user.active)
      throw new AppError('INVALID_CHALLENGE', 'The sign-in has expired. Enter your user name and password again.');
    return { id: row.id, user };
  }

  private async consumeChallenge(id: string): Promise<void> {
    if (!(await this.repo.consumeChallenge(id)))
      throw new AppError('INVALID_CHALLENGE', 'The sign-in has expired. Enter your user name and password again.');
  }
}
