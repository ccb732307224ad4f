import { assertNever } from './assert-never.js';
import type { Actor } from './types.js';
import {
  SERVICES,
  SERVICE_SPECIALTY,
  type ReferralDirection,
  type ReferralState,
  type Service,
  type Specialty,
} from './vocabulary.js';

/**
 * Referral states in which the hub does not see a referral, nor the studies linked to it: the community centre is
 * still writing it and has not sent it.
 */
export const HUB_HIDDEN_STATES = ['draft'] as const satisfies readonly ReferralState[];

/**
 * Which stored studies (and so which of their series, instances, frames, renderings and bulk data) a reader may see.
 * Every DICOMweb read — QIDO-RS searches at every level and WADO-RS retrieval, metadata, frames, rendered and bulk
 * data — is filtered by this one description, so search and retrieval cannot disagree.
 *
 * - `sent_by_facility`: the studies the reader's own centre sent (a community doctor).
 * - `referred_to_hub`: the studies linked to a referral sent up to the reader's hub for one of `services`, in a state
 *   other than `hiddenStates` (a specialist: their own reading centre's service; a coordinator: every pool of the hub).
 *   A study linked to no referral is in no hub reader's scope.
 * - `none`: nothing (an administrator manages the network and reads no patient data; a patient sees their decision,
 *   not studies).
 */
export type StudyReadScope =
  | { readonly kind: 'sent_by_facility'; readonly facilityId: string }
  | {
      readonly kind: 'referred_to_hub';
      readonly hubId: string;
      readonly services: readonly Service[];
      readonly direction: ReferralDirection;
      readonly hiddenStates: readonly ReferralState[];
    }
  | { readonly kind: 'none' };

/** Every kind of {@link StudyReadScope}. */
export const STUDY_READ_SCOPE_KINDS = [
  'sent_by_facility',
  'referred_to_hub',
  'none',
] as const satisfies readonly StudyReadScope['kind'][];

const NONE: StudyReadScope = { kind: 'none' };

function serviceRead(specialty: Specialty | null | undefined): Service | null {
  return SERVICES.find((s) => SERVICE_SPECIALTY[s] === specialty) ?? null;
}

/**
 * The studies a reader may see (PRODUCT: a specialist sees only the patients referred to their reading centre).
 *
 * @param reader - the caller: role, facility (the hub, for hub staff) and specialty
 * @returns the read scope; `none` whenever something it needs is missing (deny by default)
 */
export function studyReadScope(reader: Pick<Actor, 'role' | 'facilityId' | 'specialty'>): StudyReadScope {
  switch (reader.role) {
    case 'community_doctor':
      return reader.facilityId ? { kind: 'sent_by_facility', facilityId: reader.facilityId } : NONE;
    case 'specialist': {
      const service = serviceRead(reader.specialty);
      if (!service || !reader.facilityId) return NONE;
      return {
        kind: 'referred_to_hub',
        hubId: reader.facilityId,
        services: [service],
        direction: 'up',
        hiddenStates: HUB_HIDDEN_STATES,
      };
    }
    case 'coordinator':
      if (!reader.facilityId) return NONE;
      return {
        kind: 'referred_to_hub',
        hubId: reader.facilityId,
        services: SERVICES,
        direction: 'up',
        hiddenStates: HUB_HIDDEN_STATES,
      };
    case 'admin':
    case 'patient':
    case 'system':
      return NONE;
    default:
      return assertNever(reader.role);
  }
}

/** What the read scope looks at in a stored study. */
export interface StudyScopeFacts {
  /** the centre that sent the study */
  readonly facilityId: string;
  /** the referral the study is linked to, if any, with the hub its origin centre belongs to */
  readonly referral: {
    readonly direction: ReferralDirection;
    readonly state: ReferralState;
    readonly service: Service;
    readonly originHubId: string | null;
  } | null;
}

/**
 * Whether a study is within a read scope: the same rule the database filter applies, for one study in memory.
 *
 * @param scope - from {@link studyReadScope}
 * @param study - the facts about the study
 * @returns true when the reader may see the study
 */
export function studyInScope(scope: StudyReadScope, study: StudyScopeFacts): boolean {
  switch (scope.kind) {
    case 'sent_by_facility':
      return study.facilityId === scope.facilityId;
    case 'referred_to_hub': {
      const r = study.referral;
      return (
        r !== null &&
        r.direction === scope.direction &&
        r.originHubId === scope.hubId &&
        scope.services.includes(r.service) &&
        !scope.hiddenStates.includes(r.state)
      );
    }
    case 'none':
      return false;
    default:
      return assertNever(scope);
  }
}
