import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../support/test-app.js';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const WEB_DIST = join(REPO_ROOT, 'apps', 'web', 'dist');

// The API serves the web app's build on its own port: hashed assets cached for a year and sent in
// the compressed form the browser accepts; client-side routes get index.html; nothing outside the
// build directory, and never the API's own paths.

interface Got {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** A raw GET (fetch would decompress and hide Content-Encoding). */
function get(base: string, path: string, headers: Record<string, string> = {}): Promise<Got> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}${path}`, { headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('web app build served by the API', () => {
  let t: TestApp;
  let dir: string;
  const js = `console.log(${JSON.stringify('知医 '.repeat(400))});\n`;
  const html = '<!doctype html><html lang="zh-CN"><body><div id="root"></div></body></html>';

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zhiyin-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), html);
    writeFileSync(join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), js);
    writeFileSync(join(dir, 'assets', 'index-abc123.js.br'), brotliCompressSync(js));
    writeFileSync(join(dir, 'assets', 'index-abc123.js.gz'), gzipSync(js));
    writeFileSync(join(dir, '.env'), 'SECRET=1');
    writeFileSync(join(dir, '..', 'zhiyin-web-outside.txt'), 'OUTSIDE-CONTENT-42');
    t = await startTestApp({ WEB_DIR: dir });
  });

  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
    rmSync(join(dir, '..', 'zhiyin-web-outside.txt'), { force: true });
  });

  it('sends a hashed asset Brotli-compressed to a browser that accepts it, cacheable for a year', async () => {
    const res = await get(t.url, '/assets/index-abc123.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(res.status).toBe(200);
    expect(res.headers['content-encoding']).toBe('br');
    expect(res.headers['content-type']).toBe('text/javascript; charset=utf-8');
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers.vary).toContain('Accept-Encoding');
    expect(brotliDecompressSync(res.body).toString()).toBe(js);
    expect(res.body.length).toBeLessThan(Buffer.byteLength(js) / 4);
  });

  it('sends gzip to a client without Brotli, and the plain file to one that accepts neither', async () => {
    const gz = await get(t.url, '/assets/index-abc123.js', { 'accept-encoding': 'gzip' });
    expect(gz.headers['content-encoding']).toBe('gzip');
    expect(gunzipSync(gz.body).toString()).toBe(js);

    const refusesBr = await get(t.url, '/assets/index-abc123.js', { 'accept-encoding': 'br;q=0, gzip' });
    expect(refusesBr.headers['content-encoding']).toBe('gzip');

    const plain = await get(t.url, '/assets/index-abc123.js');
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.toString()).toBe(js);
  });

  it('answers client-side routes with index.html that the browser revalidates', async () => {
    for (const path of ['/', '/desk/referrals', '/reading/0b8f6a52-3c1e-4e59-9c55-3f0d3f6c1a11']) {
      const res = await get(t.url, path);
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.body.toString()).toBe(html);
    }
    const icon = await get(t.url, '/favicon.svg');
    expect(icon.headers['content-type']).toBe('image/svg+xml');
    expect(icon.headers['cache-control']).toBe('no-cache');
  });

  it('serves nothing outside the build directory and no dot-files', async () => {
    for (const path of ['/..%2fzhiyin-web-outside.txt', '/assets/..%2f..%2fzhiyin-web-outside.txt', '/.env']) {
      const res = await get(t.url, path);
      expect(res.status).toBe(404);
      expect(res.body.toString()).not.toContain('OUTSIDE-CONTENT-42');
      expect(res.body.toString()).not.toContain('SECRET');
    }
    const missing = await get(t.url, '/assets/missing-000.js');
    expect(missing.status).toBe(404);
  });

  it('answers deep links whose ids contain dots with the app', async () => {
    for (const path of ['/studies/2.25.329800735698586629295641978511506172918', '/reading/1.2.840.10008.5.1']) {
      const res = await get(t.url, path, { accept: 'text/html' });
      expect(res.status).toBe(200);
      expect(res.headers['content-type']).toBe('text/html; charset=utf-8');
      expect(res.body.toString()).toBe(html);
    }
  });

  it('answers a missing asset with a 404 that nobody caches, never the app page under the assets’ year-long cache', async () => {
    for (const path of ['/assets/index-old999.js', '/assets/gone.css', '/assets/nested/x', '/favicon.ico']) {
      const res = await get(t.url, path, { accept: '*/*' });
      expect(res.status).toBe(404);
      expect(res.headers['cache-control']).toBe('no-store');
      expect(res.body.toString()).not.toContain('<div id="root">');
    }
  });

  it('leaves the API and DICOMweb to their own handlers', async () => {
    const api = await get(t.url, '/api/no-such-route', { accept: 'application/json' });
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body.toString())).toMatchObject({ error: { code: expect.any(String) } });
    const dicomweb = await get(t.url, '/dicomweb/studies', { accept: 'application/dicom+json' });
    expect(dicomweb.status).toBe(401);
  });
});

// Browser hardening headers on every kind of answer (OWASP ASVS V14.4): the app page, its assets, the
// API, DICOMweb and the OpenAPI page; the API's answers are never stored by a browser or proxy.
describe('security headers', () => {
  let t: TestApp;
  let dir: string;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'zhiyin-web-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><html><body><div id="root"></div></body></html>');
    writeFileSync(join(dir, 'assets', 'index-abc123.js'), 'export {};\n');
    t = await startTestApp({ WEB_DIR: dir });
  });
  afterAll(async () => {
    await t?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const common = (res: Got) => {
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['x-frame-options']).toBe('DENY');
    expect(res.headers['referrer-policy']).toBe('no-referrer');
    expect(res.headers['permissions-policy']).toContain('camera=()');
    expect(res.headers['permissions-policy']).toContain('geolocation=()');
    const csp = String(res.headers['content-security-policy']);
    expect(csp).toContain("frame-ancestors 'none'");
    return csp;
  };

  it('sends the app page and its assets with a CSP that allows no inline script and no framing', async () => {
    for (const path of ['/', '/sign-in', '/assets/index-abc123.js']) {
      const res = await get(t.url, path, { accept: 'text/html' });
      expect(res.status).toBe(200);
      const csp = common(res);
      expect(csp).toContain("script-src 'self' 'wasm-unsafe-eval'");
      expect(csp).toContain("object-src 'none'");
      expect(csp).toContain("base-uri 'none'");
      expect(csp).not.toContain('unsafe-inline');
      // The viewer's WebAssembly decoders may be compiled, but no script may be eval'd.
      expect(csp).not.toContain("'unsafe-eval'");
    }
    // Hashed assets keep their long cache; the page itself is revalidated.
    expect((await get(t.url, '/assets/index-abc123.js')).headers['cache-control']).toBe(
      'public, max-age=31536000, immutable',
    );
    expect((await get(t.url, '/')).headers['cache-control']).toBe('no-cache');
  });

  it('sends every API and DICOMweb answer with no-store and a CSP that renders nothing', async () => {
    const token = await t.login('doc.hyjq');
    const answers = [
      await get(t.url, '/api/patients?limit=1', { authorization: `Bearer ${token}`, accept: 'application/json' }),
      await get(t.url, '/api/auth/me', { authorization: `Bearer ${token}` }),
      await get(t.url, '/api/no-such-route'),
      await get(t.url, '/api/patients'),
      await get(t.url, '/dicomweb/studies', { authorization: `Bearer ${token}`, accept: 'application/dicom+json' }),
      await get(t.url, '/dicomweb/studies'),
    ];
    expect(answers.map((r) => r.status)).toEqual([200, 200, 404, 401, expect.any(Number), 401]);
    for (const res of answers) {
      expect(res.headers['cache-control']).toBe('no-store');
      expect(common(res)).toContain("default-src 'none'");
    }
  });

  it('keeps the OpenAPI page working under its own CSP (inline styles only, still no inline script)', async () => {
    const res = await get(t.url, '/api/docs/', { accept: 'text/html' });
    expect(res.status).toBe(200);
    const csp = common(res);
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("style-src 'self' 'unsafe-inline'");
    // Its scripts are files, so the page works without inline script.
    expect(res.body.toString()).not.toMatch(/<script>\s*\S/);
  });
});

// Where the checkout lives must not matter: under a dot-folder (a CI cache, ~/.local/src) and with
// WEB_DIR written relative (the README's own default, apps/web/dist), the app is served.
describe('web app build in any folder', () => {
  let base: string;
  let dotted: string;
  beforeAll(() => {
    if (!existsSync(join(WEB_DIST, 'index.html')))
      throw new Error('apps/web/dist is missing: build the web app first.');
    base = mkdtempSync(join(tmpdir(), 'zhiyin-web-'));
    dotted = join(base, '.cache', 'zhiyin', 'web');
    cpSync(WEB_DIST, dotted, { recursive: true });
    writeFileSync(join(dotted, '.secret'), 'SECRET=1');
  });
  afterAll(() => {
    rmSync(base, { recursive: true, force: true });
  });

  const check = async (webDir: string) => {
    const t = await startTestApp({ WEB_DIR: webDir });
    try {
      const page = await get(t.url, '/sign-in', { accept: 'text/html' });
      expect(page.status).toBe(200);
      expect(page.body.toString()).toContain('<div id="root">');
      const asset = readdirSync(join(dotted, 'assets')).find((f) => f.endsWith('.js'))!;
      expect((await get(t.url, `/assets/${asset}`)).status).toBe(200);
      // Dot-files inside the build are still refused.
      const secret = await get(t.url, '/.secret');
      expect(secret.status).toBe(404);
      expect(secret.body.toString()).not.toContain('SECRET');
    } finally {
      await t.close();
    }
  };

  it('serves the app from a build under a folder whose name starts with a dot', async () => {
    await check(dotted);
  });

  it('serves the app with WEB_DIR relative to the checkout', async () => {
    await check(relative(REPO_ROOT, dotted));
  });
});
