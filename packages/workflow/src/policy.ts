import { PRIORITIES, SERVICES, type Priority, type Service, type TimerKind } from './vocabulary.js';
import { assertNever } from './assert-never.js';
import type { Label } from './labels.js';

/**
 * Turnaround limits for one service at one priority, in whole minutes.
 *
 * `offerTimeoutMinutes` counts from each offer; the other three count from submission, because the patient's wait is
 * what matters: the clock keeps running while the referral waits for information or for a new reader.
 */
export interface TurnaroundTarget {
  /** How long one specialist has to accept an offer before it is withdrawn and routed to the next. */
  readonly offerTimeoutMinutes: number;
  /** By when somebody must have accepted the referral; past it the coordinators are alerted. */
  readonly acceptDeadlineMinutes: number;
  /** When the reader and the coordinators are warned that the report is due soon. */
  readonly reportWarningMinutes: number;
  /** The limit for a signed report; past it the coordinators are alerted. */
  readonly reportDeadlineMinutes: number;
}

/** The fields of a {@link TurnaroundTarget}, in the order they fall due. */
export const TURNAROUND_FIELDS = [
  'offerTimeoutMinutes',
  'acceptDeadlineMinutes',
  'reportWarningMinutes',
  'reportDeadlineMinutes',
] as const satisfies readonly (keyof TurnaroundTarget)[];
/** A field of a {@link TurnaroundTarget}, one of {@link TURNAROUND_FIELDS}. */
export type TurnaroundField = (typeof TURNAROUND_FIELDS)[number];

/** A complete turnaround policy: a target for every service at every priority. */
export type TurnaroundPolicy = Readonly<Record<Service, Readonly<Record<Priority, TurnaroundTarget>>>>;

/** A network's changes to a policy: any subset of services, priorities and fields. */
export type TurnaroundPolicyOverride = {
  readonly [S in Service]?: { readonly [P in Priority]?: Partial<TurnaroundTarget> };
};

/** The longest limit a network may configure: 30 days. */
export const MAX_TURNAROUND_MINUTES = 30 * 24 * 60;

/**
 * Default turnaround limits.
 *
 * Published targets behind the STAT rows (see {@link TURNAROUND_SOURCES}):
 * - ECG STAT, 10 minutes: the China Chest Pain Center accreditation standard measures first ECG to ECG diagnosis for
 *   STEMI at a monthly mean under 10 minutes, and the 2023 ESC ACS guideline and the 2013 ACCF/AHA STEMI guideline set
 *   a 12-lead ECG recorded and interpreted within 10 minutes of first medical contact.
 * - IMAGING STAT, 60 minutes: NICE head injury guidance (CG176, now NG232; quality standard QS74 statement 4) sets a
 *   provisional written radiology report within 1 hour of the scan.
 *
 * The URGENT and ROUTINE rows, and the offer, accept and warning points inside every row, are this project's defaults
 * for a hub-and-spoke network, not published figures; each network tunes them with {@link mergeTurnaroundPolicy}.
 */
export const DEFAULT_TURNAROUND_POLICY: TurnaroundPolicy = {
  ECG: {
    STAT: { offerTimeoutMinutes: 2, acceptDeadlineMinutes: 5, reportWarningMinutes: 7, reportDeadlineMinutes: 10 },
    URGENT: { offerTimeoutMinutes: 5, acceptDeadlineMinutes: 10, reportWarningMinutes: 20, reportDeadlineMinutes: 30 },
    ROUTINE: {
      offerTimeoutMinutes: 30,
      acceptDeadlineMinutes: 240,
      reportWarningMinutes: 1080,
      reportDeadlineMinutes: 1440,
    },
  },
  IMAGING: {
    STAT: { offerTimeoutMinutes: 5, acceptDeadlineMinutes: 15, reportWarningMinutes: 45, reportDeadlineMinutes: 60 },
    URGENT: {
      offerTimeoutMinutes: 15,
      acceptDeadlineMinutes: 60,
      reportWarningMinutes: 180,
      reportDeadlineMinutes: 240,
    },
    ROUTINE: {
      offerTimeoutMinutes: 60,
      acceptDeadlineMinutes: 480,
      reportWarningMinutes: 2160,
      reportDeadlineMinutes: 2880,
    },
  },
};

/**
 * Where each default report limit comes from, for the admin screen and the README: in Chinese first, with the same
 * text in English.
 */
export const TURNAROUND_SOURCES: Readonly<Record<Service, Readonly<Record<Priority, Label>>>> = {
  ECG: {
    STAT: {
      'zh-CN':
        '中国胸痛中心认证标准（STEMI 患者首份心电图至心电图诊断 < 10 分钟）；' +
        '2023 年 ESC 急性冠脉综合征管理指南（首次医疗接触后 < 10 分钟完成心电图判读）；' +
        '2013 年 ACCF/AHA STEMI 指南（到院 10 分钟内完成心电图）',
      en:
        'China Chest Pain Center accreditation standard (first ECG to ECG diagnosis < 10 min for STEMI); ' +
        '2023 ESC Guidelines for the management of acute coronary syndromes (ECG interpreted < 10 min from first ' +
        'medical contact); 2013 ACCF/AHA STEMI guideline (ECG within 10 min of arrival)',
    },
    URGENT: { 'zh-CN': '知音默认值（非公开发布的标准）', en: 'Zhiyin default (not a published figure)' },
    ROUTINE: {
      'zh-CN': '知音默认值（非公开发布的标准）：次日完成阅片',
      en: 'Zhiyin default (not a published figure): next-day reading',
    },
  },
  IMAGING: {
    STAT: {
      'zh-CN': '英国 NICE 颅脑损伤指南 CG176/NG232 及质量标准 QS74 第 4 条（扫描后 1 小时内出具初步书面影像报告）',
      en: 'NICE CG176/NG232 Head injury and quality standard QS74 statement 4 (provisional written radiology report within 1 hour of the scan)',
    },
    URGENT: { 'zh-CN': '知音默认值（非公开发布的标准）', en: 'Zhiyin default (not a published figure)' },
    ROUTINE: {
      'zh-CN': '知音默认值（非公开发布的标准）：两天内完成',
      en: 'Zhiyin default (not a published figure): within two days',
    },
  },
};

/** Kinds of problem found in a turnaround policy or override. */
export const POLICY_PROBLEM_CODES = [
  'not_an_object',
  'unknown_key',
  'not_a_positive_integer',
  'too_long',
  'out_of_order',
  'slower_than_lower_priority',
] as const;
/** A policy problem code, one of {@link POLICY_PROBLEM_CODES}. */
export type PolicyProblemCode = (typeof POLICY_PROBLEM_CODES)[number];

/** One problem in a policy, located by a dotted path such as `ECG.STAT.reportDeadlineMinutes`. */
export interface PolicyProblem {
  readonly path: string;
  readonly code: PolicyProblemCode;
  readonly message: string;
}

/** The result of {@link mergeTurnaroundPolicy}: the merged policy, or every problem found. */
export type PolicyMergeResult =
  | { readonly ok: true; readonly policy: TurnaroundPolicy }
  | { readonly ok: false; readonly problems: readonly PolicyProblem[] };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function unknownKeys(value: Record<string, unknown>, allowed: readonly string[], path: string): PolicyProblem[] {
  return Object.keys(value)
    .filter((key) => !allowed.includes(key))
    .map((key) => ({
      path: path ? `${path}.${key}` : key,
      code: 'unknown_key' as const,
      message: `unknown key "${key}"; expected one of ${allowed.join(', ')}`,
    }));
}

function checkMinutes(value: unknown, path: string): PolicyProblem[] {
  if (typeof value !== 'number' || !Number.isInteger(value) || value <= 0) {
    return [{ path, code: 'not_a_positive_integer', message: 'must be a whole number of minutes greater than 0' }];
  }
  if (value > MAX_TURNAROUND_MINUTES) {
    return [{ path, code: 'too_long', message: `must be at most ${MAX_TURNAROUND_MINUTES} minutes (30 days)` }];
  }
  return [];
}

/** Checks the shape of an override (keys and values) without merging it. */
function checkOverrideShape(override: unknown): PolicyProblem[] {
  if (!isPlainObject(override)) {
    return [{ path: '', code: 'not_an_object', message: 'a policy override must be an object keyed by service' }];
  }
  const problems: PolicyProblem[] = unknownKeys(override, SERVICES, '');
  for (const service of SERVICES) {
    const byPriority = override[service];
    if (byPriority === undefined) continue;
    if (!isPlainObject(byPriority)) {
      problems.push({ path: service, code: 'not_an_object', message: 'must be an object keyed by priority' });
      continue;
    }
    problems.push(...unknownKeys(byPriority, PRIORITIES, service));
    for (const priority of PRIORITIES) {
      const target = byPriority[priority];
      const path = `${service}.${priority}`;
      if (target === undefined) continue;
      if (!isPlainObject(target)) {
        problems.push({ path, code: 'not_an_object', message: 'must be an object of minute limits' });
        continue;
      }
      problems.push(...unknownKeys(target, TURNAROUND_FIELDS, path));
      for (const field of TURNAROUND_FIELDS) {
        if (target[field] !== undefined) problems.push(...checkMinutes(target[field], `${path}.${field}`));
      }
    }
  }
  return problems;
}

/**
 * Checks a complete policy: every service and priority present, every limit a whole number of minutes within 30 days,
 * limits in order inside a row (offer ≤ accept ≤ report deadline, warning before the deadline), and no priority
 * slower than a less urgent one for the same service.
 *
 * @param policy - the policy to check, typically read back from configuration
 * @returns every problem found; empty when the policy is valid
 */
export function validateTurnaroundPolicy(policy: unknown): PolicyProblem[] {
  const problems = checkOverrideShape(policy);
  if (problems.length > 0 || !isPlainObject(policy)) return problems;
  for (const service of SERVICES) {
    const byPriority = policy[service];
    if (!isPlainObject(byPriority)) {
      problems.push({ path: service, code: 'not_an_object', message: 'missing service' });
      continue;
    }
    for (const priority of PRIORITIES) {
      const target = byPriority[priority];
      const path = `${service}.${priority}`;
      if (!isPlainObject(target)) {
        problems.push({ path, code: 'not_an_object', message: 'missing priority' });
        continue;
      }
      for (const field of TURNAROUND_FIELDS) {
        if (target[field] === undefined) problems.push(...checkMinutes(undefined, `${path}.${field}`));
      }
    }
  }
  if (problems.length > 0) return problems;
  const complete = policy as unknown as TurnaroundPolicy;
  for (const service of SERVICES) {
    for (const priority of PRIORITIES) {
      const t = complete[service][priority];
      const path = `${service}.${priority}`;
      if (t.offerTimeoutMinutes > t.acceptDeadlineMinutes) {
        problems.push({
          path: `${path}.offerTimeoutMinutes`,
          code: 'out_of_order',
          message: 'the offer timeout must not be later than the accept deadline',
        });
      }
      if (t.acceptDeadlineMinutes > t.reportDeadlineMinutes) {
        problems.push({
          path: `${path}.acceptDeadlineMinutes`,
          code: 'out_of_order',
          message: 'the accept deadline must not be later than the report deadline',
        });
      }
      if (t.reportWarningMinutes >= t.reportDeadlineMinutes) {
        problems.push({
          path: `${path}.reportWarningMinutes`,
          code: 'out_of_order',
          message: 'the report warning must come before the report deadline',
        });
      }
    }
    for (let i = 1; i < PRIORITIES.length; i++) {
      const more = PRIORITIES[i - 1] as Priority;
      const less = PRIORITIES[i] as Priority;
      for (const field of TURNAROUND_FIELDS) {
        if (complete[service][more][field] > complete[service][less][field]) {
          problems.push({
            path: `${service}.${more}.${field}`,
            code: 'slower_than_lower_priority',
            message: `${more} must not be slower than ${less}`,
          });
        }
      }
    }
  }
  return problems;
}

/**
 * Applies a network's override on top of a base policy and validates the result. Unknown keys and bad values are
 * reported, never silently dropped.
 *
 * @param override - the network's changes, typically JSON from the admin screen or configuration; may be partial
 * @param base - the policy to change; the defaults unless given
 * @returns the merged policy, or every problem found in the override or the merged result
 */
export function mergeTurnaroundPolicy(
  override: unknown,
  base: TurnaroundPolicy = DEFAULT_TURNAROUND_POLICY,
): PolicyMergeResult {
  const shapeProblems = checkOverrideShape(override);
  if (shapeProblems.length > 0) return { ok: false, problems: shapeProblems };
  const changes = override as TurnaroundPolicyOverride;
  const merged = {} as Record<Service, Record<Priority, TurnaroundTarget>>;
  for (const service of SERVICES) {
    merged[service] = {} as Record<Priority, TurnaroundTarget>;
    for (const priority of PRIORITIES) {
      merged[service][priority] = { ...base[service][priority], ...changes[service]?.[priority] };
    }
  }
  const problems = validateTurnaroundPolicy(merged);
  return problems.length > 0 ? { ok: false, problems } : { ok: true, policy: merged };
}

/**
 * The limit that drives a timer, in minutes.
 *
 * @param timer - the timer kind
 * @param target - the turnaround target for the referral's service and priority
 * @returns the number of minutes after the timer's starting point at which it falls due
 */
export function timerMinutes(timer: TimerKind, target: TurnaroundTarget): number {
  switch (timer) {
    case 'offer_timeout':
      return target.offerTimeoutMinutes;
    case 'accept_deadline':
      return target.acceptDeadlineMinutes;
    case 'report_warning':
      return target.reportWarningMinutes;
    case 'report_deadline':
      return target.reportDeadlineMinutes;
    default:
      return assertNever(timer);
  }
}

/**
 * When a timer falls due. The offer timer counts from the offer (`now`); the others count from submission.
 *
 * @param timer - the timer kind
 * @param referral - the referral's service, priority and submission time (null before submission: counts from `now`)
 * @param now - the current time
 * @param policy - the network's turnaround policy
 * @returns the due time as an ISO 8601 string
 */
export function timerDueAt(
  timer: TimerKind,
  referral: { readonly service: Service; readonly priority: Priority; readonly submittedAt: string | null },
  now: Date,
  policy: TurnaroundPolicy = DEFAULT_TURNAROUND_POLICY,
): string {
  const start = timer === 'offer_timeout' || referral.submittedAt === null ? now : new Date(referral.submittedAt);
  const minutes = timerMinutes(timer, policy[referral.service][referral.priority]);
  return new Date(start.getTime() + minutes * 60_000).toISOString();
}
