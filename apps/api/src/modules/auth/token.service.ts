import { Inject, Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { createHash, createSecretKey, randomBytes, type KeyObject } from 'node:crypto';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AppError } from '#src/common/errors.js';
import { ROLES, SPECIALTIES, type Actor } from '#src/common/request-context.js';
import { SessionRevocations } from './session-revocations.service.js';

interface AccessClaims {
  sub: string;
  typ: 'access';
  role: Actor['role'];
  fac: string | null;
  spec: Actor['specialty'];
  rc: string | null;
  sid: string | null;
  /** a service account's token (a gateway): refused wherever its kind is not named */
  svc?: 'gateway';
}

// How many verified access tokens are remembered (oldest forgotten first).
const VERIFIED_TOKENS = 1000;

@Injectable()
export class TokenService {
  // A key object made once: given a string, jsonwebtoken first tries (and fails) to read it as a
  // public key on every request, which costs most of a millisecond.
  private readonly key: KeyObject;
  private readonly verified = new Map<string, { actor: Actor; expiresAt: number }>();

  constructor(
    private readonly jwt: JwtService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly revocations: SessionRevocations,
  ) {
    this.key = createSecretKey(Buffer.from(config.jwtSecret, 'utf8'));
  }

  signAccess(actor: Actor, ttlSeconds = this.config.accessTokenTtl): { token: string; expiresIn: number } {
    const claims: AccessClaims = {
      sub: actor.id,
      typ: 'access',
      role: actor.role,
      fac: actor.facilityId,
      spec: actor.specialty,
      rc: actor.readingCentreId,
      sid: actor.sessionId,
      ...(actor.service ? { svc: actor.service.kind } : {}),
    };
    const token = this.jwt.sign(claims, {
      secret: this.key as unknown as string,
      algorithm: 'HS256',
      expiresIn: ttlSeconds,
      issuer: 'zhiyin',
    });
    return { token, expiresIn: ttlSeconds };
  }

  /** Verifies signature (HS256 only: `alg: none` and other algorithms are refused), expiry and shape. */
  verifyAccess(token: string, service?: 'gateway'): Actor {
    return this.verifyAccessWithExpiry(token, service).actor;
  }

  /**
   * Like {@link verifyAccess}, also saying when the token expires (epoch ms). Every caller (HTTP
   * guard, uploads, sockets) verifies here, so an ended sign-in (signed out, deactivated, password
   * reset, a patient's code replaced) is refused everywhere at once.
   */
  verifyAccessWithExpiry(token: string, service?: 'gateway'): { actor: Actor; expiresAt: number } {
    const verified = this.verifySignature(token);
    if (this.revocations.isRevoked(verified.actor.sessionId))
      throw new AppError('UNAUTHENTICATED', 'Your sign-in has ended. Sign in again.');
    // Deny by default: a service account's token is good only where the caller names its kind (upload, worklist).
    if (verified.actor.service && verified.actor.service.kind !== service)
      throw new AppError('FORBIDDEN', 'Your role may not do this.');
    return verified;
  }

  private verifySignature(token: string): { actor: Actor; expiresAt: number } {
    // A token already verified is not verified again while it is valid: the same string always gives
    // the same claims, and its expiry is still checked on every use.
    const known = this.verified.get(token);
    if (known && Math.floor(Date.now() / 1000) < Math.floor(known.expiresAt / 1000)) {
      return { actor: { ...known.actor }, expiresAt: known.expiresAt };
    }
    const result = this.verifyUncached(token);
    if (known) this.verified.delete(token);
    if (this.verified.size >= VERIFIED_TOKENS) this.verified.delete(this.verified.keys().next().value!);
    this.verified.set(token, { actor: { ...result.actor }, expiresAt: result.expiresAt });
    return result;
  }

  private verifyUncached(token: string): { actor: Actor; expiresAt: number } {
    let claims: Partial<AccessClaims> & { exp?: number };
    try {
      claims = this.jwt.verify<AccessClaims>(token, {
        secret: this.key as unknown as string,
        algorithms: ['HS256'],
        issuer: 'zhiyin',
      });
    } catch (err) {
      if ((err as { name?: string }).name === 'TokenExpiredError') {
        throw new AppError('TOKEN_EXPIRED', 'Your session has expired. Sign in again or refresh the token.');
      }
      throw new AppError('UNAUTHENTICATED', 'The access token is not valid.');
    }
    if (
      claims.typ !== 'access' ||
      typeof claims.sub !== 'string' ||
      !ROLES.includes(claims.role as Actor['role']) ||
      (claims.svc !== undefined && (claims.svc !== 'gateway' || claims.role !== 'community_doctor')) ||
      (claims.spec != null && !SPECIALTIES.includes(claims.spec))
    ) {
      throw new AppError('UNAUTHENTICATED', 'The access token is not valid.');
    }
    return {
      actor: {
        id: claims.sub,
        role: claims.role!,
        facilityId: claims.fac ?? null,
        specialty: claims.spec ?? null,
        readingCentreId: claims.rc ?? null,
        sessionId: claims.sid ?? null,
        // a gateway stores into its centre as a device does: no user account of its own
        ...(claims.svc ? { service: { kind: claims.svc }, device: { aeTitle: 'GATEWAY' } } : {}),
      },
      expiresAt: (claims.exp ?? 0) * 1000,
    };
  }

  /** An opaque random token and the hash under which it is stored (the token itself is never stored). */
  newOpaqueToken(): { token: string; hash: string } {
    const token = randomBytes(32).toString('base64url');
    return { token, hash: hashToken(token) };
  }
}

export function hashToken(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
