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

/** A message a person can act on, in the current language, for any error the API calls throw. */
export function useErrorText(): (err: unknown) => string {
  const { t } = useI18n();
  return (err: unknown) => {
    if (err instanceof NetworkError) return t('error.network');
    if (err instanceof ApiError) {
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

export function ErrorMessage({ error }: { error: unknown }) {
  const text = useErrorText();
  if (!error) return null;
  return (
    <p className="error" role="alert">
      {text(error)}
    </p>
  );
}
