import { useId, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { homeOf, useAuth } from '../../app/auth';
import { LanguageSwitch } from '../../app/LanguageSwitch';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { usePageTitle } from '../../lib/hooks';

/** Only paths inside the app, never another site. */
export function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

export function SignInPage() {
  const { t } = useI18n();
  const { session, signIn, endReason } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  const ids = useId();
  usePageTitle('auth.signInTitle');

  if (session && session.user.role !== 'patient' && !busy) {
    return <Navigate to={safeNext(params.get('next')) ?? homeOf(session.user.role)} replace />;
  }

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const s = await signIn(username.trim(), password);
      const next = safeNext(params.get('next'));
      void navigate(next && !next.startsWith('/patient') ? next : homeOf(s.user.role), { replace: true });
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };

  return (
    <div className="auth-page">
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
        <p className="muted">{t('app.tagline')}</p>
        <h1>{t('auth.signInTitle')}</h1>
        {endReason === 'expired' && (
          <p className="notice" role="status">
            {t('auth.sessionEnded')}
          </p>
        )}
        <form onSubmit={(e) => void submit(e)} noValidate>
          <label htmlFor={`${ids}-u`}>{t('auth.username')}</label>
          <input
            id={`${ids}-u`}
            name="username"
            autoComplete="username"
            autoCapitalize="none"
            spellCheck={false}
            required
            value={username}
            onChange={(e) => setUsername(e.target.value)}
          />
          <label htmlFor={`${ids}-p`}>{t('auth.password')}</label>
          <input
            id={`${ids}-p`}
            name="password"
            type="password"
            autoComplete="current-password"
            required
            value={password}
            onChange={(e) => setPassword(e.target.value)}
          />
          <ErrorMessage error={error} />
          <button type="submit" disabled={busy || !username || !password}>
            {busy ? t('auth.signingIn') : t('auth.signIn')}
          </button>
        </form>
        <p className="auth-alt">
          {t('auth.areYouPatient')} <Link to="/patient/sign-in">{t('auth.patientSignInLink')}</Link>
        </p>
      </main>
    </div>
  );
}
