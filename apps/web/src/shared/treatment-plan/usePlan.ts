import type { PlanView } from '@zhiyin/contracts';
import type { PlanSigner, PlanSnapshot } from '@zhiyin/workflow';
import { useRef } from 'react';
import { useAsync } from '../../lib/hooks';
import type { LiveReferral } from '../referrals/useLiveReferral';
import { getPlan } from './api';

/** The two signers of a plan, in the order the panel lists them. */
export const SIGNERS: PlanSigner[] = ['community_doctor', 'specialist'];

/** What of the plan the referral shows: its version and who signed that version. */
function planKey(p: PlanSnapshot | null | undefined): string {
  if (!p) return 'none';
  const signed = SIGNERS.filter((role) => p.signatures[role]?.version === p.version);
  return `${p.version}:${signed.join(',')}`;
}

function viewKey(v: PlanView): string {
  if (!v.current) return 'none';
  const signed = SIGNERS.filter((role) => v.current!.signatures.some((s) => s.role === role));
  return `${v.current.version}:${signed.join(',')}`;
}

/**
 * The referral's plan. It is read when the panel opens and again only when the screen's referral shows another
 * version or other signatures; an answer to a save or a signature handed to `answered` is used as it is.
 */
export function usePlan(referral: LiveReferral) {
  const referralId = referral.data?.id ?? '';
  const key = planKey(referral.data?.plan);
  const answered = useRef<PlanView>(undefined);
  const plan = useAsync(
    (signal) =>
      !referralId
        ? Promise.resolve(undefined)
        : answered.current && viewKey(answered.current) === key
          ? Promise.resolve(answered.current)
          : getPlan(referralId, signal),
    [referralId, key],
  );
  return { plan, answered };
}
