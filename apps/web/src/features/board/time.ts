import type { Language, Translate } from '../../i18n/i18n';

/** The network's clock: the hub and its centres keep China Standard Time (UTC+8, no daylight saving). */
export const NETWORK_TIME_ZONE = 'Asia/Shanghai';
const NETWORK_OFFSET = '+08:00';

/** A duration as people read it: 2 天 3 小时 · 1 小时 05 分 · 12 分 30 秒 (absolute value), in the words of `t`. */
export function formatDuration(ms: number, t: Translate): string {
  const total = Math.floor(Math.abs(ms) / 1000);
  const d = Math.floor(total / 86_400);
  const h = Math.floor((total % 86_400) / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, '0');
  if (d > 0) return t('board.dur.dh', { d, h });
  if (h > 0) return t('board.dur.hm', { h, m: pad(m) });
  return t('board.dur.ms', { m, s: pad(s) });
}

/** `datetime-local` input value (network time) → ISO 8601 with the network's offset. */
export function networkLocalToIso(local: string): string {
  const withSeconds = /T\d{2}:\d{2}$/.test(local) ? `${local}:00` : local;
  return new Date(`${withSeconds}${NETWORK_OFFSET}`).toISOString();
}

/** ISO 8601 → `datetime-local` input value in network time. */
export function isoToNetworkLocal(iso: string): string {
  const d = new Date(new Date(iso).getTime() + 8 * 3600_000);
  return d.toISOString().slice(0, 16);
}

/** Date and time in network time, in the current language. */
export function formatNetworkDateTime(iso: string, lang: Language, opts?: Intl.DateTimeFormatOptions): string {
  return new Intl.DateTimeFormat(lang, {
    dateStyle: 'medium',
    timeStyle: 'short',
    timeZone: NETWORK_TIME_ZONE,
    ...opts,
  }).format(new Date(iso));
}

/** Time of day (hh:mm) in network time. */
export function formatNetworkTime(iso: string, lang: Language): string {
  return new Intl.DateTimeFormat(lang, {
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
    timeZone: NETWORK_TIME_ZONE,
  }).format(new Date(iso));
}

/** The ISO 8601 week (e.g. 2026-W48) of a moment, in network time. */
export function isoWeekOf(ms: number): string {
  const local = new Date(ms + 8 * 3600_000);
  const day = (local.getUTCDay() + 6) % 7; // Monday 0
  const thursday = new Date(Date.UTC(local.getUTCFullYear(), local.getUTCMonth(), local.getUTCDate() - day + 3));
  const year = thursday.getUTCFullYear();
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const week1Thursday = new Date(jan4.getTime() + (3 - ((jan4.getUTCDay() + 6) % 7)) * 86_400_000);
  const week = 1 + Math.round((thursday.getTime() - week1Thursday.getTime()) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The week `delta` weeks from an ISO week. */
export function shiftWeek(week: string, delta: number): string {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) return week;
  const year = Number(m[1]);
  const jan4 = Date.UTC(year, 0, 4);
  const mondayWeek1 = jan4 - ((new Date(jan4).getUTCDay() + 6) % 7) * 86_400_000;
  // Thursday of the target week, taken back to network time's midnight (UTC+8) so isoWeekOf reads the same day.
  const thursday = mondayWeek1 + ((Number(m[2]) - 1 + delta) * 7 + 3) * 86_400_000 - 8 * 3600_000 + 12 * 3600_000;
  return isoWeekOf(thursday);
}
