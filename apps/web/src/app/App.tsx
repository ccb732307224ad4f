import { useEffect, useState } from 'react';
import { RouterProvider } from 'react-router';
import { I18nProvider, useI18n } from '../i18n/i18n';
import { connectivity } from '../lib/connectivity';
import { AuthProvider, useAuth } from '../lib/auth';
import { FEATURE_MESSAGES } from './messages';
import { ServerUnreachable } from './pages';
import { router } from './routes';

function ConnectivityGate() {
  const [up, setUp] = useState(connectivity.isUp());
  useEffect(() => connectivity.subscribe(setUp), []);
  return up ? null : <ServerUnreachable />;
}

// The screens wait for the browser's sign-in (the refresh cookie) to be picked up, so a reload or a new
// tab does not flash the sign-in page or lose a deep link.
function Screens() {
  const { ready } = useAuth();
  const { t } = useI18n();
  if (!ready) {
    return (
      <p className="loading" role="status">
        {t('common.loading')}
      </p>
    );
  }
  return <RouterProvider router={router} />;
}

export function App() {
  return (
    <I18nProvider features={FEATURE_MESSAGES}>
      <AuthProvider>
        <Screens />
        <ConnectivityGate />
      </AuthProvider>
    </I18nProvider>
  );
}
