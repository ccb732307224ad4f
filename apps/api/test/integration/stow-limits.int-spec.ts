import { readdirSync } from 'node:fs';
import { request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { BLOB_STORE, type BlobStore } from '#src/modules/imaging/blob-store.js';
import { StowService } from '#src/modules/imaging/stow.service.js';
import { CT_SLICE, multipart, sample, stow, stowOutcome } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

async function instances(t: TestApp): Promise<number> {
  const { rows } = await t.db.query<{ n: number }>('SELECT count(*)::int AS n FROM instance');
  return rows[0]!.n;
}

const tempFiles = (t: TestApp) => readdirSync(join(t.config.dataDir, 'studies', 'tmp'));

/** Sends a body and answers the status, or 'reset' when the connection closed before an answer. */
function send(t: TestApp, token: string, body: Buffer, contentType: string): Promise<number | 'reset'> {
  return new Promise((resolve) => {
    const req = request(`${t.url}/dicomweb/studies`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': contentType,
        'content-length': String(body.length),
      },
    });
    let answered = false;
    req.on('response', (res) => {
      answered = true;
      res.resume();
      resolve(res.statusCode!);
    });
    req.on('error', () => {
      if (!answered) resolve('reset');
    });
    // Written in slices, and no more once the server has answered (as a client that reads its answer).
    let pos = 0;
    const next = () => {
      if (answered || pos >= body.length) return void (pos >= body.length && req.end());
      const slice = body.subarray(pos, pos + 64 * 1024);
      pos += slice.length;
      if (req.write(slice)) setImmediate(next);
      else req.once('drain', next);
    };
    next();
  });
}

async function post(t: TestApp, token: string, body: Buffer, contentType: string) {
  const res = await fetch(`${t.url}/dicomweb/studies`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body,
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

const TYPE = (b: string) => `multipart/related; type="application/dicom"; boundary=${b}`;

describe('STOW-RS: what one request may cost is bounded', () => {
  let t: TestApp;
  let doc: string;
  const ct = sample(CT_SLICE);

  beforeAll(async () => {
    t = await startTestApp({ STOW_MAX_PARTS: '50', STOW_MAX_HEADER_BYTES: '65536' });
    doc = await t.login('doc.hyjq');
  });
  afterAll(async () => {
    await t.close();
  });

  afterEach(async () => {
    // Whatever was refused, the server still stores a normal request, and keeps nothing temporary.
    const res = await stow(t.url, doc, [ct]);
    expect(res.status).toBe(200);
    expect(tempFiles(t)).toEqual([]);
  });

  it('a body of empty parts (the review’s flood): 400 EMPTY_PART at the first one, nothing stored', async () => {
    const before = await instances(t);
    const flood = Buffer.from('--b\r\n\r\n\r\n'.repeat(100_000));
    const res = await post(t, doc, flood, TYPE('b'));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({ reason: 'EMPTY_PART' });
    expect(res.body.error.message).toMatch(/Part 1 of the request is empty/);
    await expect(instances(t)).resolves.toBe(before);
  });

  it('an empty part beside real instances refuses the request, storing none of them', async () => {
    const before = await instances(t);
    const { body, contentType } = multipart([ct, Buffer.alloc(0)]);
    const res = await post(t, doc, body, contentType);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({ reason: 'EMPTY_PART' });
    await expect(instances(t)).resolves.toBe(before);
  });

  it('more parts than STOW_MAX_PARTS: 400 TOO_MANY_PARTS, nothing stored', async () => {
    const before = await instances(t);
    const { body, contentType } = multipart([ct, ...Array.from({ length: 50 }, () => Buffer.from('X'))]);
    const res = await post(t, doc, body, contentType);
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({ reason: 'TOO_MANY_PARTS' });
    expect(res.body.error.message).toMatch(/more than 50 parts/);
    await expect(instances(t)).resolves.toBe(before);
    // as many as the limit are fine
    const ok = await stow(t.url, doc, [ct, ...Array.from({ length: 49 }, () => Buffer.from('X'))]);
    expect(ok.status).toBe(202);
    expect(stowOutcome(ok.body).failed).toHaveLength(49);
  });

  it('part headers larger than STOW_MAX_PART_HEADER_BYTES (8 KiB): 400 PART_HEADERS_TOO_LARGE', async () => {
    const before = await instances(t);
    const header = `Content-Type: application/dicom\r\nX-Padding: ${'p'.repeat(10 * 1024)}`;
    const body = Buffer.concat([Buffer.from(`--b\r\n${header}\r\n\r\n`), ct, Buffer.from('\r\n--b--\r\n')]);
    const res = await post(t, doc, body, TYPE('b'));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({ reason: 'PART_HEADERS_TOO_LARGE' });
    expect(res.body.error.message).toMatch(/8192 bytes/);
    await expect(instances(t)).resolves.toBe(before);
  });

  it('part headers larger than STOW_MAX_HEADER_BYTES together: 400 PART_HEADERS_TOO_LARGE', async () => {
    const header = `Content-Type: application/dicom\r\nX-Padding: ${'p'.repeat(4 * 1024)}`;
    const part = Buffer.concat([
      Buffer.from(`--b\r\n${header}\r\n\r\n`),
      Buffer.from('not dicom'),
      Buffer.from('\r\n'),
    ]);
    const body = Buffer.concat([...Array.from({ length: 20 }, () => part), Buffer.from('--b--\r\n')]);
    const res = await post(t, doc, body, TYPE('b'));
    expect(res.status).toBe(400);
    expect(res.body.error.details).toEqual({ reason: 'PART_HEADERS_TOO_LARGE' });
    expect(res.body.error.message).toMatch(/65536 bytes together/);
  });

  it('transport padding that never ends: 400, not held', async () => {
    const body = Buffer.concat([Buffer.from('--b'), Buffer.alloc(2 * 1024 * 1024, 0x20)]);
    await expect(send(t, doc, body, TYPE('b'))).resolves.toBe(400);
  });
});

describe('STOW-RS: metadata held per request is bounded', () => {
  let t: TestApp;
  let doc: string;

  beforeAll(async () => {
    t = await startTestApp({ STOW_MAX_METADATA_BYTES: '2000' });
    doc = await t.login('doc.hyjq');
  });
  afterAll(async () => {
    await t.close();
  });

  it('instances whose metadata exceeds STOW_MAX_METADATA_BYTES: 413, nothing stored', async () => {
    const before = await instances(t);
    const res = await stow(t.url, doc, [sample(CT_SLICE)]);
    expect(res.status).toBe(413);
    expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(res.body.error.message).toMatch(/metadata of the instances in this request is larger than 2000 bytes/);
    await expect(instances(t)).resolves.toBe(before);
    expect(tempFiles(t)).toEqual([]);
  });
});

// A client that goes away stops the work done for it: what it sent is neither stored nor indexed, and
// nothing temporary stays. Both ways of receiving (in memory, into temporary files).
describe.each([
  ['received in memory', {}],
  ['received into temporary files', { STOW_MEMORY_REQUEST_BYTES: '0' }],
])('STOW-RS (%s): a client that goes away', (_mode, env: Record<string, string>) => {
  let t: TestApp;
  let doc: string;
  const parts = [
    sample(CT_SLICE),
    sample('synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/CT_2_002.dcm'),
    sample('synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/CT_2_003.dcm'),
  ];

  beforeAll(async () => {
    t = await startTestApp(env);
    doc = await t.login('doc.hyjq');
  });
  afterAll(async () => {
    await t.close();
  });

  // Resolves when the server has seen the answer to the next STOW-RS request closed (sent or not).
  function nextStowClosed(): Promise<void> {
    const server = t.app.getHttpServer() as Server;
    return new Promise((resolve) => {
      const onRequest = (req: IncomingMessage, res: ServerResponse) => {
        if (req.method !== 'POST' || !req.url?.startsWith('/dicomweb/studies')) return;
        server.off('request', onRequest);
        res.once('close', () => resolve());
      };
      server.on('request', onRequest);
    });
  }

  // Resolves when the server's work for the next STOW-RS request has ended, however it ended.
  function nextStowDone(): Promise<void> {
    const service = t.app.get(StowService);
    const store = service.store.bind(service);
    return new Promise((resolve) => {
      service.store = (...args) => {
        service.store = store;
        const work = store(...args);
        void work.then(
          () => resolve(),
          () => resolve(),
        );
        return work;
      };
    });
  }

  it('after its last byte, before the answer: nothing is indexed, no temporary file stays', async () => {
    const store = t.app.get<BlobStore>(BLOB_STORE);
    const commit = store.commit.bind(store);
    let entered!: () => void;
    const inCommit = new Promise<void>((r) => (entered = r));
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Holds the request at its first file being stored, so that the client goes away then.
    store.commit = async (temp, sha256) => {
      entered();
      await gate;
      return commit(temp, sha256);
    };
    try {
      const before = await instances(t);
      const closed = nextStowClosed();
      const done = nextStowDone();
      const { body, contentType } = multipart(parts);
      const req = request(`${t.url}/dicomweb/studies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${doc}`, 'content-type': contentType, 'content-length': String(body.length) },
      });
      req.on('error', () => undefined);
      req.end(body);
      await inCommit;
      req.destroy();
      await closed;
      release();
      await done;
      await expect(instances(t)).resolves.toBe(before);
      expect(tempFiles(t)).toEqual([]);
    } finally {
      store.commit = commit;
    }
    const res = await stow(t.url, doc, parts);
    expect(res.status).toBe(200);
  });

  it('halfway through its body: no rows, no temporary files', async () => {
    const before = await instances(t);
    const closed = nextStowClosed();
    const done = nextStowDone();
    const { body, contentType } = multipart(parts);
    const req = request(`${t.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${doc}`, 'content-type': contentType, 'content-length': String(body.length) },
    });
    req.on('error', () => undefined);
    await new Promise<void>((resolve) => req.write(body.subarray(0, Math.floor(body.length * 0.6)), () => resolve()));
    req.destroy();
    await closed;
    await done;
    expect(tempFiles(t)).toEqual([]);
    await expect(instances(t)).resolves.toBe(before);
  });
});
