import { useI18n } from '../../i18n/i18n';
import { usePageTitle } from '../../lib/hooks';

export default function UsersPage() {
  const { t } = useI18n();
  usePageTitle('nav.users');
  return (
    <section className="page">
      <h1>{t('nav.users')}</h1>
    </section>
  );
}
