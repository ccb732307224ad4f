import { useI18n } from '../../i18n/i18n';
import { usePageTitle } from '../../lib/hooks';

export default function BoardPage() {
  const { t } = useI18n();
  usePageTitle('nav.board');
  return (
    <section className="page">
      <h1>{t('nav.board')}</h1>
    </section>
  );
}
