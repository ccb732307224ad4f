import { REFERRAL_TRANSITIONS } from './transitions.js';
import {
  REFERRAL_EVENT_TYPES,
  REFERRAL_STATES,
  TERMINAL_STATES,
  type ReferralDirection,
  type ReferralEventType,
  type ReferralState,
} from './vocabulary.js';

/** The state a referral starts in, per direction: drafted going up, created submitted by the hub coming down. */
export const INITIAL_STATE: Readonly<Record<ReferralDirection, ReferralState>> = {
  up: 'draft',
  down: 'submitted',
};

/** One arrow of the state diagram: every event that moves a referral from one state to another. */
export interface StateEdge {
  readonly from: ReferralState;
  readonly to: ReferralState;
  readonly events: readonly ReferralEventType[];
}

/**
 * The state-changing moves of one direction, read from the transition table. Events that keep the state (attaching a
 * study, timers that only warn, plan signatures before the last one) are left out.
 *
 * @param direction - up or down
 * @returns one edge per pair of states, events in vocabulary order
 */
export function stateEdges(direction: ReferralDirection): StateEdge[] {
  const edges: StateEdge[] = [];
  for (const from of REFERRAL_STATES) {
    const byTarget = new Map<ReferralState, ReferralEventType[]>();
    for (const type of REFERRAL_EVENT_TYPES) {
      const transition = REFERRAL_TRANSITIONS[direction][from][type];
      if (transition === undefined || transition.to === from) continue;
      byTarget.set(transition.to, [...(byTarget.get(transition.to) ?? []), type]);
    }
    for (const to of REFERRAL_STATES) {
      const events = byTarget.get(to);
      if (events !== undefined) edges.push({ from, to, events });
    }
  }
  return edges;
}

/**
 * The state diagram of one direction as Mermaid `stateDiagram-v2` text, generated from the transition table (the
 * README's diagrams are this output, and a test keeps them equal).
 *
 * @param direction - up or down
 * @returns Mermaid source, one line per arrow
 */
export function stateDiagram(direction: ReferralDirection): string {
  const lines = ['stateDiagram-v2', `  [*] --> ${INITIAL_STATE[direction]}`];
  for (const edge of stateEdges(direction)) lines.push(`  ${edge.from} --> ${edge.to}: ${edge.events.join(', ')}`);
  for (const state of TERMINAL_STATES) lines.push(`  ${state} --> [*]`);
  return lines.join('\n');
}
