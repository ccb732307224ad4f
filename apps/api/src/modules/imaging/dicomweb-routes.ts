import { AppError } from '#src/common/errors.js';
import type { Actor } from '#src/common/request-context.js';
import type { DicomwebAnswer, DicomwebInput } from './dicomweb-answer.js';
import type { DicomwebReadService } from './dicomweb-read.service.js';

type Params = Record<string, string>;
type Read = (s: DicomwebReadService, actor: Actor, input: DicomwebInput, p: Params) => Promise<DicomwebAnswer>;

const study = (p: Params) => ({ studyUid: p.study! });
const series = (p: Params) => ({ studyUid: p.study!, seriesUid: p.series! });
const instance = (p: Params) => ({ studyUid: p.study!, seriesUid: p.series!, sopInstanceUid: p.sop! });
const INSTANCE = '/studies/:study/series/:series/instances/:sop';

/**
 * The DICOMweb read routes (PS3.18 10.4, 10.6) under /dicomweb, each a template and its use case. One table, so
 * that a route is one line and every route is read, checked and answered the same way (dicomweb.controller.ts).
 */
const ROUTES: [template: string, read: Read][] = [
  ['/studies', (s, a, i) => s.search(a, i, 'study')],
  ['/series', (s, a, i) => s.search(a, i, 'series')],
  ['/instances', (s, a, i) => s.search(a, i, 'instance')],
  ['/studies/:study/series', (s, a, i, p) => s.search(a, i, 'series', study(p))],
  ['/studies/:study/instances', (s, a, i, p) => s.search(a, i, 'instance', study(p))],
  ['/studies/:study/series/:series/instances', (s, a, i, p) => s.search(a, i, 'instance', series(p))],
  ['/studies/:study', (s, a, i, p) => s.retrieve(a, i, study(p), 'study')],
  ['/studies/:study/series/:series', (s, a, i, p) => s.retrieve(a, i, series(p), 'series')],
  [INSTANCE, (s, a, i, p) => s.retrieve(a, i, instance(p), 'instance')],
  ['/studies/:study/metadata', (s, a, i, p) => s.metadata(a, i, study(p))],
  ['/studies/:study/series/:series/metadata', (s, a, i, p) => s.metadata(a, i, series(p))],
  [`${INSTANCE}/metadata`, (s, a, i, p) => s.metadata(a, i, instance(p))],
  [`${INSTANCE}/frames/:frames`, (s, a, i, p) => s.frames(a, i, instance(p), p.frames!)],
  [`${INSTANCE}/rendered`, (s, a, i, p) => s.rendered(a, i, instance(p))],
  [`${INSTANCE}/frames/:frames/rendered`, (s, a, i, p) => s.rendered(a, i, instance(p), p.frames)],
  ['/studies/:study/thumbnail', (s, a, i, p) => s.thumbnail(a, i, study(p))],
  ['/studies/:study/series/:series/thumbnail', (s, a, i, p) => s.thumbnail(a, i, series(p))],
  [`${INSTANCE}/thumbnail`, (s, a, i, p) => s.thumbnail(a, i, instance(p))],
  [`${INSTANCE}/frames/:frames/thumbnail`, (s, a, i, p) => s.thumbnail(a, i, instance(p), p.frames)],
  [`${INSTANCE}/bulk/*path`, (s, a, i, p) => s.bulk(a, i, instance(p), p.path!)],
];

/** The read routes' templates under /dicomweb (for the authorization tests, which walk every route). */
export const DICOMWEB_READ_TEMPLATES = ROUTES.map(([template]) => `/dicomweb${template}`);

const COMPILED = ROUTES.map(([template, read]) => ({ template, read, segments: template.split('/').slice(1) }));

/**
 * The route a path under /dicomweb names, with its parameters (each segment percent-decoded, as the router does);
 * 404 for a path that names none.
 */
export function matchRoute(path: string): { template: string; read: Read; params: Params } {
  // a trailing slash names the same resource, as in the rest of the API
  const got = (path.length > 1 ? path.replace(/\/$/, '') : path).split('/').slice(1);
  for (const r of COMPILED) {
    const params: Params = {};
    let ok = true;
    for (const [k, seg] of r.segments.entries()) {
      if (seg.startsWith('*')) {
        if (got.length <= k) ok = false;
        else params[seg.slice(1)] = got.slice(k).map(decode).join('/');
        break;
      }
      const part = got[k];
      if (part === undefined || part === '') ok = false;
      else if (seg.startsWith(':')) params[seg.slice(1)] = decode(part);
      else if (seg !== part) ok = false;
      if (!ok) break;
    }
    if (ok && (r.segments.at(-1)!.startsWith('*') || got.length === r.segments.length))
      return { template: `/dicomweb${r.template}`, read: r.read, params };
  }
  throw new AppError('NOT_FOUND', 'No such DICOMweb resource.');
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw new AppError('BAD_REQUEST', 'The path is not valid percent-encoded UTF-8.');
  }
}
