import { REFERRAL_STATES, type ReferralState } from './vocabulary.js';

/**
 * What a referral state means to the queues, the screens and the read scope. One row per state, every flag written
 * out: adding a state to {@link REFERRAL_STATES} does not compile until it has its row here, so a new state cannot
 * silently fall out of (or into) a worklist, a board column or a patient's view.
 */
export interface StateTraits {
  /** a report is awaited: the reading centre's worklist and the board's queue show it, the report clock runs */
  readonly awaitingReport: boolean;
  /** a reader holds it (accepted and not yet reported): it counts in the reader's load */
  readonly heldByReader: boolean;
  /** reported, and the plan not yet closed: the board's appointments and the plan panel show it */
  readonly afterReport: boolean;
  /** the hub sees it: it has been sent (a draft is the community centre's own) */
  readonly sent: boolean;
  /** the patient sees it in the patient portal (the plan has been agreed) */
  readonly patientSees: boolean;
  /** the doctors and the coordinators may post messages on it */
  readonly openForMessages: boolean;
  /** nothing more happens to it (closed or cancelled) */
  readonly ended: boolean;
}

const T = true;
const F = false;

/** The traits of every state (see {@link StateTraits}). */
export const STATE_TRAITS: { readonly [S in ReferralState]: StateTraits } = {
  // prettier-ignore
  draft:          { awaitingReport: F, heldByReader: F, afterReport: F, sent: F, patientSees: F, openForMessages: F, ended: F },
  // prettier-ignore
  submitted:      { awaitingReport: T, heldByReader: F, afterReport: F, sent: T, patientSees: F, openForMessages: T, ended: F },
  // prettier-ignore
  offered:        { awaitingReport: T, heldByReader: F, afterReport: F, sent: T, patientSees: F, openForMessages: T, ended: F },
  // prettier-ignore
  accepted:       { awaitingReport: T, heldByReader: T, afterReport: F, sent: T, patientSees: F, openForMessages: T, ended: F },
  // prettier-ignore
  in_review:      { awaitingReport: T, heldByReader: T, afterReport: F, sent: T, patientSees: F, openForMessages: T, ended: F },
  // prettier-ignore
  info_requested: { awaitingReport: T, heldByReader: T, afterReport: F, sent: T, patientSees: F, openForMessages: T, ended: F },
  // prettier-ignore
  reported:       { awaitingReport: F, heldByReader: F, afterReport: T, sent: T, patientSees: F, openForMessages: T, ended: F },
  // prettier-ignore
  plan_agreed:    { awaitingReport: F, heldByReader: F, afterReport: T, sent: T, patientSees: T, openForMessages: T, ended: F },
  // prettier-ignore
  acknowledged:   { awaitingReport: F, heldByReader: F, afterReport: T, sent: T, patientSees: T, openForMessages: T, ended: F },
  // prettier-ignore
  closed:         { awaitingReport: F, heldByReader: F, afterReport: F, sent: T, patientSees: T, openForMessages: F, ended: T },
  // prettier-ignore
  cancelled:      { awaitingReport: F, heldByReader: F, afterReport: F, sent: T, patientSees: F, openForMessages: F, ended: T },
};

/** A name of a state group: one of the traits. */
export type StateGroup = keyof StateTraits;

/**
 * The states of a group, in {@link REFERRAL_STATES} order.
 *
 * @param group - the trait the states share
 * @returns the states that have it
 */
export function statesIn(group: StateGroup): readonly ReferralState[] {
  return REFERRAL_STATES.filter((s) => STATE_TRAITS[s][group]);
}

/**
 * Whether a state is in a group. Takes any string: a state read from storage or from an API answer.
 *
 * @param group - the group
 * @param state - the state
 * @returns true when `state` is a known state of `group`
 */
export function inStateGroup(group: StateGroup, state: string): boolean {
  return (REFERRAL_STATES as readonly string[]).includes(state) && STATE_TRAITS[state as ReferralState][group];
}

/** A report is awaited: the worklist and the board's queue. */
export const AWAITING_REPORT_STATES = statesIn('awaitingReport');
/** A reader holds the referral: their load. */
export const HELD_BY_READER_STATES = statesIn('heldByReader');
/** Reported, the plan not yet closed: the board's appointments. */
export const AFTER_REPORT_STATES = statesIn('afterReport');
/** The patient sees the referral. */
export const PATIENT_VISIBLE_STATES = statesIn('patientSees');
/** Messages may be posted. */
export const OPEN_FOR_MESSAGES_STATES = statesIn('openForMessages');
