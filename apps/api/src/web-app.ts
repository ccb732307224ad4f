import type { NestExpressApplication } from '@nestjs/platform-express';
import { existsSync, statSync } from 'node:fs';
import { extname, join, normalize, sep } from 'node:path';

// The web app's production build, served on the API's port.
// - Files by name; `/assets/*` are content-hashed by the build, so browsers keep them for a year
//   without asking again. Everything else (index.html, favicon) is revalidated.
// - The build writes Brotli and gzip copies beside each text file (apps/web/scripts/precompress.mjs);
//   the copy the browser accepts is sent, so nothing is compressed per request.
// - Any other GET that is not the API, DICOMweb or socket.io is a client-side route: index.html.

interface Req {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
}
interface Res {
  setHeader(name: string, value: string): void;
  sendFile(
    path: string,
    opts: { headers?: Record<string, string>; dotfiles?: 'deny' },
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
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.webmanifest': 'application/manifest+json',
};

const NOT_WEB = /^\/(api|dicomweb|socket\.io)(\/|$)/;
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

export function serveWebApp(app: NestExpressApplication, dir: string | undefined): void {
  if (!dir || !existsSync(join(dir, 'index.html'))) return;
  const root = normalize(dir + sep);
  const indexHtml = join(root, 'index.html');

  app.use((req: Req, res: Res, next: (err?: unknown) => void) => {
    if ((req.method !== 'GET' && req.method !== 'HEAD') || NOT_WEB.test(req.path)) return next();
    let file: string;
    const named = /\.[a-z0-9]+$/i.test(req.path);
    if (named) {
      let decoded: string;
      try {
        decoded = decodeURIComponent(req.path);
      } catch {
        return next();
      }
      file = normalize(join(root, decoded));
      // Nothing outside the build directory, no dot-files.
      if (!file.startsWith(root) || decoded.split('/').some((s) => s.startsWith('.'))) return next();
      if (!isFile(file)) return next();
    } else {
      file = indexHtml;
    }
    const type = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
    const headers: Record<string, string> = {
      'Content-Type': type,
      'Cache-Control': req.path.startsWith('/assets/') ? IMMUTABLE : 'no-cache',
      Vary: 'Accept-Encoding',
    };
    let send = file;
    if (accepts(req, 'br') && isFile(file + '.br')) {
      send = file + '.br';
      headers['Content-Encoding'] = 'br';
    } else if (accepts(req, 'gzip') && isFile(file + '.gz')) {
      send = file + '.gz';
      headers['Content-Encoding'] = 'gzip';
    }
    res.sendFile(send, { headers, dotfiles: 'deny' }, (err) => {
      if (err && !res.headersSent) next(err);
    });
  });
}
