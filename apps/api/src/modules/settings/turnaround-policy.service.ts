import { Inject, Injectable } from '@nestjs/common';
import {
  DEFAULT_TURNAROUND_POLICY,
  mergeTurnaroundPolicy,
  PRIORITIES,
  SERVICES,
  TURNAROUND_FIELDS,
  validateTurnaroundPolicy,
  type TurnaroundPolicy,
} from '@zhiyin/workflow';
import type { TurnaroundPolicyView } from '@zhiyin/contracts';
import type { Logger } from 'pino';
import { APP_CONFIG, type AppConfig } from '#src/config/app-config.js';
import { AppError } from '#src/common/errors.js';
import { LOGGER } from '#src/common/logging/logger.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { toTurnaroundPolicyView } from './turnaround-policy.mapper.js';
import { TurnaroundPolicyRepository, type StoredPolicyRow, type Tx } from './turnaround-policy.repository.js';

/** Where the policy in force comes from: the administrator's stored version, else configuration. */
export interface TurnaroundPolicySource {
  current(m?: Tx): Promise<TurnaroundPolicy>;
}

// The turnaround policy the referral rules use. The administrator's latest stored version wins;
// without one, the configured policy (environment over defaults). It is read inside the caller's
// transaction on every transition, so every API node applies a change from the next referral or
// timer on, with no restart and no cache to invalidate; a parsed version is kept so that reading
// costs one indexed row.
@Injectable()
export class TurnaroundPolicyService implements TurnaroundPolicySource {
  private cached: { version: number; policy: TurnaroundPolicy } | null = null;

  constructor(
    private readonly repo: TurnaroundPolicyRepository,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(LOGGER) private readonly logger: Logger,
    private readonly audit: AuditService,
  ) {}

  async current(m?: Tx): Promise<TurnaroundPolicy> {
    const row = await this.repo.latest(m);
    return row ? this.parse(row) : this.config.turnaroundPolicy;
  }

  async view(m?: Tx): Promise<TurnaroundPolicyView> {
    const row = await this.repo.latestChange(m);
    const configured = this.config.turnaroundPolicy;
    return toTurnaroundPolicyView(
      row ? { ...row, policy: this.parse(row) } : null,
      configured,
      DEFAULT_TURNAROUND_POLICY,
    );
  }

  /** Stores a new version. `version` is the one the administrator edited: a stale one is refused. */
  async update(actor: Actor, policy: unknown, version: number): Promise<TurnaroundPolicyView> {
    const problems = validateTurnaroundPolicy(policy);
    if (problems.length > 0) {
      throw new AppError('VALIDATION_FAILED', 'Some turnaround limits are not valid.', {
        fields: problems.map((p) => `policy.${p.path}`),
        problems,
      });
    }
    const next = policy as TurnaroundPolicy;
    return this.repo.transaction(async (m) => {
      // One writer at a time; readers (transitions) are not blocked.
      await this.repo.lockWriters(m);
      const before = await this.view(m);
      if (before.version !== version) {
        throw new AppError('STALE_STATE', 'The turnaround policy was changed by someone else. Reload and try again.', {
          currentVersion: before.version,
        });
      }
      const changed = changedPaths(before.policy, next);
      if (changed.length === 0) return before;
      await this.repo.insert(m, before.version + 1, normalise(next), actor.id);
      await this.audit.record(
        {
          action: 'settings.turnaround_policy.update',
          resourceType: 'turnaround_policy',
          resourceId: String(before.version + 1),
          outcome: 'success',
          details: { version: before.version + 1, changed },
        },
        m,
      );
      return this.view(m);
    });
  }

  private parse(row: StoredPolicyRow): TurnaroundPolicy {
    if (this.cached?.version === row.version) return this.cached.policy;
    // Stored over the configured policy, so a service or priority added later still has limits.
    const merged = mergeTurnaroundPolicy(row.policy, this.config.turnaroundPolicy);
    if (!merged.ok) {
      this.logger.error(
        { version: row.version, problems: merged.problems },
        'stored turnaround policy is not valid; using the configured one',
      );
      return this.config.turnaroundPolicy;
    }
    this.cached = { version: row.version, policy: merged.policy };
    return merged.policy;
  }
}

/** Only the known keys, in a stable order. */
function normalise(policy: TurnaroundPolicy): TurnaroundPolicy {
  return Object.fromEntries(
    SERVICES.map((s) => [
      s,
      Object.fromEntries(
        PRIORITIES.map((p) => [p, Object.fromEntries(TURNAROUND_FIELDS.map((f) => [f, policy[s][p][f]]))]),
      ),
    ]),
  ) as unknown as TurnaroundPolicy;
}

function changedPaths(a: TurnaroundPolicy, b: TurnaroundPolicy): string[] {
  const out: string[] = [];
  for (const s of SERVICES)
    for (const p of PRIORITIES)
      for (const f of TURNAROUND_FIELDS) if (a[s][p][f] !== b[s][p][f]) out.push(`${s}.${p}.${f}`);
  return out;
}
