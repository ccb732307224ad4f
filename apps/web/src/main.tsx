import { appMayLoad, prefetchRoute } from './app/prefetch';
import './styles.css';

// The page's first module is small, and asks for the sign-in (and a case's data and first image, app/prefetch.ts)
// at once; the app itself — React, the router, the screens — is the next module, asked for once those requests have
// had the connections to the server to themselves (appMayLoad). Before, the sign-in waited for all of it to
// download, compile and render first.
void prefetchRoute(window.location.pathname);
// Asking for a frame now starts the page's drawing pipeline while the requests are on their way; otherwise the
// first image's frame also waited for it (0.1-0.4 s on the bench's machine). Marked for the bench's timeline.
requestAnimationFrame(() => performance.mark('zhiyin:first-animation-frame'));
void appMayLoad(window.location.pathname).then(() => import('./app/start'));
