import { decodeEcg, parseFull, type EcgGroup } from '@zhiyin/dicom';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { sample } from '../support/dicom-files.js';
import { multipartBodies } from '../support/multipart.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

const TUS = { 'tus-resumable': '1.0.0' };
const AECG = sample('ecg/real_mortara_12lead_aecg.xml');
const SCP = sample('ecg/real_mortara_12lead_scpecg.scp');
const ORIGINAL: EcgGroup = decodeEcg(parseFull(sample('ecg/real_mortara_12lead_waveform_ecg.dcm'))).groups.find(
  (g) => g.label === 'RHYTHM',
)!;
const TWELVE_LEAD = '1.2.840.10008.5.1.4.1.1.9.1.1';

function pdf(): Promise<Buffer> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4', layout: 'landscape' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.fontSize(20).text('12-lead ECG 25 mm/s 10 mm/mV');
    doc.moveTo(50, 200).lineTo(100, 150).lineTo(120, 250).lineTo(700, 200).stroke();
    doc.end();
  });
}

// A photographed paper ECG: pink grid, a black trace.
async function photo(format: 'jpeg' | 'png'): Promise<Buffer> {
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="640" height="240"><rect width="640" height="240" fill="#fde"/>` +
      `<polyline points="0,120 200,120 210,40 220,180 230,120 640,120" stroke="black" fill="none" stroke-width="3"/></svg>`,
  );
  const img = sharp(svg);
  return format === 'jpeg' ? img.jpeg({ quality: 90 }).toBuffer() : img.png().toBuffer();
}

describe('ECG carts’ formats uploaded into a referral become DICOM of the referral’s patient', () => {
  let t: TestApp;
  let doc: string;
  let otherDoc: string;
  let referral: string;
  let mrn: string;

  beforeAll(async () => {
    t = await startTestApp();
    [doc, otherDoc] = await Promise.all([t.login('doc.hyjq'), t.login('doc.hyqc')]);
    const { rows } = await t.db.query(`SELECT id, mrn FROM patient WHERE mrn = 'BJCY100000'`);
    mrn = rows[0].mrn;
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId: rows[0].id, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '胸闷' },
    });
    expect(created.status).toBe(201);
    referral = created.body.id;
  });
  afterAll(async () => {
    await t.close();
  });

  const upload = async (bytes: Buffer, name: string, into: string | null = referral) => {
    const meta = [`filename ${Buffer.from(name).toString('base64')}`];
    if (into) meta.push(`referral ${Buffer.from(into).toString('base64')}`);
    const created = await fetch(`${t.url}/api/uploads`, {
      method: 'POST',
      headers: {
        ...TUS,
        authorization: `Bearer ${doc}`,
        'upload-length': String(bytes.length),
        'upload-metadata': meta.join(','),
      },
    });
    expect(created.status).toBe(201);
    const path = new URL(created.headers.get('location')!, `${t.url}/api/uploads`).pathname;
    const res = await fetch(`${t.url}${path}`, {
      method: 'PATCH',
      headers: {
        ...TUS,
        authorization: `Bearer ${doc}`,
        'upload-offset': '0',
        'content-type': 'application/offset+octet-stream',
      },
      body: bytes,
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };

  const storedInstance = (body: any) => {
    const url: string = body['00081199'].Value[0]['00081190'].Value[0];
    return new URL(url).pathname;
  };
  const retrieve = async (instancePath: string, token = doc) => {
    const res = await fetch(`${t.url}${instancePath}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'multipart/related; type="application/dicom"' },
    });
    expect(res.status).toBe(200);
    const [part] = multipartBodies(Buffer.from(await res.arrayBuffer()), res.headers.get('content-type')!);
    return part!;
  };
  const original = (instancePath: string, token = doc) =>
    fetch(`${t.url}${instancePath}/original`, { headers: { authorization: `Bearer ${token}` } });
  const counts = async () =>
    (
      await t.db.query(
        `SELECT (SELECT count(*)::int FROM instance) AS instances, (SELECT count(*)::int FROM instance_original) AS originals`,
      )
    ).rows[0];

  /** Every lead of the stored instance against the DICOM original: the largest difference in µV. */
  const worst = (dicom: Buffer, relative: boolean) => {
    const g = decodeEcg(parseFull(dicom)).groups[0]!;
    expect(g.leads.map((l) => l.label)).toEqual(ORIGINAL.leads.map((l) => l.label));
    expect(g.samplingFrequency).toBe(1000);
    expect(g.numberOfSamples).toBe(10000);
    let w = 0;
    for (const l of g.leads) {
      const o = ORIGINAL.leads.find((x) => x.label === l.label)!;
      for (let i = 0; i < g.numberOfSamples; i++) {
        const d = Math.abs(l.microvolts[i]! - o.microvolts[i]!);
        w = Math.max(w, relative ? d / Math.max(Math.abs(o.microvolts[i]!), 1) : d);
      }
    }
    return w;
  };

  for (const [name, bytes, relative, limit] of [
    // aECG carries the same 1.25 µV steps: equal
    ['real_mortara_12lead_aecg.xml', AECG, false, 1e-6],
    // the SCP-ECG's amplitude multiplier is 1251 nV for the original's 1250: within 0.08 % of each value
    // (plus the float32 rounding of the decoded microvolts)
    ['real_mortara_12lead_scpecg.scp', SCP, true, 0.0008 + 1e-6],
  ] as const) {
    it(`${name.split('.').pop()} → a 12-lead ECG instance of the referral’s patient, in the original’s microvolts, the file kept byte for byte`, async () => {
      const res = await upload(bytes, name);
      expect(res.status).toBe(200);
      const path = storedInstance(res.body);
      const dicom = await retrieve(path);
      const ds = parseFull(dicom);
      expect(worst(dicom, relative)).toBeLessThanOrEqual(limit);
      const { rows } = await t.db.query(
        `SELECT i.sop_class_uid, s.referral_id, s.patient_id, p.mrn, s.dicom_patient_id
           FROM instance i JOIN study s ON s.id = i.study_id LEFT JOIN patient p ON p.id = s.patient_id
          WHERE i.sop_instance_uid = $1`,
        [res.body['00081199'].Value[0]['00081155'].Value[0]],
      );
      // the referral's patient, not the identity in the file (642341)
      expect(rows[0]).toMatchObject({ sop_class_uid: TWELVE_LEAD, referral_id: referral, mrn, dicom_patient_id: mrn });
      expect(ds).toBeDefined();
      const kept = await original(path);
      expect(kept.status).toBe(200);
      expect(Buffer.from(await kept.arrayBuffer()).equals(bytes)).toBe(true);
      // the study says which of its instances came as another format
      const studyPath = path.split('/series/')[0]!;
      const listed = await fetch(`${t.url}${studyPath}/originals`, { headers: { authorization: `Bearer ${doc}` } });
      expect(listed.status).toBe(200);
      expect(await listed.json()).toEqual([
        expect.objectContaining({
          sopInstanceUid: res.body['00081199'].Value[0]['00081155'].Value[0],
          format: name.endsWith('.xml') ? 'aecg' : 'scp-ecg',
          sizeBytes: bytes.length,
        }),
      ]);
      // another centre sees neither the instance nor its original
      expect((await original(path, otherDoc)).status).toBe(404);
      expect(
        (await fetch(`${t.url}${studyPath}/originals`, { headers: { authorization: `Bearer ${otherDoc}` } })).status,
      ).toBe(404);
      const audit = await t.db.query(
        `SELECT count(*)::int AS n FROM audit_event WHERE action = 'study.retrieve' AND details->>'what' = 'original'`,
      );
      expect(audit.rows[0].n).toBeGreaterThan(0);
    });
  }

  it('the same aECG sent again (a retried upload) is the instance it became the first time, not a second one', async () => {
    const first = await upload(AECG, 'again.xml');
    const before = await counts();
    const again = await upload(AECG, 'again.xml');
    expect(again.status).toBe(200);
    expect(again.body['00081199'].Value[0]['00081155'].Value[0]).toBe(
      first.body['00081199'].Value[0]['00081155'].Value[0],
    );
    expect(await counts()).toEqual(before);
  });

  it('a PDF-only ECG is stored as Encapsulated PDF and given back whole', async () => {
    const file = await pdf();
    const res = await upload(file, 'ecg.pdf');
    expect(res.status).toBe(200);
    const path = storedInstance(res.body);
    const meta = await fetch(`${t.url}${path}/metadata`, { headers: { authorization: `Bearer ${doc}` } });
    const [m]: any[] = (await meta.json()) as any[];
    expect(m['00080016'].Value[0]).toBe('1.2.840.10008.5.1.4.1.1.104.1');
    expect(m['00420012'].Value[0]).toBe('application/pdf');
    const bulk = await fetch(`${t.url}${path}/bulk/00420011`, {
      headers: { authorization: `Bearer ${doc}`, accept: 'application/octet-stream' },
    });
    expect(bulk.status).toBe(200);
    const got = Buffer.from(await bulk.arrayBuffer());
    expect(got.subarray(0, file.length).equals(file)).toBe(true);
    expect(got.length - file.length).toBeLessThanOrEqual(1);
  });

  for (const format of ['jpeg', 'png'] as const) {
    it(`a ${format} photo of a paper ECG is stored as a Secondary Capture image and renders`, async () => {
      const file = await photo(format);
      const res = await upload(file, `ecg.${format === 'jpeg' ? 'jpg' : 'png'}`);
      expect(res.status).toBe(200);
      const path = storedInstance(res.body);
      const { rows } = await t.db.query(
        'SELECT sop_class_uid, transfer_syntax_uid FROM instance WHERE sop_instance_uid = $1',
        [res.body['00081199'].Value[0]['00081155'].Value[0]],
      );
      expect(rows[0]).toEqual({
        sop_class_uid: '1.2.840.10008.5.1.4.1.1.7',
        transfer_syntax_uid: format === 'jpeg' ? '1.2.840.10008.1.2.4.50' : '1.2.840.10008.1.2.1',
      });
      const rendered = await fetch(`${t.url}${path}/rendered`, {
        headers: { authorization: `Bearer ${doc}`, accept: 'image/png' },
      });
      expect(rendered.status).toBe(200);
      const img = await sharp(Buffer.from(await rendered.arrayBuffer())).metadata();
      expect([img.width, img.height]).toEqual([640, 240]);
      const kept = await original(path);
      expect(Buffer.from(await kept.arrayBuffer()).equals(file)).toBe(true);
    });
  }

  it('a malformed aECG, SCP-ECG or PDF is refused with the reason and nothing is stored', async () => {
    const before = await counts();
    const flipped = Buffer.from(SCP);
    flipped[40000] = flipped[40000]! ^ 0x55;
    const file = await pdf();
    for (const [name, bytes, code] of [
      ['cut.xml', AECG.subarray(0, 200_000), 'ECG_FILE_INVALID'],
      [
        'notaecg.xml',
        Buffer.from('<?xml version="1.0"?><ClinicalDocument xmlns="urn:hl7-org:v3"/>'),
        'ECG_FILE_INVALID',
      ],
      ['damaged.scp', flipped, 'ECG_FILE_INVALID'],
      ['cut.pdf', file.subarray(0, Math.floor(file.length / 2)), 'DOCUMENT_INVALID'],
    ] as const) {
      const res = await upload(bytes, name);
      expect({ name, status: res.status, code: res.body?.error?.code }).toEqual({ name, status: 422, code });
      expect(res.body.error.message).toMatch(/cannot be read/);
    }
    expect(await counts()).toEqual(before);
    expect(readdirSync(join(t.config.dataDir, 'uploads')).filter((f) => !f.startsWith('.'))).toEqual([]);
  });

  it('without a referral there is no patient to file it under: refused with a clear message', async () => {
    const before = await counts();
    const res = await upload(AECG, 'ecg.xml', null);
    expect(res.status).toBe(422);
    expect(res.body.error.code).toBe('REFERRAL_REQUIRED');
    expect(await counts()).toEqual(before);
  });
});
