import { useCallback, useEffect, useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { usePageTitle } from '../../lib/hooks';
import {
  confirmEnrolment,
  disableSecondFactor,
  renewRecoveryCodes,
  secondFactorStatus,
  startEnrolment,
  type SecondFactorStatus,
} from './api';
import { RecoveryCodes, TotpEnrolmentForm } from './TotpEnrolmentForm';
import { useAction } from '../../lib/useAction';

/** A member of staff turns two-step verification on (QR code, confirm a code, recovery codes) or off. */
export default function SecondFactorPage() {
  const { t } = useI18n();
  usePageTitle('mfa.title');
  const ids = useId();
  const [status, setStatus] = useState<SecondFactorStatus>();
  const [enrolling, setEnrolling] = useState(false);
  const [recoveryCodes, setRecoveryCodes] = useState<readonly string[]>();
  const [code, setCode] = useState('');
  const { error, run, fail } = useAction();
  const [notice, setNotice] = useState<string>();

  const load = useCallback(() => {
    secondFactorStatus().then(setStatus, fail);
  }, [fail]);
  useEffect(load, [load]);

  const act = (e: FormEvent, action: 'disable' | 'renew') => {
    e.preventDefault();
    return run(async () => {
      if (action === 'disable') {
        await disableSecondFactor(code.trim());
        setNotice(t('mfa.disabled'));
      } else {
        setRecoveryCodes((await renewRecoveryCodes(code.trim())).recoveryCodes);
      }
      setCode('');
      load();
    });
  };

  return (
    <section className="page narrow">
      <h1>{t('mfa.title')}</h1>
      {notice && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {recoveryCodes ? (
        <RecoveryCodes
          codes={recoveryCodes}
          onDone={() => {
            setRecoveryCodes(undefined);
            load();
          }}
        />
      ) : enrolling ? (
        <TotpEnrolmentForm
          start={startEnrolment}
          confirm={async (c) => {
            const done = await confirmEnrolment(c);
            setEnrolling(false);
            setNotice(t('mfa.enabled'));
            setRecoveryCodes(done.recoveryCodes);
          }}
        />
      ) : status && !status.enabled ? (
        <>
          <p>{t('mfa.notEnabled')}</p>
          <button
            type="button"
            onClick={() => {
              setNotice(undefined);
              setEnrolling(true);
            }}
          >
            {t('mfa.start')}
          </button>
        </>
      ) : status ? (
        <>
          <p data-testid="mfa-status">{t('mfa.enabled')}</p>
          <p className="muted">{t('mfa.codesLeft', { count: status.recoveryCodesLeft })}</p>
          {status.required && <p className="notice">{t('mfa.requiredForRole')}</p>}
          <form noValidate onSubmit={(e) => void act(e, status.required ? 'renew' : 'disable')}>
            <h2 id={`${ids}-h`}>{status.required ? t('mfa.renew') : t('mfa.disableTitle')}</h2>
            <p className="muted">{status.required ? t('mfa.renewHelp') : t('mfa.disableHelp')}</p>
            <label htmlFor={`${ids}-c`}>{t('mfa.code')}</label>
            <input
              id={`${ids}-c`}
              name="code"
              autoComplete="one-time-code"
              maxLength={16}
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
            <button type="submit" disabled={code.trim().length < 6}>
              {status.required ? t('mfa.renew') : t('mfa.disable')}
            </button>
          </form>
        </>
      ) : null}
      <ErrorMessage error={error} />
    </section>
  );
}
