import { afterSignInAsked, prefetchRoute } from './app/prefetch';
import './styles.css';

// The page's first module is small, and asks for the sign-in (and a case's data, app/prefetch.ts) at once; the app
// itself — React, the router, the screens — is the next module, asked for once the sign-in is on its way. Before,
// the sign-in waited for all of it to download, compile and render first.
void prefetchRoute(window.location.pathname);
void afterSignInAsked().then(() => import('./app/start'));
