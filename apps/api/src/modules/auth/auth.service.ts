import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, type EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AppError } from '#src/common/errors.js';
import { requestContext, type Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { PatientAccessCodeEntity, PatientEntity } from '#src/modules/patients/patient.entity.js';
import { DUMMY_HASH, verifyPassword } from './password.js';
import { SessionRevocations } from './session-revocations.service.js';
import { hashToken, TokenService } from './token.service.js';
import { AuthFailureEntity, RefreshTokenEntity, UserEntity } from './user.entity.js';

// Throttling: per account name and per client address, counted over a sliding window.
const WINDOW_MINUTES = 15;
const MAX_FAILURES_PER_ACCOUNT = 5;
const MAX_FAILURES_PER_ADDRESS = 30;
const MAX_FAILURES_PER_PATIENT_CODE = 5;
const MAX_PATIENT_FAILURES_PER_ADDRESS = 10;

export interface SessionTokens {
  accessToken: string;
  expiresIn: number;
  /** for the refresh cookie only (never in a response body); null: keep the cookie as it is */
  refreshToken: string | null;
  /** seconds the refresh token is valid; unset: REFRESH_TOKEN_TTL */
  refreshExpiresIn?: number;
  user: SessionUser;
}

// How long after its rotation a refresh token may still be presented (see AuthService.refresh).
const ROTATION_GRACE_SECONDS = 30;

function secondsUntil(at: Date | undefined): number | null {
  return at ? Math.max(1, Math.ceil((at.getTime() - Date.now()) / 1000)) : null;
}

export interface SessionUser {
  id: string;
  role: Actor['role'];
  facilityId: string | null;
  specialty: Actor['specialty'];
  readingCentreId: string | null;
  displayNameZh: string;
  displayNameEn: string;
}

@Injectable()
export class AuthService {
  constructor(
    @InjectDataSource() private readonly ds: DataSource,
    private readonly tokens: TokenService,
    private readonly audit: AuditService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly revocations: SessionRevocations,
  ) {}

  async login(username: string, password: string): Promise<SessionTokens> {
    const name = username.trim().toLowerCase();
    const subjectHash = hashToken(`user:${name}`);
    await this.assertNotThrottled('password', subjectHash, MAX_FAILURES_PER_ACCOUNT, MAX_FAILURES_PER_ADDRESS);

    const user = await this.ds.getRepository(UserEntity).findOneBy({ username: name });
    const ok = await verifyPassword(user?.passwordHash ?? DUMMY_HASH, password);
    if (!user || !ok || !user.active) {
      await this.recordFailure('password', subjectHash);
      await this.audit.record({
        action: 'auth.login',
        resourceType: 'user',
        resourceId: user?.id ?? null,
        outcome: 'denied',
      });
      throw new AppError('INVALID_CREDENTIALS', 'The user name or password is wrong.');
    }
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
    const actor = this.actorOf(user, randomUUID());
    requestContext.setActor(actor);
    const refresh = await this.issueRefresh(this.ds.manager, user.id, actor.sessionId!);
    await this.audit.record({ action: 'auth.login', resourceType: 'user', resourceId: user.id, outcome: 'success' });
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
    const result = await this.ds.transaction(async (m) => {
      const row = await m
        .getRepository(RefreshTokenEntity)
        .createQueryBuilder('t')
        .where('t.token_hash = :h', { h: hashToken(refreshToken) })
        .setLock('pessimistic_write')
        .getOne();
      if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) return { error: 'invalid' as const };
      const grace = row.rotatedAt !== null && (await this.withinRotationGrace(m, row));
      if (row.rotatedAt && !grace) {
        await this.revokeFamily(m, row.familyId);
        return { error: 'reused' as const, userId: row.userId };
      }
      const session = row.patientAccessCodeId
        ? await this.patientSession(m, row.patientAccessCodeId, row.familyId, row.expiresAt)
        : await this.staffSession(m, row.userId!, row.familyId);
      if (!session) return { error: 'invalid' as const };
      if (grace) return { tokens: { ...session, refreshToken: null } };
      await m.update(RefreshTokenEntity, { id: row.id }, { rotatedAt: new Date() });
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
    const row = await this.ds.getRepository(RefreshTokenEntity).findOneBy({ tokenHash: hashToken(refreshToken) });
    if (row) {
      await this.revokeFamily(this.ds.manager, row.familyId);
      await this.revocations.refresh();
      if (row.patientAccessCodeId) {
        const code = await this.ds.getRepository(PatientAccessCodeEntity).findOneBy({ id: row.patientAccessCodeId });
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

  /** A patient signs in with the code from their community doctor and their birth date. */
  async patientLogin(rawCode: string, birthDate: string): Promise<SessionTokens> {
    const code = rawCode.toUpperCase().replace(/[^0-9A-Z]/g, '');
    const codeHash = hashToken(code);
    await this.assertNotThrottled(
      'patient_code',
      codeHash,
      MAX_FAILURES_PER_PATIENT_CODE,
      MAX_PATIENT_FAILURES_PER_ADDRESS,
    );
    const denied = async (patientId: string | null) => {
      await this.recordFailure('patient_code', codeHash);
      await this.audit.record({
        action: 'auth.patient_login',
        resourceType: 'patient',
        resourceId: patientId,
        patientId,
        outcome: 'denied',
      });
      return new AppError('INVALID_PATIENT_CODE', 'The code or the date of birth is wrong, or the code has expired.');
    };
    const row = await this.ds.getRepository(PatientAccessCodeEntity).findOneBy({ codeHash });
    if (!row || row.revokedAt || row.expiresAt.getTime() <= Date.now()) throw await denied(row?.patientId ?? null);
    const patient = await this.ds.getRepository(PatientEntity).findOneBy({ id: row.patientId });
    if (!patient || patient.birthDate !== birthDate) {
      await this.ds.getRepository(PatientAccessCodeEntity).increment({ id: row.id }, 'failedAttempts', 1);
      if (row.failedAttempts + 1 >= MAX_FAILURES_PER_PATIENT_CODE) {
        await this.ds.getRepository(PatientAccessCodeEntity).update({ id: row.id }, { revokedAt: new Date() });
      }
      throw await denied(row.patientId);
    }
    await this.ds.getRepository(PatientAccessCodeEntity).update({ id: row.id }, { lastUsedAt: new Date() });
    // The session is a refresh-token family bound to the code: signing out revokes the family, and
    // replacing or revoking the code ends it too (SessionRevocations).
    const sessionEnds = new Date(Date.now() + this.config.patientSessionTtl * 1000);
    const actor = this.patientActor(patient, randomUUID());
    requestContext.setActor(actor);
    const refresh = await this.issueRefresh(this.ds.manager, null, actor.sessionId!, sessionEnds, row.id);
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

  async me(actor: Actor): Promise<SessionUser> {
    if (actor.role === 'patient') {
      const p = await this.ds.getRepository(PatientEntity).findOneBy({ id: actor.id });
      if (!p) throw new AppError('UNAUTHENTICATED', 'Sign in to continue.');
      return this.patientUser(p);
    }
    const user = await this.ds.getRepository(UserEntity).findOneBy({ id: actor.id });
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

  private sessionUser(user: UserEntity): SessionUser {
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

  private async issueRefresh(
    m: EntityManager,
    userId: string | null,
    familyId: string,
    expiresAt = new Date(Date.now() + this.config.refreshTokenTtl * 1000),
    patientAccessCodeId: string | null = null,
  ): Promise<string> {
    const { token, hash } = this.tokens.newOpaqueToken();
    await m.insert(RefreshTokenEntity, { userId, patientAccessCodeId, familyId, tokenHash: hash, expiresAt });
    return token;
  }

  /** Whether a rotated token is the family's latest rotation and was rotated moments ago (see refresh). */
  private async withinRotationGrace(m: EntityManager, row: RefreshTokenEntity): Promise<boolean> {
    const [r] = await m.query<{ ok: boolean }[]>(
      `SELECT $2::timestamptz > now() - make_interval(secs => $3)
              AND NOT EXISTS (SELECT 1 FROM refresh_token WHERE family_id = $1 AND rotated_at > $2::timestamptz) AS ok`,
      [row.familyId, row.rotatedAt, ROTATION_GRACE_SECONDS],
    );
    return r?.ok === true;
  }

  private async staffSession(m: EntityManager, userId: string, familyId: string) {
    const user = await m.getRepository(UserEntity).findOneBy({ id: userId });
    if (!user || !user.active || !(await this.facilityActive(user.facilityId, m))) return null;
    return { ...this.access(this.actorOf(user, familyId)), user: this.sessionUser(user) };
  }

  /** A patient's session goes on while its code is valid, up to the session's fixed end. */
  private async patientSession(m: EntityManager, codeId: string, familyId: string, sessionEnds: Date) {
    const code = await m.getRepository(PatientAccessCodeEntity).findOneBy({ id: codeId });
    if (!code || code.revokedAt || code.expiresAt.getTime() <= Date.now()) return null;
    const patient = await m.getRepository(PatientEntity).findOneBy({ id: code.patientId });
    if (!patient) return null;
    const ttl = secondsUntil(sessionEnds)!;
    return { ...this.access(this.patientActor(patient, familyId), ttl), user: this.patientUser(patient) };
  }

  private patientActor(patient: PatientEntity, sessionId: string): Actor {
    return {
      id: patient.id,
      role: 'patient',
      facilityId: patient.homeFacilityId,
      specialty: null,
      readingCentreId: null,
      sessionId,
    };
  }

  private patientUser(p: PatientEntity): SessionUser {
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
  private async facilityActive(facilityId: string | null, m: EntityManager = this.ds.manager): Promise<boolean> {
    if (!facilityId) return true;
    const rows = await m.query<{ active: boolean }[]>('SELECT active FROM facility WHERE id = $1', [facilityId]);
    return rows[0]?.active ?? false;
  }

  private async revokeFamily(m: EntityManager, familyId: string): Promise<void> {
    await m
      .createQueryBuilder()
      .update(RefreshTokenEntity)
      .set({ revokedAt: () => 'now()' })
      .where('family_id = :familyId AND revoked_at IS NULL', { familyId })
      .execute();
  }

  private async assertNotThrottled(
    kind: AuthFailureEntity['kind'],
    subjectHash: string,
    maxPerSubject: number,
    maxPerAddress: number,
  ): Promise<void> {
    const ip = requestContext.get()?.clientIp ?? null;
    const [row] = await this.ds.query<{ by_subject: number; by_address: number }[]>(
      `SELECT count(*) FILTER (WHERE subject_hash = $2)::int AS by_subject,
              count(*) FILTER (WHERE client_ip IS NOT DISTINCT FROM $3)::int AS by_address,
              min(created_at) FILTER (WHERE subject_hash = $2) AS oldest
         FROM auth_failure
        WHERE kind = $1 AND created_at > now() - make_interval(mins => $4)`,
      [kind, subjectHash, ip, WINDOW_MINUTES],
    );
    if (row && (row.by_subject >= maxPerSubject || row.by_address >= maxPerAddress)) {
      await this.audit.record({ action: `auth.${kind}_throttled`, resourceType: 'auth', outcome: 'denied' });
      throw new AppError(
        'TOO_MANY_ATTEMPTS',
        `Too many failed sign-in attempts. Wait ${WINDOW_MINUTES} minutes and try again, or ask the administrator.`,
        undefined,
        { 'Retry-After': String(WINDOW_MINUTES * 60) },
      );
    }
  }

  private async recordFailure(kind: AuthFailureEntity['kind'], subjectHash: string): Promise<void> {
    await this.ds
      .getRepository(AuthFailureEntity)
      .insert({ kind, subjectHash, clientIp: requestContext.get()?.clientIp ?? null });
  }
}
