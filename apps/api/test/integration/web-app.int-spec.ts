import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { startTestApp, type TestApp } from '../support/test-app.js';

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

  it('leaves the API and DICOMweb to their own handlers', async () => {
    const api = await get(t.url, '/api/no-such-route', { accept: 'application/json' });
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body.toString())).toMatchObject({ error: { code: expect.any(String) } });
    const dicomweb = await get(t.url, '/dicomweb/studies', { accept: 'application/dicom+json' });
    expect(dicomweb.status).toBe(401);
  });
});
