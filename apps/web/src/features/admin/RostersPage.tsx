import { useI18n } from '../../i18n/i18n';
import { usePageTitle } from '../../lib/hooks';

export default function RostersPage() {
  const { t } = useI18n();
  usePageTitle('nav.rosters');
  return (
    <section className="page">
      <h1>{t('nav.rosters')}</h1>
    </section>
  );
}
