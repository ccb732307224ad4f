import { assertNever } from './assert-never.js';
import { PATIENT_VISIBLE_STATES, STATE_TRAITS } from './state-groups.js';
import type { Actor } from './types.js';
import { SERVICES, SERVICE_SPECIALTY, type ReferralDirection, type ReferralState, type Service } from './vocabulary.js';

/**
 * Which referrals a caller may read (outside it the API answers 404). The one rule behind a referral's page, its
 * messages and every list: the API checks one referral with {@link inReferralReadScope} and its repository turns the
 * same description into the list's SQL filter, so a list and a page cannot disagree.
 *
 * - `facility`: the referrals the caller's centre sent or receives (a community doctor).
 * - `pool`: the referrals sent up for `service` (a specialist: their reading centre's service).
 * - `sent`: every referral sent (a coordinator).
 * - `patient`: the caller's own referrals once the plan is agreed (a patient).
 * - `none`: nothing (an administrator manages the network and reads no patient data; deny by default).
 */
export type ReferralReadScope =
  | { readonly kind: 'facility'; readonly facilityId: string }
  | {
      readonly kind: 'pool';
      readonly service: Service;
      readonly direction: ReferralDirection;
      /** the states the hub sees (a draft is not sent) */
      readonly states: readonly ReferralState[];
    }
  | { readonly kind: 'sent'; readonly states: readonly ReferralState[] }
  | { readonly kind: 'patient'; readonly patientId: string; readonly states: readonly ReferralState[] }
  | { readonly kind: 'none' };

/** Every kind of {@link ReferralReadScope}. */
export const REFERRAL_READ_SCOPE_KINDS = [
  'facility',
  'pool',
  'sent',
  'patient',
  'none',
] as const satisfies readonly ReferralReadScope['kind'][];

const NONE: ReferralReadScope = { kind: 'none' };
const SENT_STATES: readonly ReferralState[] = (Object.keys(STATE_TRAITS) as ReferralState[]).filter(
  (s) => STATE_TRAITS[s].sent,
);

/**
 * The referrals a caller may read (PRODUCT: a specialist sees only what is referred to their reading centre).
 *
 * @param reader - the caller: id, role, facility and specialty
 * @returns the read scope; `none` whenever something it needs is missing
 */
export function referralReadScope(reader: Pick<Actor, 'id' | 'role' | 'facilityId' | 'specialty'>): ReferralReadScope {
  switch (reader.role) {
    case 'community_doctor':
      return reader.facilityId ? { kind: 'facility', facilityId: reader.facilityId } : NONE;
    case 'specialist': {
      const service = SERVICES.find((s) => SERVICE_SPECIALTY[s] === reader.specialty);
      return service ? { kind: 'pool', service, direction: 'up', states: SENT_STATES } : NONE;
    }
    case 'coordinator':
      return { kind: 'sent', states: SENT_STATES };
    case 'patient':
      return { kind: 'patient', patientId: reader.id, states: PATIENT_VISIBLE_STATES };
    case 'admin':
    case 'system':
      return NONE;
    default:
      return assertNever(reader.role);
  }
}

/** What the read scope looks at in a referral. */
export interface ReferralScopeFacts {
  readonly direction: string;
  readonly state: string;
  readonly service: string;
  readonly originFacilityId: string;
  readonly destinationFacilityId: string | null;
  readonly patientId: string;
}

/**
 * Whether one referral is within a read scope: the same rule the list's SQL filter applies.
 *
 * @param scope - from {@link referralReadScope}
 * @param r - the facts about the referral
 * @returns true when the caller may read it
 */
export function inReferralReadScope(scope: ReferralReadScope, r: ReferralScopeFacts): boolean {
  const stateIn = (states: readonly ReferralState[]) => (states as readonly string[]).includes(r.state);
  switch (scope.kind) {
    case 'facility':
      return r.originFacilityId === scope.facilityId || r.destinationFacilityId === scope.facilityId;
    case 'pool':
      return r.direction === scope.direction && stateIn(scope.states) && r.service === scope.service;
    case 'sent':
      return stateIn(scope.states);
    case 'patient':
      return r.patientId === scope.patientId && stateIn(scope.states);
    case 'none':
      return false;
    default:
      return assertNever(scope);
  }
}
