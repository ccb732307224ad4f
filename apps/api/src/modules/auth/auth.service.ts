import { Inject, Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { SessionUserView, SessionView } from '@zhiyin/contracts';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AppError } from '#src/common/errors.js';
import { requestContext, type Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { DUMMY_HASH, verifyPassword } from './password.js';
import { PATIENT_SIGN_IN, type PatientSignIn, type PatientSignInRecord } from './ports.js';
import { SessionRevocations } from './session-revocations.service.js';
import { AuthRepository, type Tx } from './auth.repository.js';
import { hashToken, TokenService } from './token.service.js';
import { accountAddressKey, accountKey, AttemptThrottle, RULES } from './attempt-throttle.service.js';
import { SecondFactorService, type SecondFactorChallenge } from './second-factor.service.js';
import type { UserEntity } from './user.entity.js';

// Wrong birth dates a patient's code allows before it is revoked.
const MAX_FAILURES_PER_PATIENT_CODE = 5;

/** A session as the service starts it: the answer's body (SessionView) and the refresh token for the cookie. */
export interface SessionTokens extends SessionView {
  /** for the refresh cookie only (never in a response body); null: keep the cookie as it is */
  refreshToken: string | null;
  /** seconds the refresh token is valid; unset: REFRESH_TOKEN_TTL */
  refreshExpiresIn?: number;
}

// How long after its rotation a refresh token may still be presented (see AuthService.refresh).
const ROTATION_GRACE_SECONDS = 30;

function secondsUntil(at: Date | undefined): number | null {
  return at ? Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000)) : null;
}

@Injectable()
export class AuthService {
  constructor(
    private readonly repo: AuthRepository,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly revocations: SessionRevocations,
    private readonly throttle: AttemptThrottle,
    private readonly secondFactor: SecondFactorService,
    @Inject(PATIENT_SIGN_IN) private readonly patients: PatientSignIn<Tx>,
  ) {}

  /**
   * Checks the password. Without a second factor the sign-in starts; with one (enrolled, or required
   * for the role) the answer is a short-lived challenge to complete with a code or an enrolment.
   */
  async login(username: string, password: string): Promise<SessionTokens | SecondFactorChallenge> {
    const name = username.trim().toLowerCase();
    const address = requestContext.get()?.clientIp ?? 'unknown';
    const user = await this.repo.userByName(name);
    // Counted before the password is checked, so parallel guesses cannot outrun the limits. The user's
    // own recent address is not slowed by failures from elsewhere (only by its own, and the hard limit).
    const known = user ? await this.throttle.isKnownAddress(user.id, address) : false;
    try {
      await this.throttle.claim('account_address', accountAddressKey(name, address), RULES.accountAddress);
      await this.throttle.claim('account', accountKey(name), RULES.account, { ignoreDelay: known });
    } catch (err) {
      await this.audit.record({
        action: 'auth.password_throttled',
        resourceType: 'user',
        resourceId: user?.id ?? null,
        outcome: 'denied',
      });
      throw err;
    }

    const ok = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, password);
    if (!user || !ok || !user.active) {
      await this.audit.record({
        action: 'auth.login',
        resourceType: 'user',
        resourceId: user?.id ?? null,
        outcome: 'denied',
      });
      throw new AppError('INVALID_CREDENTIALS', 'The user name or password is wrong.');
    }
    await this.throttle.reset([
      ['account_address', accountAddressKey(name, address)],
      ['account', accountKey(name)],
    ]);
    if (!(await this.facilityActive(user.facilityId))) {
      await this.audit.record({
        action: 'auth.login',
        resourceType: 'user',
        resourceId: user.id,
        outcome: 'denied',
        details: { reason: 'facility_inactive' },
      });
      throw new AppError(
        'FACILITY_INACTIVE',
        'Your centre has been deactivated, so its accounts cannot sign in. Contact the network administrator.',
      );
    }
    const challenge = await this.secondFactor.challengeFor(user);
    if (challenge) return challenge;
    return this.startSession(user);
  }

  /** The sign-in is complete (password, and the second factor where one applies): issue the tokens. */
  async startSession(user: UserEntity, details?: Record<string, unknown>): Promise<SessionTokens> {
    const actor = this.actorOf(user, randomUUID());
    requestContext.setActor(actor);
    const refresh = await this.issueRefresh(undefined, user.id, actor.sessionId!);
    await this.throttle.rememberAddress(user.id, requestContext.get()?.clientIp ?? 'unknown');
    await this.audit.record({
      action: 'auth.login',
      resourceType: 'user',
      resourceId: user.id,
      outcome: 'success',
      ...(details ? { details } : {}),
    });
    return { ...this.access(actor), refreshToken: refresh, user: this.sessionUser(user) };
  }

  /**
   * Rotates the refresh token. Presenting an already-rotated token revokes the whole sign-in (theft),
   * except within a short grace after its rotation while its successor is still unused: two tabs of
   * one browser share the cookie and may both refresh at once, and a response lost on the way leaves
   * the browser with the old token. Such a late call gets an access token but no new refresh token
   * (the browser keeps the successor it was already given), so the family never forks.
   */
  async refresh(refreshToken: string): Promise<SessionTokens> {
    const result = await this.repo.transaction(async (m) => {
      const row = await this.repo.lockRefreshToken(m, hashToken(refreshToken));
      if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) return { error: 'invalid' as const };
      const grace =
        row.rotatedAt !== null &&
        (await this.repo.withinRotationGrace(m, row.familyId, row.rotatedAt, ROTATION_GRACE_SECONDS));
      if (row.rotatedAt && !grace) {
        await this.repo.revokeFamily(row.familyId, m);
        return { error: 'reused' as const, userId: row.userId };
      }
      const session = row.patientAccessCodeId
        ? await this.patientSession(m, row.patientAccessCodeId, row.familyId, row.expiresAt)
        : await this.staffSession(m, row.userId!, row.familyId);
      if (!session) return { error: 'invalid' as const };
      if (grace) return { tokens: { ...session, refreshToken: null } };
      await this.repo.markRotated(m, row.id);
      // A patient's session ends at a fixed time (PATIENT_SESSION_TTL after sign-in); a staff sign-in
      // lasts while it is used.
      const expiresAt = row.patientAccessCodeId ? row.expiresAt : undefined;
      const next = await this.issueRefresh(m, row.userId, row.familyId, expiresAt, row.patientAccessCodeId);
      return {
        tokens: { ...session, refreshToken: next, refreshExpiresIn: secondsUntil(expiresAt) ?? undefined },
      };
    });
    if ('error' in result) {
      if (result.error === 'reused') {
        // A stolen refresh token: the thief's and the owner's access tokens stop now.
        await this.revocations.refresh();
        await this.audit.record({
          action: 'auth.refresh_reuse',
          resourceType: 'user',
          resourceId: result.userId ?? null,
          outcome: 'denied',
        });
      }
      throw new AppError('INVALID_REFRESH_TOKEN', 'Your session has ended. Sign in again.');
    }
    return result.tokens;
  }

  async logout(refreshToken: string): Promise<void> {
    const row = await this.repo.refreshToken(hashToken(refreshToken));
    if (row) {
      await this.repo.revokeFamily(row.familyId);
      await this.revocations.refresh();
      if (row.patientAccessCodeId) {
        const code = await this.patients.accessCode(row.patientAccessCodeId);
        await this.audit.record({
          action: 'auth.logout',
          resourceType: 'patient',
          resourceId: code?.patientId ?? null,
          patientId: code?.patientId ?? null,
          outcome: 'success',
        });
        return;
      }
      await this.audit.record({
        action: 'auth.logout',
        resourceType: 'user',
        resourceId: row.userId,
        outcome: 'success',
      });
    }
  }

  /**
   * A patient signs in with the code from their community doctor and their birth date. Each code allows
   * MAX_FAILURES_PER_PATIENT_CODE wrong dates: an attempt takes one of them (one UPDATE on the code's
   * row) before the date is compared, and a right date gives it back, so however many guesses arrive
   * together no more dates are ever compared than allowed.
   */
  async patientLogin(rawCode: string, birthDate: string): Promise<SessionTokens> {
    const code = rawCode.toUpperCase().replace(/[^0-9A-Z]/g, '');
    const codeHash = hashToken(code);
    const address = requestContext.get()?.clientIp ?? 'unknown';
    const audit = (patientId: string | null, outcome: 'denied' | 'success', reason?: string) =>
      this.audit.record({
        action: 'auth.patient_login',
        resourceType: 'patient',
        resourceId: patientId,
        patientId,
        outcome,
        ...(reason ? { details: { reason } } : {}),
      });
    const refused = () =>
      new AppError('INVALID_PATIENT_CODE', 'The code or the date of birth is wrong, or the code has expired.');

    try {
      await this.throttle.claim('patient_address', AttemptThrottle.key(address), RULES.patientAddress);
    } catch (err) {
      await this.audit.record({ action: 'auth.patient_code_throttled', resourceType: 'auth', outcome: 'denied' });
      throw err;
    }
    const claimed = await this.repo.claimPatientCode(codeHash, MAX_FAILURES_PER_PATIENT_CODE);
    if (!claimed) {
      const known = await this.repo.patientOfCode(codeHash);
      await audit(known?.patient_id ?? null, 'denied', known ? 'code_unusable' : 'unknown_code');
      throw refused();
    }
    const patient = await this.patients.patient(claimed.patient_id);
    if (!patient || patient.birthDate !== birthDate) {
      // The last allowed wrong date ends the code (and any sign-in made with it).
      if (await this.repo.revokeExhaustedCode(claimed.id, MAX_FAILURES_PER_PATIENT_CODE))
        await this.revocations.refresh();
      await audit(claimed.patient_id, 'denied', 'birth_date_mismatch');
      throw refused();
    }
    const row = await this.repo.useCode(claimed.id);
    if (!row) {
      await audit(claimed.patient_id, 'denied', 'code_unusable');
      throw refused();
    }
    // A right answer is not a failure: give the address its attempt back.
    await this.throttle.release('patient_address', AttemptThrottle.key(address));
    // The session is a refresh-token family bound to the code: signing out revokes the family, and
    // replacing or revoking the code ends it too (SessionRevocations).
    const sessionEnds = new Date(Date.now() + this.config.patientSessionTtl * 1000);
    const actor = this.patientActor(patient, randomUUID());
    requestContext.setActor(actor);
    const refresh = await this.issueRefresh(undefined, null, actor.sessionId!, sessionEnds, row.id);
    await this.audit.record({
      action: 'auth.patient_login',
      resourceType: 'patient',
      resourceId: patient.id,
      patientId: patient.id,
      outcome: 'success',
    });
    return {
      ...this.access(actor, this.config.patientSessionTtl),
      refreshToken: refresh,
      refreshExpiresIn: this.config.patientSessionTtl,
      user: this.patientUser(patient),
    };
  }

  async me(actor: Actor): Promise<SessionUserView> {
    if (actor.role === 'patient') {
      const p = await this.patients.patient(actor.id);
      if (!p) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
      return this.patientUser(p);
    }
    const user = await this.repo.user(actor.id);
    if (!user || !user.active) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
    return this.sessionUser(user);
  }

  private access(actor: Actor, ttl?: number) {
    const { token, expiresIn } = this.tokens.signAccess(actor, ttl);
    return { accessToken: token, expiresIn };
  }

  private actorOf(user: UserEntity, sessionId: string): Actor {
    return {
      id: user.id,
      role: user.role,
      facilityId: user.facilityId,
      specialty: user.specialty,
      readingCentreId: user.readingCentreId,
      sessionId,
    };
  }

  private sessionUser(user: UserEntity): SessionUserView {
    return {
      id: user.id,
      role: user.role,
      facilityId: user.facilityId,
      specialty: user.specialty,
      readingCentreId: user.readingCentreId,
      displayNameZh: user.displayNameZh,
      displayNameEn: user.displayNameEn,
    };
  }

  /** Issues a refresh token of the family; `m`: the caller's transaction, if any. */
  private async issueRefresh(
    m: Tx | undefined,
    userId: string | null,
    familyId: string,
    expiresAt = new Date(Date.now() + this.config.refreshTokenTtl * 1000),
    patientAccessCodeId: string | null = null,
  ): Promise<string> {
    const { token, hash } = this.tokens.newOpaqueToken();
    await this.repo.insertRefreshToken({ userId, patientAccessCodeId, familyId, tokenHash: hash, expiresAt }, m);
    return token;
  }

  private async staffSession(m: Tx, userId: string, familyId: string) {
    const user = await this.repo.user(userId, m);
    if (!user || !user.active || !(await this.facilityActive(user.facilityId, m))) return null;
    return { ...this.access(this.actorOf(user, familyId)), user: this.sessionUser(user) };
  }

  /** A patient's session goes on while its code is valid, up to the session's fixed end. */
  private async patientSession(m: Tx, codeId: string, familyId: string, sessionEnds: Date) {
    const code = await this.patients.accessCode(codeId, m);
    if (!code || code.revokedAt || code.expiresAt.getTime() <= Date.now()) return null;
    const patient = await this.patients.patient(code.patientId, m);
    if (!patient) return null;
    const ttl = secondsUntil(sessionEnds)!;
    return { ...this.access(this.patientActor(patient, familyId), ttl), user: this.patientUser(patient) };
  }

  private patientActor(patient: PatientSignInRecord, sessionId: string): Actor {
    return {
      id: patient.id,
      role: 'patient',
      facilityId: patient.homeFacilityId,
      specialty: null,
      readingCentreId: null,
      sessionId,
    };
  }

  private patientUser(p: PatientSignInRecord): SessionUserView {
    return {
      id: p.id,
      role: 'patient',
      facilityId: p.homeFacilityId,
      specialty: null,
      readingCentreId: null,
      displayNameZh: `${p.familyNameZh}${p.givenNameZh}`,
      displayNameEn: p.namePinyin,
    };
  }

  /** Whether the account's facility (if any) is active: a deactivated centre's accounts cannot sign in. */
  private async facilityActive(facilityId: string | null, m?: Tx): Promise<boolean> {
    if (!facilityId) return true;
    return this.repo.facilityActive(facilityId, m);
  }
}
