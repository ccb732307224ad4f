import { useEffect, useState } from 'react';
import { useRouteError } from 'react-router';
import { useI18n } from '../i18n/i18n';
import { connectivity } from '../lib/connectivity';
import { inertSiblings, returnFocusOnClose } from '../lib/focus';

export function RouteErrorPage() {
  const { t } = useI18n();
  const error = useRouteError();
  // A new release replaced the chunk this page asked for: a reload fetches the current one.
  const stale = error instanceof TypeError && /dynamically imported module|import/i.test(error.message);
  return (
    <section className="page narrow" role="alert">
      <h1>{t('error.unexpectedTitle')}</h1>
      <p>{stale ? t('error.staleVersion') : t('error.unexpectedText')}</p>
      <button type="button" onClick={() => window.location.reload()}>
        {t('common.reload')}
      </button>
    </section>
  );
}

/**
 * The ref of the modal notice (stable, so it runs once): the app underneath takes no focus while it is
 * shown, the focus goes to its title, and back to where it was once the notice is gone.
 */
function modalNotice(el: HTMLDivElement | null) {
  const restore = returnFocusOnClose(el);
  const release = inertSiblings(el);
  el?.querySelector<HTMLElement>('#unreachable-title')?.focus();
  return () => {
    release?.();
    restore?.();
  };
}

/** Shown over the app while the server cannot be reached; the app stays mounted underneath. */
export function ServerUnreachable() {
  const { t } = useI18n();
  const [checking, setChecking] = useState(false);
  useEffect(() => {
    document.title = `${t('unreachable.title')} · ${t('app.name')}`;
  }, [t]);
  return (
    <div
      ref={modalNotice}
      className="unreachable"
      role="alertdialog"
      aria-modal="true"
      aria-labelledby="unreachable-title"
    >
      <div className="unreachable-card">
        <svg viewBox="0 0 48 48" width="56" height="56" aria-hidden="true">
          <circle cx="24" cy="24" r="22" fill="#fdecea" />
          <path
            d="M14 20a15 15 0 0 1 20 0M18 25a9 9 0 0 1 12 0M24 31v.5M13 13l22 22"
            stroke="#b3261e"
            strokeWidth="3"
            strokeLinecap="round"
            fill="none"
          />
        </svg>
        <h1 id="unreachable-title" tabIndex={-1}>
          {t('unreachable.title')}
        </h1>
        <p>{t('unreachable.text')}</p>
        <ul>
          <li>{t('unreachable.hintNetwork')}</li>
          <li>{t('unreachable.hintUploads')}</li>
          <li>{t('unreachable.hintAdmin')}</li>
        </ul>
        <p className="muted" role="status">
          {checking ? t('unreachable.checking') : t('unreachable.autoRetry')}
        </p>
        <button
          type="button"
          onClick={() => {
            setChecking(true);
            void connectivity.check().finally(() => setChecking(false));
          }}
        >
          {t('unreachable.retry')}
        </button>
      </div>
    </div>
  );
}
