import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { CT_SLICE, sample } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const TUS = { 'tus-resumable': '1.0.0' };

describe('resumable uploads (tus) feed the same ingest', () => {
  let t: TestApp;
  let doc: string;
  const ct = sample(CT_SLICE);

  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
  });
  afterAll(async () => {
    await t.close();
  });

  const create = async (token: string, length: number) => {
    const res = await fetch(`${t.url}/api/uploads`, {
      method: 'POST',
      headers: {
        ...TUS,
        authorization: `Bearer ${token}`,
        'upload-length': String(length),
        'upload-metadata': `filename ${Buffer.from('ct.dcm').toString('base64')}`,
      },
    });
    expect(res.status).toBe(201);
    return new URL(res.headers.get('location')!, `${t.url}/api/uploads`).pathname;
  };
  const patch = (path: string, offset: number, body: Buffer, token = doc) =>
    fetch(`${t.url}${path}`, {
      method: 'PATCH',
      headers: {
        ...TUS,
        authorization: `Bearer ${token}`,
        'upload-offset': String(offset),
        'content-type': 'application/offset+octet-stream',
      },
      body,
    });
  const head = (path: string, token = doc) =>
    fetch(`${t.url}${path}`, { method: 'HEAD', headers: { ...TUS, authorization: `Bearer ${token}` } });

  it('an upload dropped halfway resumes from what arrived, and the finished file is stored like STOW-RS', async () => {
    const path = await create(doc, ct.length);
    // Send 60 % of the file, then the connection drops.
    const sent = Math.floor(ct.length * 0.6);
    await new Promise<void>((resolve) => {
      const req = request(`${t.url}${path}`, {
        method: 'PATCH',
        headers: {
          ...TUS,
          authorization: `Bearer ${doc}`,
          'upload-offset': '0',
          'content-type': 'application/offset+octet-stream',
          'content-length': String(ct.length),
        },
      });
      req.on('error', () => resolve());
      req.write(ct.subarray(0, sent), () =>
        setTimeout(() => {
          req.destroy();
          resolve();
        }, 200),
      );
    });
    await new Promise((r) => setTimeout(r, 200));
    const h = await head(path);
    expect(h.status).toBe(200);
    const offset = Number(h.headers.get('upload-offset'));
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(sent);
    expect((await t.db.query('SELECT count(*)::int AS n FROM instance')).rows[0].n).toBe(0);
    // Resume: only the rest is sent.
    const done = await patch(path, offset, ct.subarray(offset));
    expect(done.status).toBe(200);
    const body: any = await done.json();
    expect(body['00081199'].Value[0]['00081155'].Value[0]).toBe('2.25.190367113947790185605933099962223089727');
    const { rows } = await t.db.query('SELECT size_bytes FROM instance');
    expect(rows).toEqual([{ size_bytes: String(ct.length) }]);
    expect(readdirSync(join(t.config.dataDir, 'uploads')).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('an upload belongs to the one who created it: 404 for anyone else', async () => {
    const path = await create(doc, ct.length);
    const other = await t.login('doc.hyqc');
    expect((await head(path, other)).status).toBe(404);
    expect((await patch(path, 0, ct, other)).status).toBe(404);
    const radiologist = await t.login('rad.li');
    expect((await head(path, radiologist)).status).toBe(403);
    expect((await fetch(`${t.url}${path}`, { method: 'HEAD', headers: TUS })).status).toBe(401);
  });

  it('a finished upload that is not DICOM is refused with the reason and removed', async () => {
    const junk = Buffer.from('this is a scanned referral letter, not DICOM');
    const path = await create(doc, junk.length);
    const res = await patch(path, 0, junk);
    expect(res.status).toBe(422);
    const body: any = await res.json();
    expect(body['00081198'].Value[0]['00000902'].Value[0]).toMatch(/^NOT_DICOM/);
    expect(readdirSync(join(t.config.dataDir, 'uploads')).filter((f) => path.endsWith(f.replace('.json', '')))).toEqual(
      [],
    );
  });

  it('refuses an upload larger than the instance limit when it is created', async () => {
    const res = await fetch(`${t.url}/api/uploads`, {
      method: 'POST',
      headers: { ...TUS, authorization: `Bearer ${doc}`, 'upload-length': String(t.config.stowMaxPartBytes + 1) },
    });
    expect(res.status).toBe(413);
  });
  it('an upload made for a referral joins it on the server, and one naming a referral it may not use is refused before any byte', async () => {
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`);
    const created = await fetch(`${t.url}/api/referrals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${doc}`, 'content-type': 'application/json' },
      body: JSON.stringify({ patientId: rows[0].id, service: 'IMAGING', modality: 'CT', priority: 'ROUTINE' }),
    });
    expect(created.status).toBe(201);
    const referral = ((await created.json()) as { id: string }).id;
    const metadata = (id: string) =>
      `filename ${Buffer.from('ct.dcm').toString('base64')},referral ${Buffer.from(id).toString('base64')}`;
    const start = (token: string, id: string) =>
      fetch(`${t.url}/api/uploads`, {
        method: 'POST',
        headers: {
          ...TUS,
          authorization: `Bearer ${token}`,
          'upload-length': String(ct.length),
          'upload-metadata': metadata(id),
        },
      });

    // Another centre's doctor, or an unknown referral: 404 at creation, nothing kept.
    const before = readdirSync(join(t.config.dataDir, 'uploads')).length;
    for (const [token, id] of [
      [await t.login('doc.hyqc'), referral],
      [doc, '00000000-0000-4000-8000-000000000000'],
      [doc, 'not-a-referral'],
    ] as const) {
      const refused = await start(token, id);
      expect(refused.status).toBe(404);
    }
    expect(readdirSync(join(t.config.dataDir, 'uploads'))).toHaveLength(before);

    const res = await start(doc, referral);
    expect(res.status).toBe(201);
    const path = new URL(res.headers.get('location')!, `${t.url}/api/uploads`).pathname;
    const done = await patch(path, 0, ct);
    expect(done.status).toBe(200);
    const linked = await t.db.query(
      `SELECT r.snapshot->>'studyCount' AS n, count(s.id)::int AS studies
         FROM referral r LEFT JOIN study s ON s.referral_id = r.id WHERE r.id = $1 GROUP BY r.id`,
      [referral],
    );
    expect(linked.rows[0]).toEqual({ n: '1', studies: 1 });
  });
});
