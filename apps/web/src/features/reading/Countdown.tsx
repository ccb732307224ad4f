import type { TimerKind } from '@zhiyin/workflow';
import { useI18n } from '../../i18n/i18n';
import { splitDuration, turnaround } from './time';

/** "3 天 04:05:06" / "4:07" in the current language. */
export function useDuration(): (ms: number) => string {
  const { t } = useI18n();
  return (ms: number) => {
    const d = splitDuration(ms);
    return d.days > 0 ? t('reading.durationDays', { days: d.days, clock: d.clock }) : d.clock;
  };
}

/** Time left to the turnaround limit, counting down with `now`; amber near it, red past it. */
export function Countdown({
  timers,
  submittedAt,
  now,
  testId,
}: {
  timers: Partial<Record<TimerKind, string>> | null | undefined;
  submittedAt: string | null | undefined;
  now: number;
  testId?: string;
}) {
  const { t } = useI18n();
  const duration = useDuration();
  const clock = turnaround(timers, submittedAt, now);
  if (clock.leftMs === undefined) return <span className="muted">—</span>;
  // Past the limit the time over is what matters, in whole minutes up to an hour ("已超时 3 分钟").
  const overMinutes = Math.floor(-clock.leftMs / 60_000);
  const text =
    clock.urgency !== 'overdue'
      ? duration(clock.leftMs)
      : overMinutes >= 1 && overMinutes < 60
        ? t('reading.overdueMinutes', { minutes: overMinutes })
        : t('reading.overdueBy', { time: duration(clock.leftMs) });
  return (
    <span
      className={`reading-clock ${clock.urgency}`}
      data-testid={testId}
      data-left-ms={clock.leftMs}
      data-urgency={clock.urgency}
      title={t(`reading.urgency.${clock.urgency}`)}
    >
      <span aria-hidden="true">{clock.urgency === 'overdue' ? '⚠ ' : clock.urgency === 'near' ? '◔ ' : ''}</span>
      {text}
      <span className="reading-sr"> ({t(`reading.urgency.${clock.urgency}`)})</span>
    </span>
  );
}
