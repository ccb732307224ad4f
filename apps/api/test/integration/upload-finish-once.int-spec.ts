import { createHash } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { CT_SLICE, sample } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TUS = { 'tus-resumable': '1.0.0' };

/** The CT slice with a private 40 MB block of zeros before its pixel data: a large file that deflates to little. */
function largeCompressibleCt(): Buffer {
  const ct = sample(CT_SLICE);
  const pixelTag = Buffer.from([0xe0, 0x7f, 0x10, 0x00]);
  const at = ct.lastIndexOf(pixelTag);
  const creator = Buffer.from('ZHIYIN TEST ', 'latin1');
  const creatorEl = Buffer.alloc(8);
  creatorEl.writeUInt16LE(0x7fdf, 0);
  creatorEl.writeUInt16LE(0x0010, 2);
  creatorEl.write('LO', 4, 'latin1');
  creatorEl.writeUInt16LE(creator.length, 6);
  const zeros = 40 * 1024 * 1024;
  const blockEl = Buffer.alloc(12);
  blockEl.writeUInt16LE(0x7fdf, 0);
  blockEl.writeUInt16LE(0x1001, 2);
  blockEl.write('OB', 4, 'latin1');
  blockEl.writeUInt32LE(zeros, 8);
  return Buffer.concat([ct.subarray(0, at), creatorEl, creator, blockEl, Buffer.alloc(zeros), ct.subarray(at)]);
}

// tus releases its lock before the upload is finished (inflated, checked, ingested), so a sender that resumes after a
// lost answer — HEAD says every byte is there, it sends the empty rest — completes the same upload a second time while
// the first finish runs. Both must get the one answer of one finish: the file stored once, never BAD_ENCODING.
describe('an upload completed twice at once is finished once', () => {
  let t: TestApp;
  let doc: string;
  let original: Buffer;
  let deflated: Buffer;

  beforeAll(async () => {
    // Built before the server starts: a connection left idle for the seconds this takes would be closed under fetch.
    original = largeCompressibleCt();
    deflated = deflateSync(original);
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
  });
  afterAll(() => t?.close());

  it('answers the resent empty PATCH with the first finish’s answer, and stores the file once', async () => {
    const sha256 = createHash('sha256').update(original).digest('hex');
    const meta = { filename: 'ct.dcm', encoding: 'deflate', sha256 };
    const created = await fetch(`${t.url}/api/uploads`, {
      method: 'POST',
      headers: {
        ...TUS,
        authorization: `Bearer ${doc}`,
        'upload-length': String(deflated.length),
        'upload-metadata': Object.entries(meta)
          .map(([k, v]) => `${k} ${Buffer.from(v).toString('base64')}`)
          .join(','),
      },
    });
    expect(created.status).toBe(201);
    const url = new URL(created.headers.get('location')!, `${t.url}/api/uploads`).toString();
    const patch = (offset: number, body: Buffer) =>
      fetch(url, {
        method: 'PATCH',
        headers: {
          ...TUS,
          authorization: `Bearer ${doc}`,
          'upload-offset': String(offset),
          'content-type': 'application/offset+octet-stream',
        },
        body: new Uint8Array(body),
      });

    let firstAnswered = false;
    const first = patch(0, deflated).then(async (r) => {
      firstAnswered = true;
      return { status: r.status, body: await r.text() };
    });
    // Every byte written (the first PATCH is now being finished): what a resuming sender learns from HEAD.
    for (;;) {
      const head = await fetch(url, { method: 'HEAD', headers: { ...TUS, authorization: `Bearer ${doc}` } });
      if (Number(head.headers.get('upload-offset')) === deflated.length) break;
      await new Promise((r) => setTimeout(r, 5));
    }
    // The race this test is about needs the first finish still running (40 MB to inflate, hash and store).
    expect(firstAnswered).toBe(false);
    const second = await patch(deflated.length, Buffer.alloc(0));
    const secondAnswer = { status: second.status, body: await second.text() };
    const firstAnswer = await first;

    expect(firstAnswer.status).toBe(200);
    expect(secondAnswer).toEqual(firstAnswer);
    const { rows } = await t.db.query<{ size_bytes: string }>('SELECT size_bytes FROM instance WHERE sha256 = $1', [
      sha256,
    ]);
    expect(rows.map((r) => Number(r.size_bytes))).toEqual([original.length]);
    // Nothing of the upload is left behind.
    const head = await fetch(url, { method: 'HEAD', headers: { ...TUS, authorization: `Bearer ${doc}` } });
    expect(head.status).toBe(404);
  }, 120_000);
});
