import { CASE_FIRST_IMAGE_HEADERS } from '@zhiyin/contracts';
import { authorizedFetch } from '../../lib/api';
import { first, sliceOrderedImages } from '../dicomweb/qido';

// The first image of a series as the server renders it (WADO-RS rendered frame, PS3.18 10.4.1.1.3: the modality
// LUT, the image's own VOI window, colour to RGB), drawn while the viewer's code — Cornerstone3D with vtk.js, the
// largest part of the app — downloads, compiles and sets up WebGL. A browser draws a PNG with its own decoder, so
// the radiologist sees the case's image without waiting for any of it; the viewer replaces it once it has drawn.

/** The same image the viewer opens on: frame 1 of the first instance in slice order (as loadSeries orders them). */
export interface FirstImage {
  sopInstanceUid: string;
  /** an object URL of the PNG: one for every view of it, so that the browser decodes it once */
  url: string;
  /** performance.now() when a preview of it was first on screen in this page */
  shownAt?: number;
}

// Kept briefly: long enough for the viewer that replaces the loading view to show the same image at once, not so
// long that a later opening of the series skips the server (its access checks and audit).
const KEEP_MS = 20_000;
const cache = new Map<string, { at: number; image: Promise<FirstImage | undefined> }>();

/**
 * The series' first image, rendered by the server; undefined when the series has no image the server can render.
 * `askedAlready`: only one asked for a moment ago (by the loading view the viewer replaces), never a new request.
 */
export function firstImageOf(
  studyUid: string,
  seriesUid: string,
  askedAlready = false,
): Promise<FirstImage | undefined> {
  const key = `${studyUid}/${seriesUid}`;
  const hit = cache.get(key);
  if (hit && Date.now() - hit.at < KEEP_MS) return hit.image;
  if (askedAlready) return Promise.resolve(undefined);
  for (const [k, v] of cache) {
    if (Date.now() - v.at < KEEP_MS) continue;
    cache.delete(k);
    // an image already drawn from it stays drawn
    void v.image.then((i) => i && URL.revokeObjectURL(i.url));
  }
  const image = fetchFirstImage(studyUid, seriesUid).catch(() => undefined);
  cache.set(key, { at: Date.now(), image });
  return image;
}

async function fetchFirstImage(studyUid: string, seriesUid: string): Promise<FirstImage | undefined> {
  // The order from a search of only what it needs, not from the whole metadata: the image is asked for sooner.
  const rows = await sliceOrderedImages(studyUid, seriesUid);
  const sop = first(rows[0], '00080018');
  if (!sop) return undefined;
  const e = encodeURIComponent;
  const res = await authorizedFetch(
    `/dicomweb/studies/${e(studyUid)}/series/${e(seriesUid)}/instances/${e(sop)}/frames/1/rendered`,
    { headers: { accept: 'image/png' } },
  );
  if (!res.ok) return undefined;
  const url = URL.createObjectURL(await res.blob());
  // for the reading room's timeline (npm run bench): when the image had fully come
  performance.mark('zhiyin:first-image-received');
  return { sopInstanceUid: sop, url };
}

/** A case's first image, with the series it belongs to. */
export interface CaseFirstImage extends FirstImage {
  studyUid: string;
  seriesUid: string;
}

/**
 * The image a case opens on, in one request (`GET /api/referrals/{id}/first-image`: the server finds the first
 * series and its first image in slice order as the reading room does, and renders frame 1 as `/rendered` does),
 * instead of the referral, the series, the slice order and the rendering one after the other. It is kept as its
 * series' first image, so that the viewer opening that series shows it at once. Undefined when the case has no image
 * to draw first, or the request failed (the reading room then asks step by step).
 */
export async function caseFirstImage(referralId: string): Promise<CaseFirstImage | undefined> {
  const res = await authorizedFetch(`/api/referrals/${encodeURIComponent(referralId)}/first-image`, {
    headers: { accept: 'image/png' },
  });
  const studyUid = res.headers.get(CASE_FIRST_IMAGE_HEADERS.study);
  const seriesUid = res.headers.get(CASE_FIRST_IMAGE_HEADERS.series);
  const sopInstanceUid = res.headers.get(CASE_FIRST_IMAGE_HEADERS.instance);
  if (res.status !== 200 || !studyUid || !seriesUid || !sopInstanceUid) return undefined;
  const url = URL.createObjectURL(await res.blob());
  performance.mark('zhiyin:first-image-received');
  const image: CaseFirstImage = { sopInstanceUid, url, studyUid, seriesUid };
  const key = `${studyUid}/${seriesUid}`;
  const hit = cache.get(key);
  if (!hit || Date.now() - hit.at >= KEEP_MS) cache.set(key, { at: Date.now(), image: Promise.resolve(image) });
  return image;
}
