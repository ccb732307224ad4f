import { useI18n } from '../../i18n/i18n';
import { usePageTitle } from '../../lib/hooks';

export default function ReferralsPage() {
  const { t } = useI18n();
  usePageTitle('nav.referrals');
  return (
    <section className="page">
      <h1>{t('nav.referrals')}</h1>
    </section>
  );
}
