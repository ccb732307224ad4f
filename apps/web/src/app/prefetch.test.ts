import { jest } from '@jest/globals';

// The page's first module asks for a case's data ahead of the app (prefetch.ts); the screens then take those answers.
// Run in Node against a fake API: which requests are sent, how many times, and in which order.

// The viewer's chunk URL is a build-time module; the reading page is the app's, not this test's.
const viewerPreloads: string[] = [];
jest.unstable_mockModule('../shared/viewer/preload', () => ({
  imageViewerLoaded: () => false,
  preloadImageViewer: () => viewerPreloads.push('viewer'),
  loadClinicalViewer: () => Promise.reject(new Error('not in this test')),
}));
jest.unstable_mockModule('../features/reading/ReadingPage', () => ({ default: () => null }));

const { prefetchRoute } = await import('./prefetch');
const { session } = await import('../lib/session');
const { takePrefetchedReferral } = await import('../shared/referrals/api');
const { listSeries } = await import('../shared/dicomweb/qido');
const { firstImageOf } = await import('../shared/viewer/firstImage');

let STUDY = '';
let SERIES = '';
let CASE = '';
let n = 0;
const json = (body: unknown) =>
  new Response(JSON.stringify(body), { status: 200, headers: { 'content-type': 'application/json' } });
const instance = (sop: string, z: number) => ({
  '00080018': { vr: 'UI', Value: [sop] },
  '00200013': { vr: 'IS', Value: [1] },
  '00280010': { vr: 'US', Value: [512] },
  '00200032': { vr: 'DS', Value: [0, 0, z] },
  '00200037': { vr: 'DS', Value: [1, 0, 0, 0, 1, 0] },
});

/** A fake API; `/metadata` answers only when the test says so. */
function fakeApi(role = 'specialist', caseImage = false) {
  // each test its own case: what an earlier test asked for ahead is not this test's
  n++;
  CASE = `r${n}`;
  STUDY = `1.2.${n}`;
  SERIES = `1.2.${n}.1`;
  const asked: string[] = [];
  let releaseMetadata!: () => void;
  const metadata = new Promise<void>((resolve) => (releaseMetadata = resolve));
  // the app calls fetch with a path (a string)
  const fetchMock = jest.fn(async (input: string, init?: RequestInit): Promise<Response> => {
    const url = input;
    const path = url.split('?')[0]!;
    asked.push(`${init?.method ?? 'GET'} ${path}`);
    if (path === '/api/auth/refresh')
      return json({ accessToken: 'token', expiresIn: 900, user: { id: 'u1', role, specialty: 'radiology' } });
    if (path === `/api/referrals/${CASE}`) return json({ id: CASE, studies: [{ studyInstanceUid: STUDY }] });
    if (path === `/dicomweb/studies/${STUDY}/series`)
      return json([{ '0020000E': { vr: 'UI', Value: [SERIES] }, '00080060': { vr: 'CS', Value: ['CT'] } }]);
    if (path === `/dicomweb/studies/${STUDY}/series/${SERIES}/instances`)
      // the slice order: the instance further along the normal is second
      return json([instance('sop-b', 5), instance('sop-a', -5)]);
    if (path === `/dicomweb/studies/${STUDY}/series/${SERIES}/metadata`) {
      await metadata;
      return json([instance('sop-b', 5), instance('sop-a', -5)]);
    }
    if (path.endsWith('/frames/1/rendered')) return new Response(new Blob([new Uint8Array([1])]), { status: 200 });
    // the case's first image in one answer (the server finds it in slice order: sop-a)
    if (caseImage && path === `/api/referrals/${CASE}/first-image`)
      return new Response(new Blob([new Uint8Array([1])]), {
        status: 200,
        headers: {
          'content-type': 'image/png',
          'x-study-instance-uid': STUDY,
          'x-series-instance-uid': SERIES,
          'x-sop-instance-uid': 'sop-a',
        },
      });
    return new Response('{}', { status: 404 });
  });
  globalThis.fetch = fetchMock as unknown as typeof fetch;
  return { asked, releaseMetadata };
}

// Let every answer that has come be read.
const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('prefetchRoute', () => {
  afterEach(() => session.clear('expired'));
  // A page picks up its sign-in once (the first test); later tests sign in as the role they need.
  const signInAs = (role: string) =>
    session.signedIn({
      accessToken: 'token',
      expiresIn: 900,
      user: { id: 'u1', role, specialty: 'radiology' },
    } as never);

  it('asks for the sign-in once when the page and the app both start it, and for a case only once signed in', async () => {
    const api = fakeApi();
    // the page's first module, then the app (AuthProvider) starting the same sign-in
    const boot = prefetchRoute(`/reading/${CASE}`);
    const app = session.start();
    await Promise.all([boot, app]);
    expect(api.asked.filter((r) => r === 'POST /api/auth/refresh')).toHaveLength(1);
    expect(api.asked.indexOf(`GET /api/referrals/${CASE}`)).toBeGreaterThan(
      api.asked.indexOf('POST /api/auth/refresh'),
    );
    api.releaseMetadata();
  });

  it("hands the referral and its study's series to the screen's own reads: each asked for once", async () => {
    const api = fakeApi();
    signInAs('specialist');
    await prefetchRoute(`/reading/${CASE}`);
    const referral = takePrefetchedReferral(CASE);
    expect(referral).toBeDefined();
    await expect(referral).resolves.toMatchObject({ id: CASE });
    await expect(listSeries(STUDY)).resolves.toMatchObject([{ seriesUid: SERIES, modality: 'CT' }]);
    expect(api.asked.filter((r) => r === `GET /api/referrals/${CASE}`)).toHaveLength(1);
    expect(api.asked.filter((r) => r === `GET /dicomweb/studies/${STUDY}/series`)).toHaveLength(1);
    // taken once: a later read asks the server (an audited read of its own)
    expect(takePrefetchedReferral(CASE)).toBeUndefined();
    api.releaseMetadata();
  });

  it('asks for the first image in slice order before the whole metadata has come', async () => {
    const api = fakeApi();
    signInAs('specialist');
    await prefetchRoute(`/reading/${CASE}`);
    await settle();
    // the metadata is still on its way, and the first image has been asked for: the first instance in slice order
    const rendered = `GET /dicomweb/studies/${STUDY}/series/${SERIES}/instances/sop-a/frames/1/rendered`;
    expect(api.asked).toContain(`GET /dicomweb/studies/${STUDY}/series/${SERIES}/metadata`);
    expect(api.asked).toContain(rendered);
    // the loading view's request takes the same answer
    await expect(firstImageOf(STUDY, SERIES)).resolves.toMatchObject({ sopInstanceUid: 'sop-a' });
    expect(api.asked.filter((r) => r === rendered)).toHaveLength(1);
    expect(viewerPreloads.length).toBeGreaterThan(0);
    api.releaseMetadata();
  });

  it('takes the case’s first image from its one answer: no slice order or rendering asked for, the viewer reuses it', async () => {
    const api = fakeApi('specialist', true);
    signInAs('specialist');
    await prefetchRoute(`/reading/${CASE}`);
    await settle();
    expect(api.asked.filter((r) => r === `GET /api/referrals/${CASE}/first-image`)).toHaveLength(1);
    expect(api.asked.some((r) => r.endsWith('/rendered'))).toBe(false);
    expect(api.asked).not.toContain(`GET /dicomweb/studies/${STUDY}/series/${SERIES}/instances`);
    // the viewer opening the series shows the same image without asking again
    await expect(firstImageOf(STUDY, SERIES, true)).resolves.toMatchObject({ sopInstanceUid: 'sop-a' });
    // and what the viewer needs next is on its way
    expect(api.asked).toContain(`GET /dicomweb/studies/${STUDY}/series/${SERIES}/metadata`);
    api.releaseMetadata();
  });

  it("asks for nothing of a case that the signed-in role's screens would not open", async () => {
    const api = fakeApi('community_doctor');
    signInAs('community_doctor');
    await prefetchRoute(`/reading/${CASE}`);
    expect(api.asked).toEqual([]);
    expect(takePrefetchedReferral(CASE)).toBeUndefined();
    api.releaseMetadata();
  });
});
