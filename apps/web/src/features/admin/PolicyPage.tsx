import { useI18n } from '../../i18n/i18n';
import { usePageTitle } from '../../lib/hooks';

export default function PolicyPage() {
  const { t } = useI18n();
  usePageTitle('nav.policy');
  return (
    <section className="page">
      <h1>{t('nav.policy')}</h1>
    </section>
  );
}
