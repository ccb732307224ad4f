import type { TurnaroundPolicyView } from '@zhiyin/contracts';
import type { TurnaroundPolicy } from '@zhiyin/workflow';
import type { StoredPolicyChange } from './turnaround-policy.repository.js';

/**
 * The turnaround policy as the API answers it: the latest stored version (its policy already merged over the
 * configured one), or, while none is stored, the configured policy as version 0.
 */
export function toTurnaroundPolicyView(
  stored: (StoredPolicyChange & { policy: TurnaroundPolicy }) | null,
  configured: TurnaroundPolicy,
  defaults: TurnaroundPolicy,
): TurnaroundPolicyView {
  if (!stored) {
    return {
      version: 0,
      source: 'configured',
      policy: configured,
      changedAt: null,
      changedBy: null,
      configured,
      defaults,
    };
  }
  return {
    version: stored.version,
    source: 'stored',
    policy: stored.policy,
    changedAt: stored.changedAt.toISOString(),
    changedBy: stored.changedBy,
    configured,
    defaults,
  };
}
