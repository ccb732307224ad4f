import { Injectable } from '@nestjs/common';
import type { CriticalResultPolicyView } from '@zhiyin/contracts';
import {
  DEFAULT_CRITICAL_RESULT_POLICY,
  SERVICES,
  validateCriticalResultPolicy,
  type CriticalResultPolicy,
} from '@zhiyin/workflow';
import { AppError } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import { AuditService } from '#src/modules/audit/audit.service.js';
import { CriticalResultsRepository, type Tx } from './critical-results.repository.js';

// The network's critical findings and read-back limit, per service. Stored like the turnaround
// policy: every version kept, the latest in force, a stale edit refused, each change audited.
@Injectable()
export class CriticalPolicyService {
  constructor(
    private readonly repo: CriticalResultsRepository,
    private readonly audit: AuditService,
  ) {}

  async current(m?: Tx): Promise<CriticalResultPolicy> {
    return (await this.view(m)).policy;
  }

  async view(m?: Tx): Promise<CriticalResultPolicyView> {
    const row = await this.repo.currentPolicy(m);
    const stored = row && validateCriticalResultPolicy(row.policy).length === 0;
    return {
      version: row?.version ?? 0,
      // a stored version that no longer validates (a service added since) falls back to the defaults
      policy: stored ? (row.policy as CriticalResultPolicy) : DEFAULT_CRITICAL_RESULT_POLICY,
      defaults: DEFAULT_CRITICAL_RESULT_POLICY,
      changedAt: row ? new Date(row.changedAt).toISOString() : null,
    };
  }

  async update(actor: Actor, policy: unknown, version: number): Promise<CriticalResultPolicyView> {
    const problems = validateCriticalResultPolicy(policy);
    if (problems.length > 0) {
      throw new AppError('VALIDATION_FAILED', 'Some critical-result settings are not valid.', {
        fields: problems.map((p) => `policy.${p.path}`),
        problems,
      });
    }
    const next = normalise(policy as CriticalResultPolicy);
    return this.repo.transaction(async (m) => {
      await this.repo.lockPolicy(m);
      const before = await this.view(m);
      if (before.version !== version) {
        throw new AppError('STALE_STATE', 'The critical-result settings were changed by someone else. Reload.', {
          currentVersion: before.version,
        });
      }
      await this.repo.insertPolicy(m, before.version + 1, next, actor.id);
      await this.audit.record(
        {
          action: 'settings.critical_results.update',
          resourceType: 'critical_result_policy',
          resourceId: String(before.version + 1),
          outcome: 'success',
          details: {
            version: before.version + 1,
            confirmMinutes: next.confirmMinutes,
            findings: Object.fromEntries(SERVICES.map((s) => [s, next.findings[s].map((f) => f.code)])),
          },
        },
        m,
      );
      return this.view(m);
    });
  }
}

/** Only the known keys, labels trimmed. */
function normalise(p: CriticalResultPolicy): CriticalResultPolicy {
  return {
    confirmMinutes: Object.fromEntries(
      SERVICES.map((s) => [s, p.confirmMinutes[s]]),
    ) as CriticalResultPolicy['confirmMinutes'],
    findings: Object.fromEntries(
      SERVICES.map((s) => [
        s,
        p.findings[s].map((f) => ({
          code: f.code,
          label: { 'zh-CN': f.label['zh-CN'].trim(), en: f.label.en.trim() },
        })),
      ]),
    ) as unknown as CriticalResultPolicy['findings'],
  };
}
