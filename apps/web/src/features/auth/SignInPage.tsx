import { useId, useState, type FormEvent } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { homeOf, useAuth } from '../../lib/auth';
import { LanguageSwitch } from '../../shared/LanguageSwitch';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { usePageTitle } from '../../lib/hooks';
import type { SessionView } from '@zhiyin/contracts';
import type { Session } from '../../lib/session';
import {
  confirmChallengeEnrolment,
  startChallengeEnrolment,
  verifySecondFactor,
  type SecondFactorChallenge,
} from './api';
import { RecoveryCodes, TotpEnrolmentForm } from './TotpEnrolmentForm';
import { useAction } from '../../lib/useAction';

/** Only paths inside the app, never another site. */
export function safeNext(next: string | null): string | null {
  return next && next.startsWith('/') && !next.startsWith('//') ? next : null;
}

export function SignInPage() {
  const { t } = useI18n();
  const { session, signIn, completeSignIn, endReason } = useAuth();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const { busy, error, run, reset } = useAction();
  // After a right password: the second step the server asked for, and (after setting one up) the
  // session held back until the recovery codes have been seen.
  const [challenge, setChallenge] = useState<SecondFactorChallenge>();
  const [code, setCode] = useState('');
  const [enrolled, setEnrolled] = useState<{ tokens: SessionView; recoveryCodes: readonly string[] }>();
  const ids = useId();
  usePageTitle('auth.signInTitle');

  // Where a signed-in person goes: the page asked for (never a patient's), else their home. The same
  // whether this page sends them on or they arrive already signed in.
  const destination = (s: Session) => {
    const next = safeNext(params.get('next'));
    return next && !next.startsWith('/patient') ? next : homeOf(s.user.role);
  };

  if (session && session.user.role !== 'patient' && !busy) {
    return <Navigate to={destination(session)} replace />;
  }

  const submit = (e: FormEvent) => {
    e.preventDefault();
    return run(async () => {
      const answer = await signIn(username.trim(), password);
      if ('secondFactor' in answer) {
        setPassword('');
        setChallenge(answer);
        return;
      }
      proceed(answer);
    });
  };

  const proceed = (s: Session) => void navigate(destination(s), { replace: true });

  const submitCode = (e: FormEvent) => {
    e.preventDefault();
    if (!challenge) return;
    return run(async () => {
      try {
        proceed(completeSignIn(await verifySecondFactor(challenge.challengeToken, code.trim())));
      } catch (err) {
        setCode('');
        throw err;
      }
    });
  };

  const restart = () => {
    setChallenge(undefined);
    setEnrolled(undefined);
    setCode('');
    reset();
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
        {challenge?.secondFactor === 'verify' ? (
          <form onSubmit={(e) => void submitCode(e)} noValidate aria-labelledby={`${ids}-mfa`}>
            <h2 id={`${ids}-mfa`}>{t('mfa.codeTitle')}</h2>
            <p className="muted">{t('mfa.codeHelp')}</p>
            <label htmlFor={`${ids}-c`}>{t('mfa.code')}</label>
            <input
              id={`${ids}-c`}
              name="code"
              autoComplete="one-time-code"
              autoCapitalize="characters"
              spellCheck={false}
              required
              autoFocus
              maxLength={16}
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
            <p className="muted">{t('mfa.recoveryHint')}</p>
            <ErrorMessage error={error} />
            <button type="submit" disabled={busy || code.trim().length < 6}>
              {busy ? t('mfa.verifying') : t('mfa.verify')}
            </button>
            <button type="button" className="secondary" onClick={restart}>
              {t('mfa.back')}
            </button>
          </form>
        ) : challenge?.secondFactor === 'enroll' ? (
          enrolled ? (
            <RecoveryCodes codes={enrolled.recoveryCodes} onDone={() => proceed(completeSignIn(enrolled.tokens))} />
          ) : (
            <section aria-labelledby={`${ids}-enrol`}>
              <h2 id={`${ids}-enrol`}>{t('mfa.title')}</h2>
              <p className="notice">{t('mfa.enrollRequired')}</p>
              <TotpEnrolmentForm
                start={() => startChallengeEnrolment(challenge.challengeToken)}
                confirm={async (c) => {
                  const { recoveryCodes, ...tokens } = await confirmChallengeEnrolment(challenge.challengeToken, c);
                  setEnrolled({ tokens, recoveryCodes });
                }}
              />
              <button type="button" className="secondary" onClick={restart}>
                {t('mfa.back')}
              </button>
            </section>
          )
        ) : (
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
        )}
        <p className="auth-alt">
          {t('auth.areYouPatient')} <Link to="/patient/sign-in">{t('auth.patientSignInLink')}</Link>
        </p>
      </main>
    </div>
  );
}
