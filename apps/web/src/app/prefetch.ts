import type { Role } from '../lib/session';
import { session } from '../lib/session';
import { prefetchSeriesOfStudies } from '../shared/dicomweb/qido';
import { prefetchReferral } from '../shared/referrals/api';
import { opensInImageViewer, preloadSeries } from '../shared/series-viewer/preloadSeries';
import { showBootImage } from '../shared/viewer/bootImage';
import { caseFirstImage, firstImageOf } from '../shared/viewer/firstImage';

// What a page opened at a case's address (a new tab, a reload, a notification's link) will ask for, asked for by the
// page's first module: the sign-in from the refresh cookie at once, then the referral and, on the reading room, the
// case's first image (one request: the server finds and renders it), then its studies' series — while the app's own
// code still downloads, compiles and renders. The screens then take these answers instead of asking again (one request each,
// as before: the referral read and the image rendering are audited). Nothing is asked for that the screen would
// not ask for itself: only for the role the route admits.

const STAFF: readonly Role[] = ['community_doctor', 'specialist', 'coordinator'];

/** The screens whose data is asked for ahead: a referral's id, and who may open it. */
const ROUTES: { path: RegExp; roles: readonly Role[]; studies: boolean }[] = [
  // the reading room (routes.tsx: reading/:id, specialists), which opens the first series' viewer at once
  { path: /^\/reading\/([^/]+)\/?$/, roles: ['specialist'], studies: true },
  // a referral's page (referrals/:id, staff)
  { path: /^\/referrals\/([^/]+)\/?$/, roles: STAFF, studies: false },
];

const routeOf = (pathname: string) => ROUTES.find((r) => r.path.test(pathname));

// How long the app's code waits for the sign-in request to be sent (another tab may hold the lock of renewals).
const SIGN_IN_FIRST_MS = 300;
// How long a case opened cold holds the app's code back for its first image (a slow answer must not leave the
// radiologist without the workspace).
const FIRST_IMAGE_FIRST_MS = 1200;

/**
 * Resolves once the sign-in request is on its way (or after a moment): the page's other code is asked for after it.
 * Chromium grants the tabs' lock of renewals late (up to a second) while it is busy with dozens of module requests;
 * asked for first, the lock comes at once and the sign-in is answered before the app has even loaded.
 */
export function afterSignInAsked(): Promise<void> {
  return Promise.race([
    session.firstRefreshSent(),
    new Promise<void>((resolve) => setTimeout(resolve, SIGN_IN_FIRST_MS)),
  ]);
}

let firstImageSettled: (() => void) | undefined;
const firstImageDone = new Promise<void>((resolve) => (firstImageSettled = resolve));

/**
 * When the app's own code may be asked for. On a case opened cold, after its first image is on screen (or the case
 * turned out to have none, or a moment at most): the browser sends at most six requests at once to a server, and
 * the app's few dozen modules — the image viewer's among them, the largest — would otherwise hold the referral, the
 * series and the image back behind them (measured: 0.3 s of waiting for a connection on each). Elsewhere, once the
 * sign-in is asked for.
 */
export function appMayLoad(pathname: string): Promise<void> {
  const route = routeOf(pathname);
  if (!route?.studies) return afterSignInAsked();
  return Promise.race([firstImageDone, new Promise<void>((resolve) => setTimeout(resolve, FIRST_IMAGE_FIRST_MS))]);
}

/** The reading page's code, for the route (routes.tsx) and for loading it ahead. */
export const loadReadingPage = () => import('../features/reading/ReadingPage');

/**
 * Starts the sign-in and the data of the page at `pathname`. Resolves when what it asked for has come, and a case's
 * first image is on screen (for tests; the page does not wait for it).
 */
export async function prefetchRoute(pathname: string): Promise<void> {
  const signIn = session.start();
  const route = routeOf(pathname);
  if (!route) return;
  // the reading page's code loads with the app's (appMayLoad), not after the whole app has rendered
  if (route.studies) void appMayLoad(pathname).then(() => loadReadingPage().catch(() => undefined));
  try {
    await prefetchCase(route, decodeURIComponent(route.path.exec(pathname)![1]!), signIn);
  } finally {
    firstImageSettled?.();
  }
}

/** The case's data, and on the reading room its first image, put on screen as soon as it comes (bootImage.ts). */
async function prefetchCase(route: (typeof ROUTES)[number], id: string, signIn: Promise<unknown>): Promise<void> {
  await signIn.catch(() => undefined);
  const role = session.get()?.user.role;
  if (!role || !route.roles.includes(role)) return;
  const referral = prefetchReferral(id);
  if (!route.studies) return;
  // The case's first image in one request beside the referral's, on screen as soon as it comes; the app's code is
  // asked for once it is.
  const boot = caseFirstImage(id)
    .catch(() => undefined)
    .then(async (image) => {
      if (image) {
        await showBootImage(image);
        firstImageSettled?.();
      }
      return image;
    });
  try {
    const studies = (await referral).studies.map((s) => s.studyInstanceUid);
    if (studies.length === 0) return;
    const list = await prefetchSeriesOfStudies(studies);
    const first = list[0];
    if (!first) return;
    // The first image alone, on screen as soon as it comes; then what the viewer needs (the whole metadata, its
    // code), which would otherwise compete with the image's decoding and drawing. Asked for here only when the
    // case's own answer did not show this series' image (an older server, a failed request).
    if (opensInImageViewer(first)) {
      const shown = await boot;
      if (shown?.studyUid !== first.studyUid || shown.seriesUid !== first.seriesUid) {
        const image = await firstImageOf(first.studyUid, first.seriesUid);
        if (image) await showBootImage(image);
      }
    }
    preloadSeries(first.studyUid, first);
  } catch {
    // the screen asks again, and says what is wrong
  }
}
