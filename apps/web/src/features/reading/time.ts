import type { TimerKind } from '@zhiyin/workflow';

// The turnaround clock of a referral, from the timers the rules keep (ISO due times): the report
// deadline is the limit, the report warning is when it turns amber. The clock counts from
// submission and keeps running while the referral is on hold (the patient's wait is what counts).

export type Urgency = 'ok' | 'near' | 'overdue' | 'none';

export interface Clock {
  /** ms until the limit (negative once it has passed); undefined without a running limit */
  leftMs: number | undefined;
  urgency: Urgency;
}

/** Where a referral stands against its turnaround limit at `now`. */
export function turnaround(
  timers: Partial<Record<TimerKind, string>> | null | undefined,
  submittedAt: string | null | undefined,
  now: number,
): Clock {
  const deadline = timers?.report_deadline ? Date.parse(timers.report_deadline) : NaN;
  if (!Number.isFinite(deadline)) return { leftMs: undefined, urgency: 'none' };
  const leftMs = deadline - now;
  if (leftMs <= 0) return { leftMs, urgency: 'overdue' };
  const warning = timers?.report_warning ? Date.parse(timers.report_warning) : NaN;
  if (Number.isFinite(warning)) return { leftMs, urgency: now >= warning ? 'near' : 'ok' };
  // The warning has fired (its timer is gone) or was never set: amber in the last quarter.
  const start = submittedAt ? Date.parse(submittedAt) : NaN;
  const total = Number.isFinite(start) ? deadline - start : NaN;
  return { leftMs, urgency: Number.isFinite(total) && leftMs > total / 4 ? 'ok' : 'near' };
}

/** 1:05:09, 4:07 or, past a day, days and the rest: `{ days: 2, clock: '03:04:05' }`. */
export function splitDuration(ms: number): { days: number; clock: string } {
  const total = Math.floor(Math.abs(ms) / 1000);
  const days = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const two = (n: number) => String(n).padStart(2, '0');
  if (days > 0) return { days, clock: `${two(h)}:${two(m)}:${two(s)}` };
  return { days: 0, clock: h > 0 ? `${h}:${two(m)}:${two(s)}` : `${m}:${two(s)}` };
}

/** Whole years between a birth date (YYYY-MM-DD) and `now`. */
export function ageOn(birthDate: string | null | undefined, now: Date): number | undefined {
  const m = birthDate ? /^(\d{4})-(\d{2})-(\d{2})/.exec(birthDate) : null;
  if (!m) return undefined;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  let age = now.getFullYear() - y;
  if (now.getMonth() + 1 < mo || (now.getMonth() + 1 === mo && now.getDate() < d)) age--;
  return age;
}

/** "sun juan" → "Sun Juan": pinyin names as written in English. */
export function titleCase(name: string): string {
  return name.replace(/(^|\s)(\p{Ll})/gu, (_m, sp: string, c: string) => sp + c.toUpperCase());
}
