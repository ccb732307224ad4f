import { REASON_LABELS, type ReasonCode } from '@zhiyin/workflow';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { useErrorText } from '../../lib/errors';

/** Why the API refused, in the current language: the referral rules' own label when it names a reason. */
export function useRefusalText(): (err: unknown) => string {
  const { lang } = useI18n();
  const common = useErrorText();
  return (err: unknown) => {
    const reason = err instanceof ApiError ? err.details?.reason : undefined;
    if (typeof reason === 'string' && reason in REASON_LABELS) return REASON_LABELS[reason as ReasonCode][lang];
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
