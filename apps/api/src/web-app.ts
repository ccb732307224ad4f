import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

// The web app's production build, served on the API's port.
// - Files by name; `/assets/*` are content-hashed by the build, so browsers keep them for a year
//   without asking again. Everything else (index.html, favicon) is revalidated.
// - The build writes Brotli and gzip copies beside each text file (apps/web/scripts/precompress.mjs);
//   the copy the browser accepts is sent, so nothing is compressed per request.
// - `/assets/*` that does not exist is a 404 that nobody caches: answering it with the app page (under
//   the assets' year-long immutable cache) would pin a broken page in browsers and proxies.
// - Any other GET that is not the API, DICOMweb or socket.io and does not name a missing static file
//   (by its file type: `.js`, `.css`, `.png`, …) is a client-side route: index.html. Route parameters
//   may contain dots (`/studies/2.25.1234…`), so a dot alone does not make a path a file.
// - Files are sent relative to the build directory (send's `root`), so dot-files inside the build are
//   refused while a build that lives under a dot-folder (`~/.local/src/…`, a CI cache) is served.

interface Req {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}
interface Res {
  setHeader(name: string, value: string): void;
  status(code: number): Res;
  end(body?: string): void;
  sendFile(
    path: string,
    opts: { root: string; headers?: Record<string, string>; dotfiles?: 'deny' },
    cb: (err?: Error) => void,
  ): void;
  headersSent: boolean;
}

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.webmanifest': 'application/manifest+json',
};

const NOT_WEB = /^\/(api|dicomweb|socket\.io)(\/|$)/;
const ASSETS = /^\/assets(\/|$)/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

function accepts(req: Req, coding: 'br' | 'gzip'): boolean {
  const header = req.headers['accept-encoding'];
  const value = Array.isArray(header) ? header.join(',') : (header ?? '');
  return value
    .split(',')
    .map((p) => p.trim().split(';'))
    .some(
      ([name, ...params]) => name?.trim().toLowerCase() === coding && !params.some((q) => /^\s*q=0(\.0*)?\s*$/.test(q)),
    );
}

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

type Lookup = { file: string } | 'missing' | 'refused';

/**
 * The build file a request path names, relative to the build directory; 'missing' when there is none;
 * 'refused' for a path that no app route or build file can have (a dot segment: `..`, `.env`).
 */
function fileOf(root: string, path: string): Lookup {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return 'refused';
  }
  // Nothing outside the build directory and no dot-file (or dot-folder) inside it.
  if (decoded.includes('\0') || decoded.split(/[\\/]/).some((s) => s.startsWith('.'))) return 'refused';
  const file = normalize(join(root, decoded));
  if (!file.startsWith(root)) return 'refused';
  return isFile(file) ? { file: file.slice(root.length) } : 'missing';
}

function notFound(res: Res): void {
  res.status(404);
  res.setHeader('Cache-Control', 'no-store');
  res.setHeader('Content-Type', 'text/plain; charset=utf-8');
  res.end('Not found');
}

/**
 * Serves the web app's build from `dir` (an absolute path; the configuration resolves a relative
 * WEB_DIR). Does nothing when the build is missing, so the API runs on its own.
 */
export function serveWebApp(app: NestExpressApplication, dir: string | undefined): void {
  if (!dir || !existsSync(join(dir, 'index.html'))) return;
  const root = normalize(dir + sep);

  app.use((req: Req, res: Res, next: (err?: unknown) => void) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_WEB.test(req.path)) return next();
    const found = fileOf(root, req.path);
    if (found === 'refused') return notFound(res);
    if (found === 'missing' && (ASSETS.test(req.path) || extname(req.path).toLowerCase() in TYPES)) {
      return notFound(res);
    }
    const file = found === 'missing' ? 'index.html' : found.file;
    const headers: Record<string, string> = {
      'Content-Type': TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'Cache-Control': ASSETS.test(req.path) ? IMMUTABLE : 'no-cache',
      Vary: 'Accept-Encoding',
    };
    let send = file;
    if (accepts(req, 'br') && isFile(join(root, file + '.br'))) {
      send = file + '.br';
      headers['Content-Encoding'] = 'br';
    } else if (accepts(req, 'gzip') && isFile(join(root, file + '.gz'))) {
      send = file + '.gz';
      headers['Content-Encoding'] = 'gzip';
    }
    res.sendFile(send, { root, headers, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });
}
