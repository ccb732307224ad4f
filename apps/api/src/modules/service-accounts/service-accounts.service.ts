import { Injectable } from '@nestjs/common';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { AppError, notFound } from '#src/common/errors.js';
import { requestContext, type Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { hashToken, TokenService } from '#src/modules/auth/token.service.js';
import { SessionRevocations } from '#src/modules/auth/session-revocations.service.js';
import type { NewServiceAccount, ServiceAccountView } from '@zhiyin/contracts';
import { ServiceAccountRepository } from './service-account.repository.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
// zsa.<account id>.<43 base64url characters: 256 random bits>
const CREDENTIAL = /^zsa\.([0-9a-f-]{36})\.([A-Za-z0-9_-]{43})$/;

const refused = () => new AppError('UNAUTHENTICATED', 'The credential is not valid.');

// Service accounts of community centres' gateways: created and revoked by the administrator, each with a long random
// credential shown once (only its hash is kept). The gateway exchanges it for short-lived access tokens that act with
// its centre's scope and are good only for uploading and reading the centre's worklist (see GatewayAccess).
@Injectable()
export class ServiceAccountsService {
  constructor(
    private readonly repo: ServiceAccountRepository,
    private readonly tokens: TokenService,
    private readonly revocations: SessionRevocations,
    private readonly audit: AuditService,
  ) {}

  list(): Promise<ServiceAccountView[]> {
    return this.repo.list();
  }

  /** A new gateway account of a community centre, with its credential (shown this once). */
  async create(facilityId: string, name: string): Promise<NewServiceAccount> {
    const secret = randomBytes(32).toString('base64url');
    const created = await this.repo.transaction(async (m) => {
      const facility = await this.repo.facility(m, facilityId);
      if (!facility)
        throw new AppError('VALIDATION_FAILED', 'No such facility.', {
          fields: ['facilityId'],
          reason: 'unknown_facility',
        });
      if (facility.kind !== 'community')
        throw new AppError('VALIDATION_FAILED', 'A gateway belongs to a community centre.', {
          fields: ['facilityId'],
          reason: 'not_community',
        });
      const row = await this.repo.insert(m, { facilityId, name: name.trim(), secretHash: hashToken(secret) });
      await this.audit.record(
        {
          action: 'service_account.create',
          resourceType: 'service_account',
          resourceId: row.id,
          outcome: 'success',
          details: { facilityId, kind: 'gateway' },
        },
        m,
      );
      return row;
    });
    return { ...created, credential: `zsa.${created.id}.${secret}` };
  }

  /** Revokes an account: its credential and every access token it holds stop at once. */
  async revoke(id: string): Promise<ServiceAccountView> {
    const revoked = await this.repo.transaction(async (m) => {
      const row = await this.repo.revoke(m, id);
      if (!row) throw notFound('Service account');
      await this.audit.record(
        { action: 'service_account.revoke', resourceType: 'service_account', resourceId: id, outcome: 'success' },
        m,
      );
      return row;
    });
    await this.revocations.refresh();
    return revoked;
  }

  /** The credential exchanged for a short-lived access token of the gateway (401 for anything not valid). */
  async exchange(credential: string): Promise<{ accessToken: string; expiresIn: number; tokenType: 'Bearer' }> {
    const m = CREDENTIAL.exec(credential);
    const account = m && UUID.test(m[1]!) ? await this.repo.secretOf(m[1]!) : undefined;
    const good =
      account !== undefined &&
      timingSafeEqual(Buffer.from(account.secretHash, 'hex'), Buffer.from(hashToken(m![2]!), 'hex')) &&
      !account.revoked &&
      account.facilityActive &&
      account.facilityKind === 'community';
    if (!good) {
      await this.audit.record({
        action: 'service_account.token',
        resourceType: 'service_account',
        resourceId: account?.id ?? null,
        outcome: 'denied',
        details: { reason: account ? 'refused' : 'unknown_credential' },
      });
      throw refused();
    }
    const actor: Actor = {
      id: account.id,
      role: 'community_doctor',
      facilityId: account.facilityId,
      specialty: null,
      readingCentreId: null,
      // the account is its own "session": revoking it ends every token it holds (SessionRevocations)
      sessionId: account.id,
      service: { kind: 'gateway' },
      device: { aeTitle: 'GATEWAY' },
    };
    requestContext.setActor(actor);
    await this.repo.touch(account.id);
    await this.audit.record({
      action: 'service_account.token',
      resourceType: 'service_account',
      resourceId: account.id,
      outcome: 'success',
    });
    const { token, expiresIn } = this.tokens.signAccess(actor);
    return { accessToken: token, expiresIn, tokenType: 'Bearer' };
  }
}
