import { Link } from 'react-router';
import { useI18n } from '../i18n/i18n';

/** The page for an address that names nothing (or nothing the caller may see): the router's and a feature's own. */
export function NotFoundPage() {
  const { t } = useI18n();
  return (
    <section className="page narrow">
      <h1>{t('error.notFoundTitle')}</h1>
      <p>{t('error.notFoundText')}</p>
      <Link to="/">{t('common.backHome')}</Link>
    </section>
  );
}
