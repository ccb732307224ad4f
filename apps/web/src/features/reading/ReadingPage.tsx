import { useI18n } from '../../i18n/i18n';
import { usePageTitle } from '../../lib/hooks';

export default function ReadingPage() {
  const { t } = useI18n();
  usePageTitle('nav.worklist');
  return (
    <section className="page">
      <h1>{t('nav.worklist')}</h1>
    </section>
  );
}
