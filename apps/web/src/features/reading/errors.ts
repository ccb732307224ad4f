import { REASON_LABELS, type ReasonCode } from '@zhiyin/workflow';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { useErrorText } from '../../lib/errors';

/** An action's refusal in words: the rules' reason when the API gives one, else the generic text. */
export function useActionError(): (err: unknown) => string {
  const { lang, t } = useI18n();
  const generic = useErrorText();
  return (err: unknown) => {
    if (err instanceof ApiError) {
      const reason = err.details?.reason as string | undefined;
      if (reason && reason in REASON_LABELS) return REASON_LABELS[reason as ReasonCode][lang];
      if (err.code === 'VALIDATION_FAILED' && Array.isArray(err.details?.fields))
        return t('reading.missingFields', {
          fields: (err.details.fields as string[])
            .map((f) => (f in FIELD_KEYS ? t(FIELD_KEYS[f as keyof typeof FIELD_KEYS]) : f))
            .join(lang === 'zh-CN' ? '、' : ', '),
        });
    }
    return generic(err);
  };
}

const FIELD_KEYS = {
  findings: 'reading.findings',
  impression: 'reading.impression',
  disposition: 'reading.disposition',
  message: 'reading.question',
} as const;
