import { refersUp } from '@zhiyin/workflow';
import type { ReferralDetailView } from '@zhiyin/contracts';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { useAction } from '../../lib/useAction';
import { openReferralForm } from './api';

/** The two-way referral form, once the patient is sent up to the hub, and for every referral back down. */
export function ReferralFormButton({ r }: { r: ReferralDetailView }) {
  const { t } = useI18n();
  const { error, run } = useAction();
  const applies =
    r.direction === 'down' ||
    (r.plan !== null && refersUp(r.plan.disposition)) ||
    (r.report !== null && refersUp(r.report.disposition));
  if (!applies) return null;
  const open = () =>
    run(async () => {
      // Opened synchronously (run calls this at once) so the browser does not block it as a pop-up;
      // filled when the PDF arrives.
      const win = window.open('', '_blank');
      try {
        const url = await openReferralForm(r.id);
        if (win) win.location.href = url;
        else window.location.href = url;
      } catch (err) {
        win?.close();
        throw err;
      }
    });
  return (
    <>
      <button type="button" className="secondary" onClick={() => void open()} data-testid="referral-form">
        {t(r.direction === 'down' ? 'referrals.form.down' : 'referrals.form.up')}
      </button>
      <ErrorMessage error={error} />
    </>
  );
}
