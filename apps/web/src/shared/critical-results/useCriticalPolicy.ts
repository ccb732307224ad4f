import type { CriticalResultPolicyView } from '@zhiyin/contracts';
import { useAsync } from '../../lib/hooks';
import { criticalPolicy } from './api';

/** The network's critical findings and read-back limit (what readers choose from and doctors read back). */
export function useCriticalPolicy() {
  return useAsync<CriticalResultPolicyView>(() => criticalPolicy(), []);
}
