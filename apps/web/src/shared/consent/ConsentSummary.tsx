import type { ConsentView } from '@zhiyin/contracts';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { openConsentForm } from './api';
import { useAction } from '../../lib/useAction';

const TYPE_NAMES: Record<string, string> = { 'image/jpeg': 'JPEG', 'image/png': 'PNG', 'application/pdf': 'PDF' };

/**
 * Whether the patient consented to remote diagnosis and how: what the reader checks beside the case, and what the
 * referring doctor sees once it is recorded. A signed form opens in a new tab.
 */
export function ConsentSummary({ referralId, consent }: { referralId: string; consent: ConsentView | null }) {
  const { t, name, dateTime, number } = useI18n();
  const { error, run } = useAction();
  if (!consent)
    return (
      <p className="warning" data-testid="consent-summary" data-consent="none">
        {t('referrals.consent.none')}
      </p>
    );
  const open = () =>
    run(async () => {
      // Opened synchronously (run calls this at once) so the browser does not block it as a pop-up;
      // filled when the file arrives.
      const win = window.open('', '_blank');
      try {
        const url = await openConsentForm(referralId);
        if (win) win.location.href = url;
        else window.location.href = url;
      } catch (err) {
        win?.close();
        throw err;
      }
    });
  return (
    <div data-testid="consent-summary" data-consent={consent.kind}>
      <p>
        <span className="tag">
          {consent.kind === 'form' ? t('referrals.consent.kindForm') : t('referrals.consent.kindVerbal')}
        </span>{' '}
        {consent.kind === 'form' && consent.form
          ? t('referrals.consent.formSummary', {
              type: TYPE_NAMES[consent.form.mediaType] ?? consent.form.mediaType,
              size: `${number(consent.form.sizeBytes / 1024, { maximumFractionDigits: 0 })} KB`,
            })
          : t('referrals.consent.verbalSummary', {
              witness: consent.witnessName ?? '—',
              at: consent.consentedAt ? dateTime(consent.consentedAt) : '—',
            })}
        {consent.kind === 'form' && (
          <>
            {' '}
            <button type="button" className="secondary" onClick={() => void open()} data-testid="consent-open-form">
              {t('referrals.consent.openForm')}
            </button>
          </>
        )}
      </p>
      <p className="muted small">
        {t('referrals.consent.recordedBy', {
          name: name(consent.recordedBy.nameZh ?? '', consent.recordedBy.nameEn ?? ''),
          at: dateTime(consent.recordedAt),
        })}
      </p>
      <ErrorMessage error={error} />
    </div>
  );
}
