import type { Role, TimerKind } from './vocabulary.js';

/**
 * Which of a referral's running deadlines each role acts on, and so is shown. The report deadline is the
 * one promise the network makes to the community doctor and the one the reader works against; the offer
 * timeout, the acceptance deadline and the report warning drive routing and escalation, which the
 * coordinator watches over. A role with no deadline here is shown none.
 */
export const DEADLINE_AUDIENCE: Readonly<Record<Role, readonly TimerKind[]>> = {
  community_doctor: ['report_deadline'],
  specialist: ['report_deadline'],
  coordinator: ['offer_timeout', 'accept_deadline', 'report_warning', 'report_deadline'],
  admin: [],
  patient: [],
  system: [],
};

/** A deadline a viewer is shown: which timer, and when it falls due (ISO 8601). */
export interface ShownDeadline {
  readonly kind: TimerKind;
  readonly dueAt: string;
}

/** The due time (ISO 8601) of each running timer of a referral, by kind. */
export type RunningTimers = Partial<Record<TimerKind, string>>;

/**
 * The deadlines of a referral that concern a viewer, earliest first.
 *
 * @param timers - the referral's running timers (its snapshot's `timers`), or null/undefined when none run
 * @param role - the viewer's role (undefined: nobody signed in, shown none)
 * @returns the timers the role acts on, in the order they fall due (ties in {@link DEADLINE_AUDIENCE} order)
 */
export function deadlinesFor(timers: RunningTimers | null | undefined, role: Role | undefined): ShownDeadline[] {
  if (!timers || !role) return [];
  const audience = DEADLINE_AUDIENCE[role];
  return audience
    .flatMap((kind) => {
      const dueAt = timers[kind];
      return dueAt !== undefined && Number.isFinite(Date.parse(dueAt)) ? [{ kind, dueAt }] : [];
    })
    .sort((a, b) => Date.parse(a.dueAt) - Date.parse(b.dueAt) || audience.indexOf(a.kind) - audience.indexOf(b.kind));
}
