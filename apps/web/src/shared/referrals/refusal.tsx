import { REASON_LABELS, type ReasonCode } from '@zhiyin/workflow';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { useErrorText } from '../../lib/errors';

/** The reason code the referral rules gave for refusing, when the API says one. */
export function reasonOf(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const reason = err.details?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

/**
 * Why the API refused an action, in the current language: the referral rules' own label when the API
 * names a reason (a stale plan version, no studies yet…), the common error text otherwise.
 */
export function useRefusalText(): (err: unknown) => string {
  const { lang } = useI18n();
  const common = useErrorText();
  return (err: unknown) => {
    const reason = reasonOf(err);
    if (reason && reason in REASON_LABELS) return REASON_LABELS[reason as ReasonCode][lang];
    return common(err);
  };
}

export function RefusalMessage({ error }: { error: unknown }) {
  const text = useRefusalText();
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {text(error)}
    </p>
  );
}
