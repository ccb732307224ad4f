// OHIF (the prebuilt `@ohif/app` from npm, unchanged) served on the same origin as Zhiyin's DICOMweb: its
// `dist/` as static files, an `app-config.js` whose DICOMweb data source is `/dicomweb` on this origin, and
// `/dicomweb/*` proxied to a running Zhiyin (started with TRUST_PROXY=true) with a reader's bearer token added. Same origin because that is how a
// hospital deploys a viewer beside its archive (no CORS, no token in the browser); the token is added here because
// OHIF's public build has no sign-in of Zhiyin's.
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
} from 'node:fs';
import http from 'node:http';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Zhiyin's DICOMweb root (DicomwebController). */
export const DICOMWEB_ROOT = '/dicomweb';

/** The OHIF release checked against, and the integrity npm publishes for its package. */
export const OHIF_APP = {
  version: '3.13.2',
  integrity: 'sha512-WZdxmpmG7rqFgW9ZJLcbgr3XCtLi1KDNPoMaeY5PPe6j4G4fjEjjkycZM6C6Zk2F87BKxFfpq+jd5xXZB9E8EA==',
};

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/**
 * The folder of OHIF's production build (the `dist/` the `@ohif/app` package ships), and its version.
 * `@ohif/app` is fetched with npm itself (`npm pack`, integrity checked) into node_modules/.cache on first use
 * rather than installed as a dependency: installing it would pull OHIF's whole source tree of dependencies
 * (React 18, its UI packages, Cornerstone) for files that are already built into `dist/`, and some of those
 * exact versions are not always on the registry. OHIF_APP_DIR: another unpacked `@ohif/app` instead.
 */
export function ohifDist() {
  const root = process.env.OHIF_APP_DIR ?? join(repoRoot, 'node_modules', '.cache', 'ohif-app', OHIF_APP.version);
  if (!process.env.OHIF_APP_DIR && !existsSync(join(root, 'dist', 'index.html'))) fetchOhif(root);
  const dir = join(root, 'dist');
  if (!existsSync(join(dir, 'index.html'))) throw new Error(`no OHIF build in ${dir}`);
  return { dir, version: String(JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).version) };
}

/** `npm pack @ohif/app@<version>` and unpacks it into `root`, refusing a package whose integrity differs. */
function fetchOhif(/** @type {string} */ root) {
  // unpacked beside its final place, so that the last step is one rename on the same file system
  mkdirSync(dirname(root), { recursive: true });
  const tmp = mkdtempSync(`${root}.tmp-`);
  try {
    const out = execFileSync('npm', ['pack', `@ohif/app@${OHIF_APP.version}`, '--json', '--pack-destination', tmp], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const [packed] = JSON.parse(out);
    if (packed.integrity !== OHIF_APP.integrity)
      throw new Error(
        `@ohif/app@${OHIF_APP.version} from npm has integrity ${packed.integrity}, not ${OHIF_APP.integrity}`,
      );
    const unpacked = join(tmp, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', join(tmp, packed.filename), '-C', unpacked, '--strip-components=1']);
    rmSync(root, { recursive: true, force: true });
    renameSync(unpacked, root);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * OHIF's configuration: one DICOMweb data source, Zhiyin, on this origin. The options are those OHIF documents for
 * a standard DICOMweb server (WADO-RS frames for images and thumbnails, lazy study loading, wildcard QIDO-RS,
 * unquoted multipart types in Accept).
 */
export function appConfig() {
  const source = {
    friendlyName: 'Zhiyin',
    name: 'zhiyin',
    wadoUriRoot: `' + window.location.origin + '${DICOMWEB_ROOT}`,
    qidoRoot: `' + window.location.origin + '${DICOMWEB_ROOT}`,
    wadoRoot: `' + window.location.origin + '${DICOMWEB_ROOT}`,
  };
  return `// Generated for Zhiyin's interop check: OHIF's DICOMweb data source is Zhiyin on this origin.
window.config = {
  routerBasename: '/',
  extensions: [],
  modes: [],
  customizationService: {},
  showStudyList: true,
  maxNumberOfWebWorkers: 2,
  showWarningMessageForCrossOrigin: false,
  showCPUFallbackMessage: false,
  showLoadingIndicator: true,
  strictZSpacingForVolumeViewport: true,
  investigationalUseDialog: { option: 'never' },
  defaultDataSourceName: 'zhiyin',
  dataSources: [
    {
      namespace: '@ohif/extension-default.dataSourcesModule.dicomweb',
      sourceName: 'zhiyin',
      configuration: {
        friendlyName: '${source.friendlyName}',
        name: '${source.name}',
        wadoUriRoot: '${source.wadoUriRoot}',
        qidoRoot: '${source.qidoRoot}',
        wadoRoot: '${source.wadoRoot}',
        qidoSupportsIncludeField: false,
        imageRendering: 'wadors',
        thumbnailRendering: 'wadors',
        enableStudyLazyLoad: true,
        supportsFuzzyMatching: false,
        supportsWildcard: true,
        staticWado: false,
        singlepart: 'bulkdata,video',
        bulkDataURI: { enabled: true },
        omitQuotationForMultipartRequest: true,
      },
    },
  ],
};
`;
}

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.woff': 'font/woff',
  '.ttf': 'font/ttf',
  '.onnx': 'application/octet-stream',
  '.map': 'application/json',
};

/**
 * Starts the server on 127.0.0.1 (a free port unless given).
 * @param {{ zhiyin: string, token: (path: string) => Promise<string>, port?: number }} o
 *   `zhiyin`: Zhiyin's origin (http://host:port); `token`: a reader's access token for the request's path (asked
 *   for on every request, so that the caller may cache and renew it, or choose the reader by study)
 * @returns {Promise<{ url: string, version: string, close(): Promise<void> }>}
 */
export async function startOhifServer({ zhiyin, token, port = 0 }) {
  const { dir, version } = ohifDist();
  const config = Buffer.from(appConfig());
  const index = join(dir, 'index.html');
  const target = new URL(zhiyin);
  // Idle connections are dropped after 1 s, well inside Zhiyin's keep-alive timeout (5 s), so that one is seldom
  // reused as Zhiyin closes it.
  const upstream = new http.Agent({ keepAlive: true, timeout: 1_000 });

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  const proxy = async (req, res) => {
    /** @type {Record<string, string | string[]>} */
    const headers = {};
    for (const [k, v] of Object.entries(req.headers)) {
      if (v === undefined || k === 'host' || k === 'connection' || k === 'authorization') continue;
      headers[k] = v;
    }
    headers.authorization = `Bearer ${await token(req.url ?? '/')}`;
    // as a hospital's reverse proxy does: Zhiyin (TRUST_PROXY=true) then writes this origin into the URLs of its
    // answers (BulkDataURI, RetrieveURL), which OHIF follows — e.g. a palette colour image's lookup tables
    headers['x-forwarded-host'] = req.headers.host ?? '';
    headers['x-forwarded-proto'] = 'http';
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? '127.0.0.1';
    const idempotent = req.method === 'GET' || req.method === 'HEAD';
    /** @param {number} attempt */
    const send = (attempt) => {
      const up = http.request(
        { host: target.hostname, port: target.port, method: req.method, path: req.url, headers, agent: upstream },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      up.on('error', (e) => {
        // A kept-alive connection that Zhiyin closes for idleness just as a request goes out on it is reset
        // (ECONNRESET before any answer): a reverse proxy sends a GET again on a fresh connection, once.
        if (idempotent && attempt === 0 && !res.headersSent && /** @type {any} */ (e).code === 'ECONNRESET') {
          send(1);
          return;
        }
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`Zhiyin did not answer: ${e.message}`);
      });
      if (idempotent) up.end();
      else req.pipe(up);
    };
    send(0);
  };

  /** @param {http.IncomingMessage} req @param {http.ServerResponse} res */
  const file = (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    if (path === '/app-config.js') {
      res.writeHead(200, {
        'content-type': TYPES['.js'],
        'content-length': config.length,
        'cache-control': 'no-store',
      });
      res.end(config);
      return;
    }
    let f = normalize(join(dir, path));
    if (!f.startsWith(dir + sep) || !existsSync(f) || !statSync(f).isFile()) f = index; // the app's own routes
    const size = statSync(f).size;
    res.writeHead(200, {
      'content-type': TYPES[/** @type {keyof typeof TYPES} */ (extname(f))] ?? 'application/octet-stream',
      'content-length': size,
      // the bundles' names carry their hash; the page itself and its configuration are always asked for again
      'cache-control': f === index ? 'no-cache' : 'public, max-age=86400',
      // OHIF's volume viewports use SharedArrayBuffer, which needs a cross-origin isolated page.
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    if (req.method === 'HEAD') res.end();
    else createReadStream(f).pipe(res);
  };

  const server = http.createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === DICOMWEB_ROOT || url.startsWith(`${DICOMWEB_ROOT}/`) || url.startsWith(`${DICOMWEB_ROOT}?`)) {
      proxy(req, res).catch((e) => {
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`sign-in to Zhiyin failed: ${/** @type {Error} */ (e).message}`);
      });
    } else if (req.method === 'GET' || req.method === 'HEAD') file(req, res);
    else {
      res.writeHead(405);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', () => resolve(undefined)));
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}`,
    version,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        upstream.destroy();
        server.close(() => resolve(undefined));
      }),
  };
}
