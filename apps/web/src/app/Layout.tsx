import { useEffect, useRef } from 'react';
import { NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { useI18n } from '../i18n/i18n';
import { useAuth } from '../lib/auth';
import { LanguageSwitch } from '../shared/LanguageSwitch';
import { NAV } from './nav';
import { CriticalBanner } from '../features/critical/CriticalBanner';

export function Layout() {
  const { session, signOut } = useAuth();
  const { t, name } = useI18n();
  const navigate = useNavigate();
  const location = useLocation();
  const main = useRef<HTMLElement>(null);

  // After a client-side navigation, move focus to the page so screen readers announce it.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    main.current?.focus();
  }, [location.pathname]);

  const user = session?.user;
  const items = user ? NAV[user.role] : [];
  return (
    <div className="shell">
      <a className="skip-link" href="#main">
        {t('common.skipToContent')}
      </a>
      <header className="topbar">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true">
            知
          </span>
          <span className="brand-name">{t('app.name')}</span>
        </div>
        {items.length > 0 && (
          <nav aria-label={t('nav.label')} className="mainnav">
            <ul>
              {items.map((item) => (
                <li key={item.to}>
                  <NavLink to={item.to}>{t(item.label)}</NavLink>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <div className="topbar-end">
          <LanguageSwitch />
          {user && (
            <>
              <span className="who" data-testid="current-user">
                {name(user.displayNameZh, user.displayNameEn)}
                <span className="role"> · {t(`role.${user.role}`)}</span>
              </span>
              {user.role !== 'patient' && (
                <NavLink to="/account/two-step" className="secondary-link">
                  {t('mfa.link')}
                </NavLink>
              )}
              <button
                type="button"
                className="secondary"
                onClick={() => {
                  const patient = user.role === 'patient';
                  void signOut().then(() => navigate(patient ? '/patient/sign-in' : '/sign-in'));
                }}
              >
                {t('auth.signOut')}
              </button>
            </>
          )}
        </div>
      </header>
      <main id="main" ref={main} tabIndex={-1}>
        {/* On every page of a referring doctor or a coordinator: a critical result cannot wait for them to look. */}
        {(user?.role === 'community_doctor' || user?.role === 'coordinator') && <CriticalBanner />}
        <Outlet />
      </main>
    </div>
  );
}
