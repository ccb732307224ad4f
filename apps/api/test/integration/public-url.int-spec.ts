import { request } from 'node:http';
import { uidVariant, withUidsReplaced } from '../support/dicom-edit.js';
import { CT_SLICE, multipart, sample } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Every URL the API writes into an answer (STOW-RS RetrieveURLs, QIDO-RS RetrieveURLs, BulkDataURIs, upload
// Locations) comes from the configured public URL: a client that sends a forged Host header (or forwarding headers
// without a trusted proxy) must not be able to point a viewer's next requests, bearer token included, elsewhere.
const FORGED = {
  host: 'attacker.example',
  'x-forwarded-host': 'forwarded.attacker.example',
  'x-forwarded-proto': 'https',
};
const ct = sample(CT_SLICE);
const study = '2.25.130930353935831677017901351937829450278';
const series = '2.25.219881039401334746116319901856619626590';
const sop = '2.25.190367113947790185605933099962223089727';

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw HTTP request, so that the Host header is exactly what is given. */
function send(url: string, method: string, path: string, headers: Record<string, string>, body?: Buffer) {
  return new Promise<Answer>((resolve, reject) => {
    const req = request(new URL(path, url), { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks).toString('latin1') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Every URL in an answer: in its headers and its body. */
function urlsIn(a: Answer): string[] {
  const text = `${JSON.stringify(a.headers)}\n${a.body}`;
  return [...text.matchAll(/https?:\/\/[^"\s,;]+/g)].map((m) => m[0]);
}

/** Sends a study and reads it back every way that writes URLs, all with forged headers; returns every answer. */
async function exercise(t: TestApp, n: number, extra: Record<string, string> = FORGED): Promise<Answer[]> {
  const doc = await t.login('doc.hyjq');
  const auth = { ...extra, authorization: `Bearer ${doc}` };
  const u = { study: uidVariant(study, n), series: uidVariant(series, n), sop: uidVariant(sop, n) };
  const m = multipart([withUidsReplaced(ct, { [study]: u.study, [series]: u.series, [sop]: u.sop })]);
  const answers: Answer[] = [];
  answers.push(
    await send(t.url, 'POST', '/dicomweb/studies', { ...auth, 'content-type': m.contentType, accept: '*/*' }, m.body),
  );
  const inst = `/dicomweb/studies/${u.study}/series/${u.series}/instances/${u.sop}`;
  for (const path of [
    `/dicomweb/studies?StudyInstanceUID=${u.study}`,
    `/dicomweb/studies/${u.study}/series`,
    `/dicomweb/studies/${u.study}/series/${u.series}/instances`,
    `/dicomweb/instances?SOPInstanceUID=${u.sop}`,
    `/dicomweb/studies/${u.study}/metadata`,
    `${inst}/metadata`,
  ])
    answers.push(await send(t.url, 'GET', path, { ...auth, accept: 'application/dicom+json' }));
  // A resumable upload: its Location, and the STOW-RS answer when it finishes.
  const other = withUidsReplaced(ct, {
    [study]: uidVariant(study, n + 1),
    [series]: uidVariant(series, n + 1),
    [sop]: uidVariant(sop, n + 1),
  });
  const tus = { ...auth, 'tus-resumable': '1.0.0' };
  const created = await send(t.url, 'POST', '/api/uploads', { ...tus, 'upload-length': String(other.length) });
  answers.push(created);
  const location = String(created.headers.location);
  // Relative to where the upload was created, so no Host header can send the PATCH elsewhere.
  expect(location).toMatch(/^uploads\/[0-9a-f]+$/);
  answers.push(
    await send(
      t.url,
      'PATCH',
      // resolved as a client does, against the URL it created the upload at
      new URL(location, `${t.url}/api/uploads`).pathname,
      { ...tus, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream' },
      other,
    ),
  );
  for (const a of answers) expect(a.status).toBeLessThan(300);
  return answers;
}

describe('URLs in answers never come from the client’s Host header', () => {
  describe('by default (no PUBLIC_URL, no trusted proxy)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp();
    });
    afterAll(async () => {
      await t?.close();
    });

    it('every RetrieveURL and BulkDataURI is this server’s own address, whatever Host says', async () => {
      const answers = await exercise(t, 21);
      const urls = answers.flatMap(urlsIn);
      expect(urls.some((u) => u.includes('/dicomweb/studies/'))).toBe(true);
      expect(urls.some((u) => u.includes('/bulk/'))).toBe(true);
      expect(urls.filter((u) => !u.startsWith(`${t.url}/`))).toEqual([]);
      for (const a of answers) expect(`${JSON.stringify(a.headers)}${a.body}`).not.toContain('attacker');
    });
  });

  describe('with PUBLIC_URL', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ PUBLIC_URL: 'https://zhiyin.hub.example/imaging/' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('every URL starts with the public URL, whatever Host and X-Forwarded-Host say', async () => {
      const urls = (await exercise(t, 31)).flatMap(urlsIn);
      expect(urls.length).toBeGreaterThan(5);
      expect(urls.filter((u) => !u.startsWith('https://zhiyin.hub.example/imaging/'))).toEqual([]);
    });
  });

  describe('behind a trusted proxy (TRUST_PROXY)', () => {
    let t: TestApp;
    beforeAll(async () => {
      t = await startTestApp({ TRUST_PROXY: 'true' });
    });
    afterAll(async () => {
      await t?.close();
    });

    it('the proxy’s X-Forwarded-Host and -Proto name the public address, never the Host header', async () => {
      const urls = (
        await exercise(t, 41, {
          host: 'attacker.example',
          'x-forwarded-host': 'zhiyin.hub.example',
          'x-forwarded-proto': 'https',
        })
      ).flatMap(urlsIn);
      expect(urls.length).toBeGreaterThan(5);
      expect(urls.filter((u) => !u.startsWith('https://zhiyin.hub.example/'))).toEqual([]);
    });

    it('a forwarded host that is not a host name is ignored', async () => {
      const urls = (
        await exercise(t, 51, { host: 'attacker.example', 'x-forwarded-host': 'a@attacker.example/x?' })
      ).flatMap(urlsIn);
      expect(urls.filter((u) => !u.startsWith(`${t.url}/`))).toEqual([]);
    });
  });
});
