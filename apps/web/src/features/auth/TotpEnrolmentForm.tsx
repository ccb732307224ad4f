import { useEffect, useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import type { TotpEnrolment } from './api';
import { useAction } from '../../lib/useAction';

/**
 * Setting up an authenticator app: the QR code (and the key for typing), then a code from the app to
 * confirm. Used at sign-in (when the role requires it) and on the user's own two-step page.
 */
export function TotpEnrolmentForm({
  start,
  confirm,
}: {
  start: () => Promise<TotpEnrolment>;
  confirm: (code: string) => Promise<void>;
}) {
  const { t } = useI18n();
  const ids = useId();
  const [enrolment, setEnrolment] = useState<TotpEnrolment>();
  const [code, setCode] = useState('');
  const [startError, setStartError] = useState<unknown>();
  const { busy, error, run } = useAction();

  useEffect(() => {
    let live = true;
    start().then(
      (e) => live && setEnrolment(e),
      (err: unknown) => live && setStartError(err),
    );
    return () => {
      live = false;
    };
    // Started once per mount: a new start replaces the secret being set up.
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    return run(() => confirm(code.trim()));
  };

  if (!enrolment) return <ErrorMessage error={startError} />;
  return (
    <form onSubmit={(e) => void submit(e)} noValidate className="mfa-enrol">
      <p>{t('mfa.scan')}</p>
      <img src={enrolment.qrCode} alt={t('mfa.qrAlt')} width={200} height={200} data-testid="totp-qr" />
      <p className="muted">
        {t('mfa.manual')} <code data-testid="totp-secret">{enrolment.secret}</code>
      </p>
      <label htmlFor={`${ids}-c`}>{t('mfa.confirmStep')}</label>
      <input
        id={`${ids}-c`}
        name="code"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern="[0-9]*"
        maxLength={6}
        required
        value={code}
        onChange={(e) => setCode(e.target.value)}
      />
      <ErrorMessage error={error} />
      <button type="submit" disabled={busy || code.trim().length !== 6}>
        {t('mfa.confirm')}
      </button>
    </form>
  );
}

/** The recovery codes, shown once after set-up. */
export function RecoveryCodes({ codes, onDone }: { codes: readonly string[]; onDone: () => void }) {
  const { t } = useI18n();
  return (
    <section aria-labelledby="recovery-title">
      <h2 id="recovery-title">{t('mfa.recoveryTitle')}</h2>
      <p>{t('mfa.recoveryHelp')}</p>
      <ul className="recovery-codes" data-testid="recovery-codes">
        {codes.map((c) => (
          <li key={c}>
            <code>{c}</code>
          </li>
        ))}
      </ul>
      <button type="button" onClick={onDone}>
        {t('mfa.recoverySaved')}
      </button>
    </section>
  );
}
