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
 * Referral states in which a referral opens its patient's earlier studies (priors) to those who read it: sent and not
 * yet closed or cancelled. Comparing with the prior is part of reading and acting on the referral; once it is closed
 * the priors return to their own scope (the centre that sent them, the readers of their own referral).
 */
export const PRIOR_OPEN_STATES = [
  'submitted',
  'offered',
  'accepted',
  'in_review',
  'info_requested',
  'reported',
  'plan_agreed',
  'acknowledged',
] as const satisfies readonly ReferralState[];

/**
 * Which of a patient's earlier studies a reader also sees: those of a patient who has a referral in `states` that the
 * reader may read (by the scope's own rule: the same centre, or the same hub, service and direction), except a study
 * linked to a referral in `hiddenStates` (another centre's draft is not sent yet).
 */
export interface PriorsScope {
  readonly states: readonly ReferralState[];
  readonly hiddenStates: readonly ReferralState[];
}

const PRIORS: PriorsScope = { states: PRIOR_OPEN_STATES, hiddenStates: HUB_HIDDEN_STATES };

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
 *
 * Both reading kinds also see the priors (see {@link PriorsScope}) of the patients of the open referrals they read:
 * the patient's earlier studies filed under the same patient record, wherever in the network they were made.
 */
export type StudyReadScope =
  | { readonly kind: 'sent_by_facility'; readonly facilityId: string; readonly priors: PriorsScope }
  | {
      readonly kind: 'referred_to_hub';
      readonly hubId: string;
      readonly services: readonly Service[];
      readonly direction: ReferralDirection;
      readonly hiddenStates: readonly ReferralState[];
      readonly priors: PriorsScope;
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
      return reader.facilityId ? { kind: 'sent_by_facility', facilityId: reader.facilityId, priors: PRIORS } : NONE;
    case 'specialist': {
      const service = serviceRead(reader.specialty);
      if (!service || !reader.facilityId) return NONE;
      return {
        kind: 'referred_to_hub',
        hubId: reader.facilityId,
        services: [service],
        direction: 'up',
        hiddenStates: HUB_HIDDEN_STATES,
        priors: PRIORS,
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
        priors: PRIORS,
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
  /** the referrals of the patient the study is filed under (none when it is filed under no patient) */
  readonly patientReferrals?: readonly PatientReferralFacts[];
  /** the study's modalities (which service reads it, see {@link serviceOfStudy}) */
  readonly modalities?: readonly string[];
}

/** A referral of the study's patient, as the priors rule looks at it. */
export interface PatientReferralFacts {
  readonly direction: ReferralDirection;
  readonly state: ReferralState;
  readonly service: Service;
  readonly originFacilityId: string;
  readonly destinationFacilityId: string | null;
  readonly originHubId: string | null;
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
      return (
        study.facilityId === scope.facilityId ||
        isPriorFor(
          scope.priors,
          study,
          (r) => r.originFacilityId === scope.facilityId || r.destinationFacilityId === scope.facilityId,
        )
      );
    case 'referred_to_hub': {
      const reads = (r: { direction: ReferralDirection; originHubId: string | null; service: Service }) =>
        r.direction === scope.direction && r.originHubId === scope.hubId && scope.services.includes(r.service);
      const r = study.referral;
      return (
        (r !== null && reads(r) && !scope.hiddenStates.includes(r.state)) || isPriorFor(scope.priors, study, reads)
      );
    }
    case 'none':
      return false;
    default:
      return assertNever(scope);
  }
}

/**
 * The service that reads a study: an ECG (waveform) study the ECG service, any other the imaging service. A prior is
 * compared with the current study of the same service (the previous ECG beside the ECG, the earlier CT beside the CT):
 * a radiologist reading a CT does not gain the patient's ECGs, nor a cardiologist the images.
 *
 * @param modalities - the study's modalities (Modalities in Study)
 * @returns the service whose readers compare it
 */
export function serviceOfStudy(modalities: readonly string[]): Service {
  return modalities.includes(ECG_MODALITY) ? 'ECG' : 'IMAGING';
}
/** The modality that makes a study an ECG (the SQL twin in the API's imaging repository uses the same value). */
export const ECG_MODALITY = 'ECG';

/**
 * Whether a study is a prior the reader sees: its patient has an open referral the reader reads (`reads`) of the
 * service that reads this study.
 */
function isPriorFor(priors: PriorsScope, study: StudyScopeFacts, reads: (r: PatientReferralFacts) => boolean): boolean {
  if (study.referral && priors.hiddenStates.includes(study.referral.state)) return false;
  const service = serviceOfStudy(study.modalities ?? []);
  return (study.patientReferrals ?? []).some(
    (r) => priors.states.includes(r.state) && r.service === service && reads(r),
  );
}
