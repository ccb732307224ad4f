import type { Label } from '@zhiyin/workflow';
import { useI18n, type MessageKey } from '../i18n/i18n';
import { ApiError, NetworkError } from './api';

const KNOWN: Record<string, MessageKey> = {
  INVALID_CREDENTIALS: 'error.INVALID_CREDENTIALS',
  INVALID_PATIENT_CODE: 'error.INVALID_PATIENT_CODE',
  TOO_MANY_ATTEMPTS: 'error.TOO_MANY_ATTEMPTS',
  FORBIDDEN: 'error.FORBIDDEN',
  FACILITY_INACTIVE: 'error.FACILITY_INACTIVE',
  NOT_FOUND: 'error.NOT_FOUND',
  VALIDATION_FAILED: 'error.VALIDATION_FAILED',
  CONFLICT: 'error.CONFLICT',
  STALE_STATE: 'error.STALE_STATE',
  PAYLOAD_TOO_LARGE: 'error.PAYLOAD_TOO_LARGE',
  DATABASE_UNAVAILABLE: 'error.DATABASE_UNAVAILABLE',
  INVALID_SECOND_FACTOR: 'error.INVALID_SECOND_FACTOR',
  INVALID_CHALLENGE: 'error.INVALID_CHALLENGE',
  SECOND_FACTOR_REQUIRED: 'error.SECOND_FACTOR_REQUIRED',
};

/**
 * What a screen area says of the API's refusals beyond the common texts: data, read before them. An
 * area declares one constant (e.g. `READING_ERRORS`) and passes it to useErrorText / ErrorMessage.
 */
export interface ErrorWording {
  /** the area's own text for an API error code (a read-back that does not match, say) */
  codes?: Readonly<Record<string, MessageKey>>;
  /** the rules' reason codes (`details.reason`) in words, e.g. the workflow's REASON_LABELS */
  reasonLabels?: Readonly<Record<string, Label>>;
  /** message-key prefixes under which the area words reason codes: `${prefix}${reason}`, first found wins */
  reasonKeys?: readonly string[];
  /** a VALIDATION_FAILED refusal that lists fields: the sentence (with `{fields}`) and each field's name */
  missingFields?: { key: MessageKey; names: Readonly<Record<string, MessageKey>> };
}

/** The API's reason code (`details.reason`), if any. */
export function errorReason(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const reason = err.details?.reason;
  return typeof reason === 'string' ? reason : undefined;
}

/**
 * A message a person can act on, in the current language, for any error the API calls throw: the
 * area's own wording first (when given), then the common texts.
 */
export function useErrorText(wording?: ErrorWording): (err: unknown) => string {
  const { t, has, labelOf, list } = useI18n();
  return (err: unknown) => {
    if (err instanceof NetworkError) return t('error.network');
    if (err instanceof ApiError) {
      if (wording?.codes && Object.hasOwn(wording.codes, err.code)) return t(wording.codes[err.code]!);
      const reason = errorReason(err);
      if (reason && wording?.reasonLabels && Object.hasOwn(wording.reasonLabels, reason))
        return labelOf(wording.reasonLabels[reason]!);
      for (const prefix of (reason && wording?.reasonKeys) || []) {
        const key = `${prefix}${reason}`;
        if (has(key)) return t(key);
      }
      const missing = wording?.missingFields;
      if (missing && err.code === 'VALIDATION_FAILED' && Array.isArray(err.details?.fields))
        return t(missing.key, {
          fields: list(
            (err.details.fields as string[]).map((f) => (Object.hasOwn(missing.names, f) ? t(missing.names[f]!) : f)),
          ),
        });
      // Sign-in throttling says how long to wait (it grows with every failure).
      const wait = err.details?.retryAfterSeconds;
      if (err.code === 'TOO_MANY_ATTEMPTS' && typeof wait === 'number' && wait < 3600)
        return t('error.TOO_MANY_ATTEMPTS_WAIT', { minutes: Math.max(1, Math.ceil(wait / 60)) });
      const key = KNOWN[err.code];
      if (key) return t(key);
      // The API's own message is written for people (and never carries patient data).
      return `${t('error.server')} (${err.code})`;
    }
    return t('error.unexpectedText');
  };
}

/** An error box for a refused action (role="alert": read out at once); nothing when there is no error. */
export function ErrorMessage({ error, wording }: { error: unknown; wording?: ErrorWording }) {
  const text = useErrorText(wording);
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {text(error)}
    </p>
  );
}
