import { useI18n } from '../../i18n/i18n';
import { usePageTitle } from '../../lib/hooks';

export default function FiguresPage() {
  const { t } = useI18n();
  usePageTitle('nav.figures');
  return (
    <section className="page">
      <h1>{t('nav.figures')}</h1>
    </section>
  );
}
