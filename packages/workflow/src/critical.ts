import { assertNever } from './assert-never.js';
import type { Label } from './labels.js';
import { SERVICES, type Service } from './vocabulary.js';

/**
 * Critical results (危急值): a finding a reader reports at once, which the referring doctor must confirm by reading it
 * back within a limit; unconfirmed, it escalates to the centre's other doctors and the coordinators, who phone until a
 * read-back closes it.
 */

/** One finding that counts as critical for a service. */
export interface CriticalFinding {
  /** Stable code, lower case with underscores; what the read-back and the records name. */
  readonly code: string;
  readonly label: Label;
}

/** The network's critical findings: a list per service. */
export type CriticalFindingList = Readonly<Record<Service, readonly CriticalFinding[]>>;

/**
 * Default critical findings, after the critical-value lists Chinese hospitals publish for ECG and imaging (危急值报告制度)
 * and the chest-pain-centre rules; each network edits its own list.
 */
export const DEFAULT_CRITICAL_FINDINGS: CriticalFindingList = {
  ECG: [
    { code: 'stemi', label: { 'zh-CN': '急性 ST 段抬高型心肌梗死', en: 'Acute STEMI' } },
    { code: 'vt_vf', label: { 'zh-CN': '室性心动过速 / 心室颤动', en: 'Ventricular tachycardia / fibrillation' } },
    {
      code: 'complete_heart_block',
      label: { 'zh-CN': '三度（完全性）房室传导阻滞', en: 'Complete (third-degree) heart block' },
    },
    { code: 'long_qtc', label: { 'zh-CN': 'QTc 显著延长（> 500 ms）', en: 'Long QTc (> 500 ms)' } },
    { code: 'asystole_long_pause', label: { 'zh-CN': '心脏停搏 / 长间歇（≥ 3 s）', en: 'Asystole or pause ≥ 3 s' } },
    {
      code: 'extreme_rate',
      label: { 'zh-CN': '极度心动过缓（< 40 次/分）或过速（> 180 次/分）', en: 'Heart rate < 40 or > 180 /min' },
    },
  ],
  IMAGING: [
    { code: 'tension_pneumothorax', label: { 'zh-CN': '张力性气胸', en: 'Tension pneumothorax' } },
    { code: 'intracranial_haemorrhage', label: { 'zh-CN': '颅内出血', en: 'Intracranial haemorrhage' } },
    {
      code: 'free_intraperitoneal_air',
      label: { 'zh-CN': '腹腔游离气体（消化道穿孔）', en: 'Free intraperitoneal air' },
    },
    { code: 'aortic_dissection', label: { 'zh-CN': '主动脉夹层', en: 'Aortic dissection' } },
    { code: 'pulmonary_embolism', label: { 'zh-CN': '急性肺栓塞', en: 'Acute pulmonary embolism' } },
    { code: 'brain_herniation', label: { 'zh-CN': '脑疝', en: 'Brain herniation' } },
  ],
};

/** How long the referring doctor has to confirm a critical result by read-back, per service. */
export type CriticalConfirmLimits = Readonly<Record<Service, number>>;

/** The default confirmation limit: 10 minutes for every service. */
export const DEFAULT_CRITICAL_CONFIRM_MINUTES: CriticalConfirmLimits = { ECG: 10, IMAGING: 10 };

/** The network's critical-result settings: the findings and the confirmation limit, per service. */
export interface CriticalResultPolicy {
  readonly confirmMinutes: CriticalConfirmLimits;
  readonly findings: CriticalFindingList;
}

/** The defaults of {@link CriticalResultPolicy}. */
export const DEFAULT_CRITICAL_RESULT_POLICY: CriticalResultPolicy = {
  confirmMinutes: DEFAULT_CRITICAL_CONFIRM_MINUTES,
  findings: DEFAULT_CRITICAL_FINDINGS,
};

/** The longest confirmation limit a network may set: one hour (a critical value cannot wait longer). */
export const MAX_CRITICAL_CONFIRM_MINUTES = 60;

/** One problem in a critical-result policy, located by a dotted path such as `findings.ECG.2.code`. */
export interface CriticalPolicyProblem {
  readonly path: string;
  readonly message: string;
}

const CODE_PATTERN = /^[a-z][a-z0-9_]{1,39}$/;

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Checks a complete critical-result policy: a whole-minute limit of 1 to 60 per service, and per service a non-empty
 * list of findings with unique codes and both labels.
 *
 * @param policy - the policy to check, typically JSON from the admin screen
 * @returns every problem found; empty when the policy is valid
 */
export function validateCriticalResultPolicy(policy: unknown): CriticalPolicyProblem[] {
  if (!isObject(policy)) return [{ path: '', message: 'must be an object with confirmMinutes and findings' }];
  const problems: CriticalPolicyProblem[] = [];
  for (const key of Object.keys(policy)) {
    if (key !== 'confirmMinutes' && key !== 'findings') problems.push({ path: key, message: 'unknown key' });
  }
  const { confirmMinutes, findings } = policy;
  if (!isObject(confirmMinutes)) problems.push({ path: 'confirmMinutes', message: 'must be an object by service' });
  if (!isObject(findings)) problems.push({ path: 'findings', message: 'must be an object by service' });
  if (!isObject(confirmMinutes) || !isObject(findings)) return problems;
  for (const [group, value] of [
    ['confirmMinutes', confirmMinutes],
    ['findings', findings],
  ] as const) {
    for (const key of Object.keys(value)) {
      if (!(SERVICES as readonly string[]).includes(key))
        problems.push({ path: `${group}.${key}`, message: 'unknown service' });
    }
  }
  for (const service of SERVICES) {
    const minutes = confirmMinutes[service];
    if (
      typeof minutes !== 'number' ||
      !Number.isInteger(minutes) ||
      minutes < 1 ||
      minutes > MAX_CRITICAL_CONFIRM_MINUTES
    ) {
      problems.push({
        path: `confirmMinutes.${service}`,
        message: `must be a whole number of minutes from 1 to ${MAX_CRITICAL_CONFIRM_MINUTES}`,
      });
    }
    const list = findings[service];
    if (!Array.isArray(list) || list.length === 0) {
      problems.push({ path: `findings.${service}`, message: 'must list at least one finding' });
      continue;
    }
    const seen = new Set<string>();
    list.forEach((item: unknown, i) => {
      const path = `findings.${service}.${i}`;
      if (!isObject(item) || !isObject(item.label)) {
        problems.push({ path, message: 'must be { code, label: { zh-CN, en } }' });
        return;
      }
      const code = item.code;
      if (typeof code !== 'string' || !CODE_PATTERN.test(code)) {
        problems.push({ path: `${path}.code`, message: 'must be 2-40 lower-case letters, digits or _' });
      } else if (seen.has(code)) {
        problems.push({ path: `${path}.code`, message: 'is listed twice' });
      } else seen.add(code);
      for (const locale of ['zh-CN', 'en'] as const) {
        const text = item.label[locale];
        if (typeof text !== 'string' || text.trim().length === 0 || text.length > 100) {
          problems.push({ path: `${path}.label.${locale}`, message: 'must be 1-100 characters' });
        }
      }
    });
  }
  return problems;
}

/**
 * Finds a critical finding of a service by its code.
 *
 * @param policy - the policy in force
 * @param service - the referral's service
 * @param code - the finding's code
 * @returns the finding, or undefined when the service lists no such code
 */
export function criticalFinding(
  policy: CriticalResultPolicy,
  service: Service,
  code: string,
): CriticalFinding | undefined {
  return policy.findings[service].find((f) => f.code === code);
}

const squash = (s: string) => s.normalize('NFKC').toLowerCase().replace(/\s+/g, '');

/**
 * Does a read-back name the finding that was reported? The doctor either chooses the finding (its code) or types its
 * name in Chinese or English; case, width and spaces do not matter, anything else does.
 *
 * @param finding - the finding the reader reported (code and labels as recorded then)
 * @param readBack - what the doctor chose or typed
 * @returns true when the read-back names exactly that finding
 */
export function readBackMatches(finding: CriticalFinding, readBack: string): boolean {
  const said = squash(readBack);
  if (said.length === 0) return false;
  return [finding.code, finding.label['zh-CN'], finding.label.en].some((name) => squash(name) === said);
}

/** The states of a critical result. */
export const CRITICAL_STATES = ['raised', 'confirmed', 'escalated', 'closed'] as const;
/** A critical result's state, one of {@link CRITICAL_STATES}. */
export type CriticalState = (typeof CRITICAL_STATES)[number];

/** States in which the loop is still open: someone must still confirm. */
export const OPEN_CRITICAL_STATES = ['raised', 'escalated'] as const satisfies readonly CriticalState[];

/** Labels of the critical-result states. */
export const CRITICAL_STATE_LABELS: Readonly<Record<CriticalState, Label>> = {
  raised: { 'zh-CN': '待确认', en: 'Awaiting read-back' },
  confirmed: { 'zh-CN': '已确认（复述）', en: 'Confirmed by read-back' },
  escalated: { 'zh-CN': '已升级，电话通知中', en: 'Escalated: phoning' },
  closed: { 'zh-CN': '已电话确认，闭环', en: 'Closed by phone call' },
};

/** What can happen to a critical result. */
export type CriticalEvent =
  | { readonly type: 'confirm'; readonly readBack: string }
  | { readonly type: 'confirm_limit_passed' }
  | { readonly type: 'record_call'; readonly reached: boolean; readonly readBack: string | null };

/** Who acts on a critical result. */
export type CriticalActor = 'referring_doctor' | 'coordinator' | 'system';

/** The context of a critical-result decision. */
export interface CriticalContext {
  readonly actor: CriticalActor;
  readonly now: Date;
  /** the finding that was reported */
  readonly finding: CriticalFinding;
  /** when the read-back falls due */
  readonly confirmDueAt: string;
}

/** Why a critical-result event is refused. */
export const CRITICAL_REFUSALS = [
  'not_allowed_for_role',
  'not_open',
  'read_back_mismatch',
  'not_due_yet',
  'not_escalated',
  'read_back_required',
] as const;
/** A refusal code, one of {@link CRITICAL_REFUSALS}. */
export type CriticalRefusal = (typeof CRITICAL_REFUSALS)[number];

/** Follow-up work of a critical-result decision, as data. */
export type CriticalEffect =
  { readonly type: 'alert_escalation' } | { readonly type: 'announce_settled' } | { readonly type: 'log_call' };

/** The result of {@link decideCritical}. */
export type CriticalDecision =
  | { readonly ok: true; readonly next: CriticalState; readonly effects: readonly CriticalEffect[] }
  | { readonly ok: false; readonly reason: CriticalRefusal };

const refuse = (reason: CriticalRefusal): CriticalDecision => ({ ok: false, reason });

/**
 * The rules of a critical result: raised → confirmed (the referring doctor reads it back); raised → escalated (the
 * limit passed unconfirmed); escalated → closed (a coordinator's call in which the finding was read back). A call that
 * did not reach anyone is logged and leaves it escalated; a late read-back by a doctor of the centre still confirms it.
 *
 * @param state - the critical result's state
 * @param event - what happened
 * @param ctx - who acts, when, the finding and its due time
 * @returns the next state and follow-up work, or why the event is refused
 */
export function decideCritical(state: CriticalState, event: CriticalEvent, ctx: CriticalContext): CriticalDecision {
  switch (event.type) {
    case 'confirm':
      if (ctx.actor !== 'referring_doctor') return refuse('not_allowed_for_role');
      if (state !== 'raised' && state !== 'escalated') return refuse('not_open');
      if (!readBackMatches(ctx.finding, event.readBack)) return refuse('read_back_mismatch');
      return { ok: true, next: 'confirmed', effects: [{ type: 'announce_settled' }] };
    case 'confirm_limit_passed':
      if (ctx.actor !== 'system') return refuse('not_allowed_for_role');
      if (state !== 'raised') return refuse('not_open');
      if (ctx.now.getTime() < Date.parse(ctx.confirmDueAt)) return refuse('not_due_yet');
      return { ok: true, next: 'escalated', effects: [{ type: 'alert_escalation' }] };
    case 'record_call':
      if (ctx.actor !== 'coordinator') return refuse('not_allowed_for_role');
      if (state !== 'escalated') return refuse(state === 'raised' ? 'not_escalated' : 'not_open');
      if (!event.reached) return { ok: true, next: 'escalated', effects: [{ type: 'log_call' }] };
      if (event.readBack === null || event.readBack.trim() === '') return refuse('read_back_required');
      if (!readBackMatches(ctx.finding, event.readBack)) return refuse('read_back_mismatch');
      return { ok: true, next: 'closed', effects: [{ type: 'log_call' }, { type: 'announce_settled' }] };
    default:
      return assertNever(event);
  }
}

/**
 * When a critical result's read-back falls due.
 *
 * @param raisedAt - when the reader reported it
 * @param service - the referral's service
 * @param policy - the network's critical-result policy
 * @returns the due time as an ISO 8601 string
 */
export function criticalConfirmDueAt(raisedAt: Date, service: Service, policy: CriticalResultPolicy): string {
  return new Date(raisedAt.getTime() + policy.confirmMinutes[service] * 60_000).toISOString();
}
