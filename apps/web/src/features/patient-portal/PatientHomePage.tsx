import { useAuth } from '../../app/auth';
import { useI18n } from '../../i18n/i18n';
import { usePageTitle } from '../../lib/hooks';

// The patient's own page. The decision (where to be treated, what happens next, appointment) comes
// with the referral and treatment-plan APIs; until then it says so plainly.
export default function PatientHomePage() {
  const { t, name } = useI18n();
  const { session } = useAuth();
  usePageTitle('patient.homeTitle');
  const user = session?.user;
  return (
    <section className="page narrow patient-home">
      <h1>{t('patient.hello', { name: user ? name(user.displayNameZh, user.displayNameEn) : '' })}</h1>
      <div className="card">
        <h2>{t('patient.decisionTitle')}</h2>
        <p>{t('patient.noDecision')}</p>
      </div>
      <p className="muted">{t('patient.sessionNote')}</p>
    </section>
  );
}
