import { isPlanAgreed } from './plan.js';
import type { ReferralSnapshot } from './types.js';
import {
  CANCEL_REASONS,
  DISPOSITIONS,
  OUTCOMES,
  PRIORITIES,
  REFERRAL_DIRECTIONS,
  REFERRAL_STATES,
  SERVICES,
  TIMER_KINDS,
  isOneOf,
  type ReferralState,
  type TimerKind,
} from './vocabulary.js';
import { assertNever } from './assert-never.js';

/** What must hold of an upward referral in each state. */
interface StateShape {
  /** A specialist holds it (accepted it). */
  readonly assignee: boolean;
  readonly report: boolean;
  /** Timers that may be active here. */
  readonly timers: readonly TimerKind[];
}

const REPORT_TIMERS = ['report_warning', 'report_deadline'] as const;

function upShape(state: ReferralState): StateShape {
  switch (state) {
    case 'draft':
      return { assignee: false, report: false, timers: [] };
    case 'submitted':
      return { assignee: false, report: false, timers: ['accept_deadline', ...REPORT_TIMERS] };
    case 'offered':
      return { assignee: false, report: false, timers: TIMER_KINDS };
    case 'accepted':
    case 'in_review':
    case 'info_requested':
      return { assignee: true, report: false, timers: REPORT_TIMERS };
    case 'reported':
    case 'plan_agreed':
    case 'acknowledged':
    case 'closed':
      return { assignee: true, report: true, timers: [] };
    case 'cancelled':
      return { assignee: false, report: false, timers: [] };
    default:
      return assertNever(state);
  }
}

function isTime(value: unknown): boolean {
  return typeof value === 'string' && !Number.isNaN(new Date(value).getTime());
}

/**
 * Checks that a snapshot hangs together: the fields each state needs are present, no field is set that the state
 * forbids, active timers belong to the state, and an agreed state has a plan signed by both doctors on one version.
 * `decide` only ever produces consistent snapshots; use this on snapshots built from stored rows (mapper tests, data
 * migrations) to catch a bad mapping before it reaches the rules.
 *
 * @param s - the snapshot to check
 * @returns a description of each problem; empty when consistent
 */
export function findInconsistencies(s: ReferralSnapshot): string[] {
  const problems: string[] = [];
  const expect = (condition: boolean, problem: string): void => {
    if (!condition) problems.push(problem);
  };
  if (!isOneOf(REFERRAL_STATES, s.state)) return [`unknown state ${String(s.state)}`];
  expect(isOneOf(REFERRAL_DIRECTIONS, s.direction), 'unknown direction');
  expect(isOneOf(SERVICES, s.service), 'unknown service');
  expect(isOneOf(PRIORITIES, s.priority), 'unknown priority');
  expect(Number.isInteger(s.studyCount) && s.studyCount >= 0, 'studyCount must be a whole number ≥ 0');
  expect(typeof s.hasConsent === 'boolean', 'hasConsent must be a boolean');
  expect(new Set(s.declinedBy).size === s.declinedBy.length, 'declinedBy has duplicates');
  expect(isTime(s.createdAt) && isTime(s.updatedAt), 'createdAt and updatedAt must be times');
  for (const [timer, dueAt] of Object.entries(s.timers)) {
    expect(isOneOf(TIMER_KINDS, timer), `unknown timer ${timer}`);
    expect(isTime(dueAt), `timer ${timer} has no valid due time`);
  }
  expect((s.state === 'offered') === (s.offeredTo !== null), 'offeredTo is set exactly in offered');
  expect((s.state === 'closed') === (s.outcome !== null), 'an outcome is set exactly when closed');
  expect(s.outcome === null || isOneOf(OUTCOMES, s.outcome), 'unknown outcome');
  expect((s.state === 'cancelled') === (s.cancellation !== null), 'a cancellation is set exactly when cancelled');
  expect(s.cancellation === null || isOneOf(CANCEL_REASONS, s.cancellation.reason), 'unknown cancel reason');
  expect(
    (s.outcome === 'referred_back_down') === (s.backReferralId !== null),
    'backReferralId is set exactly when referred back down',
  );
  if (s.report !== null) {
    expect(isOneOf(DISPOSITIONS, s.report.disposition), 'unknown report disposition');
    expect(Number.isInteger(s.report.addenda) && s.report.addenda >= 0, 'addenda must be a whole number ≥ 0');
  }
  if (s.plan !== null) {
    const plan = s.plan;
    expect(Number.isInteger(plan.version) && plan.version >= 1, 'plan version must be ≥ 1');
    expect(isOneOf(DISPOSITIONS, plan.disposition), 'unknown plan disposition');
    for (const signature of Object.values(plan.signatures)) {
      expect(signature === null || signature.version === plan.version, 'a signature is for an old plan version');
    }
  }

  if (s.direction === 'down') {
    expect(
      isOneOf(['submitted', 'accepted', 'closed', 'cancelled'] as const, s.state),
      `state ${s.state} is not used going down`,
    );
    expect(s.parentReferralId !== null, 'a back-down referral links its parent');
    expect(s.destinationFacilityId !== null, 'a back-down referral names its destination');
    expect(s.report === null && s.plan === null, 'a back-down referral has no report or plan');
    expect(
      (s.assigneeId !== null) === (s.state === 'accepted' || s.state === 'closed'),
      'the receiving doctor is set once accepted',
    );
    expect(Object.keys(s.timers).length === 0, 'a back-down referral runs no timers');
    return problems;
  }

  const shape = upShape(s.state);
  expect(s.parentReferralId === null && s.destinationFacilityId === null, 'an upward referral has no parent');
  if (s.state === 'draft') expect(s.submittedAt === null, 'a draft has not been submitted');
  else if (s.state !== 'cancelled') expect(s.submittedAt !== null, 'submittedAt is set once submitted');
  if (s.state !== 'draft' && !(s.state === 'cancelled' && s.submittedAt === null)) {
    expect(s.studyCount >= 1, 'a submitted referral has at least one study');
    expect(s.hasClinicalQuestion, 'a submitted referral has a clinical question');
  }
  if (s.state !== 'cancelled') {
    expect(
      shape.assignee === (s.assigneeId !== null),
      `assigneeId must ${shape.assignee ? '' : 'not '}be set in ${s.state}`,
    );
    expect(shape.report === (s.report !== null), `a report must ${shape.report ? '' : 'not '}exist in ${s.state}`);
  } else {
    expect(s.report === null, 'a referral with a signed report is closed, never cancelled');
  }
  for (const timer of Object.keys(s.timers)) {
    expect((shape.timers as readonly string[]).includes(timer), `timer ${timer} cannot run in ${s.state}`);
  }
  expect((s.state === 'offered') === (s.timers.offer_timeout !== undefined), 'an offer always has its timeout');
  expect(s.plan === null || s.report !== null, 'a plan follows a signed report');
  const agreed = isPlanAgreed(s.plan);
  if (s.state === 'plan_agreed' || s.state === 'acknowledged' || s.state === 'closed') {
    expect(agreed, `${s.state} needs a plan signed by both doctors on its current version`);
  } else {
    expect(!agreed, `a plan signed by both doctors moves the referral to plan_agreed, not ${s.state}`);
  }
  return problems;
}
