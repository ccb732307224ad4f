import { useI18n } from '../../i18n/i18n';

/** Time left to read a critical result back, or that the limit has passed. */
export function DueClock({ dueAt, now }: { dueAt: string; now: number }) {
  const { t } = useI18n();
  const left = Math.ceil((Date.parse(dueAt) - now) / 1000);
  if (left <= 0)
    return (
      <span className="critical-overdue" data-testid="critical-due" data-overdue="true">
        {t('critical.overdue')}
      </span>
    );
  return (
    <span data-testid="critical-due" data-overdue="false">
      {t('critical.dueIn', { minutes: Math.floor(left / 60), seconds: left % 60 })}
    </span>
  );
}
