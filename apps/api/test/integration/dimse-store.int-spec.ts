import { parseHeader } from '@zhiyin/dicom';
import dimse from 'dcmjs-dimse';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withAccessionNumber } from '../support/dicom-edit.js';
import { SHARED_DATA, sample, stow, stowOutcome, walk } from '../support/dicom-files.js';
import { dcmtk } from '../support/dcmtk.js';
import { freePort } from '../support/ports.js';
import { asFileOf } from '../support/referrals.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { multipartBodies } from '../support/multipart.js';

// The group 0002 of a Part-10 file, and the data set after it.
function split(file: Buffer): { meta: Record<string, string>; dataset: Buffer } {
  const end = 144 + file.readUInt32LE(140);
  const h = parseHeader(file, { totalLength: file.length, validate: false });
  return {
    meta: { ts: h.summary.transferSyntaxUid, sopInstanceUid: h.summary.sopInstanceUid! },
    dataset: file.subarray(end),
  };
}

const parts = multipartBodies;

// The storescu option that proposes a file's own (compressed) transfer syntax, so that it is sent as it is
// kept; uncompressed files use storescu's default proposal.
const PROPOSE: Record<string, string> = {
  '1.2.840.10008.1.2.4.70': '-xs',
  '1.2.840.10008.1.2.4.50': '-xy',
  '1.2.840.10008.1.2.4.51': '-xx',
  '1.2.840.10008.1.2.4.90': '-xv',
  '1.2.840.10008.1.2.4.91': '-xw',
  '1.2.840.10008.1.2.4.80': '-xt',
  '1.2.840.10008.1.2.5': '-xr',
  '1.2.840.10008.1.2.1.99': '-xd',
};

const statusOf = (out: string) => /Received Store Response \(([^)]*)\)/.exec(out)?.[1] ?? 'none';

// C-STORE SCP with dcmtk's storescu as the modality and dcmtk's storescp (bit-preserving) as the reference
// for what storescu sent.
describe('C-STORE SCP into the STOW-RS ingest', () => {
  let t: TestApp;
  let admin: string;
  let doc: string;
  let port: number;
  let refPort: number;
  let ref: ChildProcess;
  let refDir: string;
  let jianqiao: string;

  const store = (files: string[], extra: string[] = [], calling = 'HYJQ_DR1') =>
    dcmtk('storescu', ['-v', '-nh', ...extra, '-aet', calling, '-aec', 'ZHIYIN', '127.0.0.1', String(port), ...files]);
  const counts = async () =>
    (
      await t.db.query<{ n: number }>(
        `SELECT (SELECT count(*) FROM instance)::int + (SELECT count(*) FROM study)::int AS n`,
      )
    ).rows[0]!.n;

  beforeAll(async () => {
    [port, refPort] = await Promise.all([freePort(), freePort()]);
    t = await startTestApp({ DICOM_PORT: String(port) });
    [admin, doc] = await Promise.all([t.login('admin'), t.login('doc.hyjq')]);
    jianqiao = (await t.db.query<{ id: string }>(`SELECT id FROM facility WHERE code = 'HYJQ'`)).rows[0]!.id;
    const reg = await api(t, 'POST', '/api/dicom/aes', {
      token: admin,
      body: { aeTitle: 'HYJQ_DR1', facilityId: jianqiao, kind: 'modality', modality: 'DX' },
    });
    expect(reg.status).toBe(201);
    refDir = mkdtempSync(join(tmpdir(), 'zhiyin-storescp-'));
    ref = spawn('storescp', ['+B', '+xa', '--promiscuous', '-aet', 'REF', '-od', refDir, '--fork', String(refPort)], {
      stdio: 'ignore',
    });
    // wait until the reference answers C-ECHO
    for (let i = 0; i < 50; i++) {
      if ((await dcmtk('echoscu', ['-aec', 'REF', '127.0.0.1', String(refPort)])).code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });
  afterAll(async () => {
    ref?.kill('SIGTERM');
    rmSync(refDir, { recursive: true, force: true });
    await t.close();
  });

  it('stores every shared DICOM sample storescu sends, byte for byte as sent; QIDO finds each and WADO-RS returns it', async () => {
    const files = [...walk('dicom'), ...walk('ecg')].filter((f) => {
      if (f.endsWith('DICOMDIR')) return false; // a directory, not an instance: storescu does not send it
      const b = sample(f);
      return b.length > 132 && b.subarray(128, 132).toString('latin1') === 'DICM';
    });
    expect(files.length).toBeGreaterThan(60);
    const first = new Map<string, Buffer>(); // SOP Instance UID -> data set as first sent
    let stored = 0;
    for (const f of files) {
      const original = sample(f);
      const h = parseHeader(original, { totalLength: original.length, validate: false }).summary;
      const option = PROPOSE[h.transferSyntaxUid];
      const extra = ['-R', ...(option ? [option] : [])];
      const got = await store([join(SHARED_DATA, f)], extra);
      // What storescu sent, as dcmtk's own SCP kept it bit for bit.
      const dir = mkdtempSync(join(refDir, 'f-'));
      const refRun = await dcmtk('storescu', [
        ...extra,
        '-aec',
        'REF',
        '127.0.0.1',
        String(refPort),
        join(SHARED_DATA, f),
      ]);
      expect([f, refRun.code, refRun.out]).toEqual([f, 0, refRun.out]);
      let refFiles: string[] = [];
      for (let i = 0; i < 40 && refFiles.length === 0; i++) {
        refFiles = readdirSync(refDir).filter((n) => !n.startsWith('f-'));
        if (refFiles.length === 0) await new Promise((r) => setTimeout(r, 50));
      }
      expect(refFiles).toHaveLength(1);
      const sent = readFileSync(join(refDir, refFiles[0]!));
      rmSync(join(refDir, refFiles[0]!));
      rmSync(dir, { recursive: true });
      const sentSplit = split(sent);

      const earlier = first.get(h.sopInstanceUid!);
      if (earlier && !earlier.equals(sentSplit.dataset)) {
        // Other bytes under a stored SOP Instance UID: refused, never overwritten (as STOW-RS does).
        expect([f, statusOf(got.out)]).toEqual([f, 'Unknown Status: 0x111']);
        continue;
      }
      expect([f, statusOf(got.out)]).toEqual([f, 'Success']);
      first.set(h.sopInstanceUid!, sentSplit.dataset);
      stored++;

      const found = await api(
        t,
        'GET',
        `/dicomweb/studies/${h.studyInstanceUid}/series/${h.seriesInstanceUid}/instances?SOPInstanceUID=${h.sopInstanceUid}`,
        { token: doc },
      );
      expect([f, found.status, found.body?.length]).toEqual([f, 200, 1]);
      const res = await fetch(
        `${t.url}/dicomweb/studies/${h.studyInstanceUid}/series/${h.seriesInstanceUid}/instances/${h.sopInstanceUid}`,
        { headers: { authorization: `Bearer ${doc}`, accept: 'multipart/related; type="application/dicom"' } },
      );
      expect(res.status).toBe(200);
      const [kept] = parts(Buffer.from(await res.arrayBuffer()), res.headers.get('content-type')!);
      const keptSplit = split(kept!);
      expect([f, keptSplit.meta]).toEqual([f, sentSplit.meta]);
      expect([f, keptSplit.dataset.equals(sentSplit.dataset)]).toEqual([f, true]);
    }
    expect(stored).toBeGreaterThan(50);
    // Every store is in the audit trail as the device's (a modality, not a doctor), in its centre.
    const { rows } = await t.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM audit_event a JOIN dicom_ae d ON d.id::text = a.actor_id
        WHERE a.action = 'study.store' AND a.facility_id = $1 AND d.ae_title = 'HYJQ_DR1'
          AND a.actor_role = 'modality'`,
      [jianqiao],
    );
    expect(rows[0]!.n).toBeGreaterThanOrEqual(stored);
  });

  it('sends the same instance again: success, nothing duplicated', async () => {
    const file = join(SHARED_DATA, 'dicom/pydicom__CT_small.dcm');
    await expect(store([file])).resolves.toMatchObject({ out: expect.stringContaining('(Success)') });
    const before = await counts();
    await expect(store([file])).resolves.toMatchObject({ out: expect.stringContaining('(Success)') });
    await expect(counts()).resolves.toBe(before);
  });

  it('links a study whose Accession Number is a referral number of the AE’s centre to that referral', async () => {
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`);
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId: rows[0].id, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '胸闷待查' },
    });
    expect(created.status).toBe(201);
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-acc-'));
    const path = join(dir, 'ecg.dcm');
    // an ECG no other test here sends
    writeFileSync(
      path,
      withAccessionNumber(
        // recorded for this referral's patient, as the centre's ECG cart would
        await asFileOf(t, sample('synthetic-dataset/BJDX/BJDX171271/BJDX24032900090/ECG_4_001.dcm'), rows[0].id),
        created.body.number,
      ),
    );
    await expect(store([path])).resolves.toMatchObject({ out: expect.stringContaining('(Success)') });
    rmSync(dir, { recursive: true });
    const linked = await t.db.query(`SELECT 1 FROM study WHERE referral_id = $1`, [created.body.id]);
    expect(linked.rowCount).toBe(1);
  });

  it('refuses a study of another centre with the neutral 0x0110 (no hint that it exists) and changes nothing', async () => {
    // HYQC sends a study first over STOW-RS; HYJQ's modality then sends an instance of that study.
    const qingchuan = await t.login('doc.hyqc');
    const other = sample('synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/CT_2_001.dcm');
    expect((await stow(t.url, qingchuan, [other])).status).toBe(200);
    const before = await counts();
    const second = readdirSync(join(SHARED_DATA, 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000')).find(
      (n) => n.startsWith('CT_2_') && n !== 'CT_2_001.dcm',
    )!;
    const got = await store([join(SHARED_DATA, 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000', second)]);
    // The same refusal as any UID the index cannot take (STOW-RS UID_NOT_ACCEPTED): nothing tells this
    // centre that another holds the study.
    expect(statusOf(got.out)).toMatch(/0x110\b/i);
    await expect(counts()).resolves.toBe(before);
  });

  it('answers a truncated or non-DICOM data set with the status STOW-RS gives the same bytes (A900/C000), a data set of another instance with A900, and stores nothing', async () => {
    // dcmtk's storescu will not send a broken file, so these come from dcmjs-dimse as the SCU, whose
    // data set bytes are given here as they go on the wire.
    // Implicit VR Little Endian: the transfer syntax dcmjs-dimse proposes, so the bytes go as given.
    const whole = sample('dicom/pydicom__MR_small_implicit.dcm');
    const { dataset } = split(whole);
    const ids = h(whole);
    const before = await counts();
    const send = (raw: Buffer, uid: string) => sendRaw(port, raw, ids.sopClassUid!, uid);
    // The same bytes as a Part-10 file over STOW-RS: the C-STORE status must be the STOW-RS failure reason.
    const overStow = async (raw: Buffer) => {
      const file = Buffer.concat([whole.subarray(0, 144 + whole.readUInt32LE(140)), raw]);
      const { failed } = stowOutcome((await stow(t.url, doc, [file])).body);
      return { status: failed[0].reason as number, comment: (failed[0].comment as string).split(':')[0] };
    };
    const broken = [
      // cut inside an element of the header
      dataset.subarray(0, dataset.indexOf(Buffer.from(ids.sopInstanceUid!, 'latin1')) + 5),
      // cut inside the pixel data
      dataset.subarray(0, dataset.length - 4000),
      Buffer.from('this is not a DICOM data set at all!'),
    ];
    for (const raw of broken) {
      const answer = await send(raw, ids.sopInstanceUid!);
      expect([0xa900, 0xc000]).toContain(answer.status);
      await expect(overStow(raw)).resolves.toEqual(answer);
    }
    await expect(send(broken[2]!, ids.sopInstanceUid!)).resolves.toMatchObject({ status: 0xc000 });
    // a whole data set under another SOP Instance UID than the command's
    await expect(send(dataset, '1.2.3.4.5.6.7.3')).resolves.toEqual({ status: 0xa900, comment: 'SOP_UID_MISMATCH' });
    await expect(counts()).resolves.toBe(before);
    const refused = await t.db.query(
      `SELECT 1 FROM audit_event WHERE action = 'study.store' AND outcome = 'failed' AND facility_id = $1`,
      [jianqiao],
    );
    expect(refused.rowCount).toBeGreaterThanOrEqual(3);
  });

  it('accepts no storage context for an AE that is not a modality (no acceptable presentation context)', async () => {
    const hub = (await t.db.query<{ id: string }>(`SELECT id FROM facility WHERE kind = 'hub' LIMIT 1`)).rows[0]!.id;
    const centre = (await t.db.query<{ id: string }>(`SELECT id FROM reading_centre WHERE service = 'IMAGING'`))
      .rows[0]!.id;
    const ws = await api(t, 'POST', '/api/dicom/aes', {
      token: admin,
      body: { aeTitle: 'HUB_WS1', facilityId: hub, kind: 'workstation', readingCentreId: centre },
    });
    expect(ws.status).toBe(201);
    const before = await counts();
    const got = await store([join(SHARED_DATA, 'dicom/pydicom__MR_small.dcm')], [], 'HUB_WS1');
    expect(got.out).toMatch(/No presentation context|no acceptable presentation context/i);
    await expect(counts()).resolves.toBe(before);
  });
});

// A C-STORE whose data set is exactly the given bytes (Implicit VR Little Endian), sent by dcmjs-dimse.
class RawDataset extends dimse.Dataset {
  constructor(
    private readonly raw: Buffer,
    elements: Record<string, unknown>,
  ) {
    super(elements, '1.2.840.10008.1.2');
  }
  override getDenaturalizedDataset(): Buffer {
    return this.raw;
  }
}

function sendRaw(
  port: number,
  raw: Buffer,
  sopClassUid: string,
  sopInstanceUid: string,
): Promise<{ status: number; comment?: string }> {
  const client = new dimse.Client();
  const request = new dimse.requests.CStoreRequest(
    new RawDataset(raw, { SOPClassUID: sopClassUid, SOPInstanceUID: sopInstanceUid }),
  );
  return new Promise((resolve, reject) => {
    request.on('response', (r) =>
      resolve({ status: r.getStatus(), ...(r.getErrorComment() ? { comment: r.getErrorComment() } : {}) }),
    );
    client.on('networkError', reject);
    client.on('associationRejected', () => reject(new Error('association rejected')));
    client.addRequest(request);
    client.send('127.0.0.1', port, 'HYJQ_DR1', 'ZHIYIN');
  });
}

const h = (b: Buffer) => parseHeader(b, { totalLength: b.length, validate: false }).summary;
