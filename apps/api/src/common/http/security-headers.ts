import helmet, { type HelmetOptions } from 'helmet';
import type { IncomingMessage, ServerResponse } from 'node:http';

// Response headers that harden every answer in the browser (OWASP ASVS V14.4, OWASP Secure Headers):
// a Content-Security-Policy without inline script, no framing (clickjacking), no MIME sniffing, no
// Referer leaving the app (paths carry study and referral ids), no powerful browser features, and no
// caching of the API's answers (they carry patient data; a shared PC's browser cache must not keep them).

type Directives = NonNullable<Exclude<HelmetOptions['contentSecurityPolicy'], boolean | undefined>['directives']>;

// The web app: scripts and styles only from its own build (Vite emits no inline script or style;
// React sets `style` props through the CSSOM, which CSP does not govern). Images may come from blob:
// (study images fetched with the bearer token) and data: URLs; workers only from the app's origin.
// 'wasm-unsafe-eval' (CSP Level 3) lets the viewer's image decoders — WebAssembly builds of libjpeg-turbo,
// CharLS, OpenJPEG and OpenJPH from the app's own files — be compiled; it allows no eval() of script.
const WEB_APP: Directives = {
  'default-src': ["'self'"],
  'script-src': ["'self'", "'wasm-unsafe-eval'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'"],
  // 'self' covers the same origin's ws:/wss: for socket.io (CSP Level 3).
  'connect-src': ["'self'"],
  'worker-src': ["'self'"],
  'manifest-src': ["'self'"],
  'object-src': ["'none'"],
  'frame-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'upgrade-insecure-requests': null,
};

// The OpenAPI page (Swagger UI): its HTML carries an inline <style> and style attributes and its CSS
// uses data: images; its scripts are files, so no script relaxation is needed.
const API_DOCS: Directives = {
  ...WEB_APP,
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:'],
};

// JSON, DICOM and PDF answers are never documents to render: nothing may load from them and no page
// may frame them.
const API: Directives = {
  'default-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
  'upgrade-insecure-requests': null,
};

// Features the app never uses are switched off for it and anything it might load.
const PERMISSIONS_POLICY = [
  'accelerometer=()',
  'autoplay=()',
  'camera=()',
  'display-capture=()',
  'geolocation=()',
  'gyroscope=()',
  'hid=()',
  'magnetometer=()',
  'microphone=()',
  'midi=()',
  'payment=()',
  'serial=()',
  'usb=()',
  'xr-spatial-tracking=()',
  'fullscreen=(self)',
].join(', ');

function helmetWith(directives: Directives) {
  return helmet({
    contentSecurityPolicy: { useDefaults: false, directives },
    xFrameOptions: { action: 'deny' },
    referrerPolicy: { policy: 'no-referrer' },
    // Browsers ignore it over plain HTTP; not for subdomains, which may be other hospital systems.
    strictTransportSecurity: { maxAge: 31_536_000, includeSubDomains: false },
  });
}

const PATIENT_DATA = /^\/(api|dicomweb)(\/|$)/;
const DOCS = /^\/api\/docs(\/|$)/;

type Next = (err?: unknown) => void;

/** One middleware for every HTTP answer of the app (socket.io's own answers set `no-store` themselves). */
export function securityHeaders(): (req: IncomingMessage, res: ServerResponse, next: Next) => void {
  const web = helmetWith(WEB_APP);
  const docs = helmetWith(API_DOCS);
  const api = helmetWith(API);
  return (req, res, next) => {
    const path = (req.url ?? '/').split('?')[0]!;
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
    if (DOCS.test(path)) return docs(req, res, next);
    if (PATIENT_DATA.test(path)) {
      // Handlers may not relax this: every /api and /dicomweb answer is patient data or about it.
      res.setHeader('Cache-Control', 'no-store');
      return api(req, res, next);
    }
    return web(req, res, next);
  };
}
