import { useEffect, useId, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate } from 'react-router';
import { useAuth } from '../../lib/auth';
import { LanguageSwitch } from '../../shared/LanguageSwitch';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { usePageTitle } from '../../lib/hooks';
import { useAction } from '../../lib/useAction';

/**
 * The access code the printed patient sheet's QR code carries in the URL fragment (#code=…): a fragment is
 * never sent to the server, so the code reaches no access log.
 */
function codeFromFragment(): string {
  const params = new URLSearchParams(window.location.hash.replace(/^#/, ''));
  return (params.get('code') ?? '')
    .toUpperCase()
    .replace(/[^0-9A-Z-]/g, '')
    .slice(0, 11);
}

// Made for a phone: one column, large targets, the code in capitals without autocorrect, the
// birth date as a native date picker.
export function PatientSignInPage() {
  const { t } = useI18n();
  const { session, signInPatient, endReason } = useAuth();
  const navigate = useNavigate();
  const [code, setCode] = useState(codeFromFragment);
  const [birthDate, setBirthDate] = useState('');
  const { busy, error, run } = useAction();
  const ids = useId();
  usePageTitle('patient.signInTitle');
  // Once read, the code leaves the address bar (and the browser history) before anything else happens.
  useEffect(() => {
    if (window.location.hash)
      window.history.replaceState(window.history.state, '', window.location.pathname + window.location.search);
  }, []);

  if (session?.user.role === 'patient' && !busy) return <Navigate to="/patient" replace />;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      await signInPatient(code.trim(), birthDate);
      void navigate('/patient', { replace: true });
    });
  };

  return (
    <div className="auth-page patient">
      <div className="auth-top">
        <LanguageSwitch />
      </div>
      <main className="auth-card" id="main">
        <div className="brand big">
          <span className="brand-mark" aria-hidden="true">
            知
          </span>
          <span className="brand-name">{t('app.name')}</span>
        </div>
        <h1>{t('patient.signInTitle')}</h1>
        <p>{t('patient.signInIntro')}</p>
        {endReason === 'expired' && (
          <p className="notice" role="status">
            {t('patient.sessionEnded')}
          </p>
        )}
        <form onSubmit={(e) => void submit(e)} noValidate>
          <label htmlFor={`${ids}-c`}>{t('patient.code')}</label>
          <input
            id={`${ids}-c`}
            name="code"
            className="code-input"
            autoComplete="one-time-code"
            autoCapitalize="characters"
            spellCheck={false}
            inputMode="text"
            placeholder="ABCDE-FGHJK"
            aria-describedby={`${ids}-ch`}
            required
            value={code}
            onChange={(e) => setCode(e.target.value.toUpperCase())}
          />
          <p id={`${ids}-ch`} className="hint">
            {t('patient.codeHint')}
          </p>
          <label htmlFor={`${ids}-b`}>{t('patient.birthDate')}</label>
          <input
            id={`${ids}-b`}
            name="birthDate"
            type="date"
            autoComplete="bday"
            required
            value={birthDate}
            onChange={(e) => setBirthDate(e.target.value)}
          />
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy || !code || !birthDate}>
            {busy ? t('auth.signingIn') : t('patient.open')}
          </button>
        </form>
        <p className="auth-alt">
          <Link to="/sign-in">{t('patient.staffLink')}</Link>
        </p>
      </main>
    </div>
  );
}
