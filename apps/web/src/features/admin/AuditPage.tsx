import { useI18n } from '../../i18n/i18n';
import { usePageTitle } from '../../lib/hooks';

export default function AuditPage() {
  const { t } = useI18n();
  usePageTitle('nav.audit');
  return (
    <section className="page">
      <h1>{t('nav.audit')}</h1>
    </section>
  );
}
