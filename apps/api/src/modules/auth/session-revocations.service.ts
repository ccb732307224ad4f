import { Inject, Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { LOGGER } from '#src/common/logging/logger.js';
import type { Logger } from 'pino';
import { SessionRevocationsRepository } from './session-revocations.repository.js';

const POLL_MS = 2_000;

/**
 * Sign-ins that ended before their access tokens expire: signed out, deactivated, password reset,
 * moved to another role or centre (refresh-token families revoked), or a patient's code replaced
 * (the code's sessions: their families).
 * Access tokens are checked against this set on every request and socket, so an ended sign-in stops
 * at once on this node and within a poll on the others — not when its last access token runs out.
 *
 * The set holds what was revoked within the longest access-token lifetime (older sessions' tokens
 * have expired anyway); it is re-read whole every poll, so a revocation committed late is not missed.
 */
@Injectable()
export class SessionRevocations implements OnModuleInit, OnModuleDestroy {
  private revoked = new Set<string>();
  private timer: NodeJS.Timeout | undefined;
  private chain: Promise<void> = Promise.resolve();
  private readonly listeners = new Set<(sessionIds: string[]) => void>();
  private readonly windowSeconds: number;

  constructor(
    private readonly repo: SessionRevocationsRepository,
    @Inject(APP_CONFIG) config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {
    this.windowSeconds = Math.max(config.accessTokenTtl, config.patientSessionTtl) + 120;
  }

  async onModuleInit(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => {
      this.refresh().catch((err: unknown) =>
        this.logger.warn({ err: (err as Error).message }, 'session revocations: refresh failed'),
      );
    }, POLL_MS);
    this.timer.unref();
  }

  onModuleDestroy(): void {
    if (this.timer) clearInterval(this.timer);
  }

  isRevoked(sessionId: string | null): boolean {
    return sessionId !== null && this.revoked.has(sessionId);
  }

  /** Called with the sessions that newly ended (to close their live connections). */
  onRevoked(fn: (sessionIds: string[]) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /** Re-reads the set now; call after committing a revocation so this node enforces it at once. */
  refresh(): Promise<void> {
    // Reads run one after another: each caller's read starts after its own commit.
    const run = this.chain.then(
      () => this.load(),
      () => this.load(),
    );
    this.chain = run.catch(() => undefined);
    return run;
  }

  private async load(): Promise<void> {
    const next = new Set(await this.repo.revokedWithin(this.windowSeconds));
    const added = [...next].filter((id) => !this.revoked.has(id));
    this.revoked = next;
    if (added.length > 0) for (const fn of this.listeners) fn(added);
  }
}
