import type { ReferralDetailView } from '@zhiyin/contracts';
import { CONSENT_FORM_MEDIA_TYPES } from '@zhiyin/contracts';
import { useId, useState } from 'react';
import { useAuth } from '../../lib/auth';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';

import { recordVerbalConsent, uploadConsentForm } from './api';
import { ConsentSummary } from '../../shared/consent/ConsentSummary';
import type { LiveReferral } from '../../shared/referrals/useLiveReferral';
import { useAction } from '../../lib/useAction';

/** "2026-12-06T09:30": the current local time as a datetime-local input holds it. */
function localNow(): string {
  const d = new Date();
  d.setSeconds(0, 0);
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

/**
 * The consent step of a referral, before it can be submitted: the referring doctor uploads the signed form
 * (photographed or scanned) or records verbal consent with its witness and time. Once recorded, everyone who
 * reads the referral sees that it exists.
 */
export function ConsentPanel({ r, referral }: { r: ReferralDetailView; referral: LiveReferral }) {
  const { t } = useI18n();
  const { session } = useAuth();
  const ids = useId();
  const editable = r.state === 'draft' && r.direction === 'up' && session?.user.role === 'community_doctor';
  const [mode, setMode] = useState<'form' | 'verbal'>();
  const [witness, setWitness] = useState('');
  const [at, setAt] = useState(localNow);
  const { busy, error, run } = useAction();
  const [fieldError, setFieldError] = useState('');
  const [saved, setSaved] = useState(false);
  // Back-down referrals carry no consent step; nothing to show there.
  if (r.direction !== 'up') return null;

  const save = (send: () => Promise<unknown>) => {
    setSaved(false);
    return run(async () => {
      await referral.step(['update_draft'], send);
      setSaved(true);
      setMode(undefined);
    });
  };
  const saveVerbal = () => {
    if (!witness.trim()) {
      setFieldError(t('referrals.consent.needWitness'));
      return;
    }
    setFieldError('');
    void save(() =>
      recordVerbalConsent(r.id, { witnessName: witness.trim(), consentedAt: new Date(at).toISOString() }),
    );
  };

  return (
    <section className="card" aria-labelledby={`${ids}-h`} data-testid="consent-panel">
      <h2 id={`${ids}-h`}>{t('referrals.consent.title')}</h2>
      {editable && !r.consent && <p className="warning">{t('referrals.consent.missing')}</p>}
      {editable && <p className="muted small">{t('referrals.consent.why')}</p>}
      {r.consent && <ConsentSummary referralId={r.id} consent={r.consent} />}
      {!r.consent && !editable && <ConsentSummary referralId={r.id} consent={null} />}
      {saved && (
        <p role="status" className="ok">
          {t('referrals.consent.saved')}
        </p>
      )}
      {editable && (
        <div className="actions" role="group" aria-label={t('referrals.consent.title')}>
          <button
            type="button"
            className={r.consent ? 'secondary' : ''}
            aria-expanded={mode === 'form'}
            onClick={() => setMode(mode === 'form' ? undefined : 'form')}
            data-testid="consent-choose-form"
          >
            {t('referrals.consent.upload')}
          </button>
          <button
            type="button"
            className="secondary"
            aria-expanded={mode === 'verbal'}
            onClick={() => setMode(mode === 'verbal' ? undefined : 'verbal')}
            data-testid="consent-choose-verbal"
          >
            {r.consent ? `${t('referrals.consent.replace')} · ` : ''}
            {t('referrals.consent.verbal')}
          </button>
        </div>
      )}
      {editable && mode === 'form' && (
        <div className="field">
          <label htmlFor={`${ids}-file`}>{t('referrals.consent.upload')}</label>
          <input
            id={`${ids}-file`}
            type="file"
            accept={CONSENT_FORM_MEDIA_TYPES.join(',')}
            // A phone opens its camera for a photo of the signed page.
            capture="environment"
            disabled={busy}
            aria-describedby={`${ids}-file-hint`}
            onChange={(e) => {
              const file = e.target.files?.[0];
              if (file) void save(() => uploadConsentForm(r.id, file));
            }}
            data-testid="consent-file"
          />
          <p className="muted small" id={`${ids}-file-hint`}>
            {t('referrals.consent.uploadHint')}
          </p>
        </div>
      )}
      {editable && mode === 'verbal' && (
        <form
          className="ref-action-form"
          onSubmit={(e) => {
            e.preventDefault();
            saveVerbal();
          }}
        >
          <div className={`field${fieldError ? ' invalid' : ''}`}>
            <label htmlFor={`${ids}-witness`}>{t('referrals.consent.witness')}</label>
            <input
              id={`${ids}-witness`}
              value={witness}
              maxLength={100}
              autoComplete="off"
              aria-invalid={fieldError ? true : undefined}
              aria-describedby={fieldError ? `${ids}-witness-err` : undefined}
              onChange={(e) => setWitness(e.target.value)}
              data-testid="consent-witness"
            />
            {fieldError && (
              <p className="field-error" id={`${ids}-witness-err`}>
                {fieldError}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={`${ids}-at`}>{t('referrals.consent.at')}</label>
            <input
              id={`${ids}-at`}
              type="datetime-local"
              value={at}
              max={localNow()}
              required
              onChange={(e) => setAt(e.target.value)}
              data-testid="consent-at"
            />
          </div>
          <button type="submit" disabled={busy} data-testid="consent-save-verbal">
            {t('referrals.consent.saveVerbal')}
          </button>
        </form>
      )}
      <ErrorMessage error={error} />
    </section>
  );
}
