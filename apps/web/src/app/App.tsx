import { useEffect, useState } from 'react';
import { RouterProvider } from 'react-router';
import { I18nProvider } from '../i18n/i18n';
import { connectivity } from '../lib/connectivity';
import { AuthProvider } from './auth';
import { ServerUnreachable } from './pages';
import { router } from './routes';

function ConnectivityGate() {
  const [up, setUp] = useState(connectivity.isUp());
  useEffect(() => connectivity.subscribe(setUp), []);
  return up ? null : <ServerUnreachable />;
}

export function App() {
  return (
    <I18nProvider>
      <AuthProvider>
        <RouterProvider router={router} />
        <ConnectivityGate />
      </AuthProvider>
    </I18nProvider>
  );
}
