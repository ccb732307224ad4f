import { parseHeader } from '@zhiyin/dicom';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { withAccessionNumber } from '../support/dicom-edit.js';
import { sample } from '../support/dicom-files.js';
import { dcmtk } from '../support/dcmtk.js';
import { freePort } from '../support/ports.js';
import { asFileOf } from '../support/referrals.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { multipartBodies } from '../support/multipart.js';
import { recordConsent } from '../support/referrals.js';

const summary = (b: Buffer) => parseHeader(b, { totalLength: b.length, validate: false }).summary;
// The data set of a Part-10 file (after its File Meta Information).
const datasetOf = (file: Buffer) => file.subarray(144 + file.readUInt32LE(140));

const parts = multipartBodies;

// Study Root Query/Retrieve – FIND (PS3.4 C.4.1, C.6.2) with dcmtk's findscu -S as the hub workstation.
describe('Study Root C-FIND SCP for the hub workstations', () => {
  let t: TestApp;
  let port: number;
  // the imaging study (CT and DX series) of an IMAGING referral, and an ECG study of an ECG referral
  const CT = ['CT_2_001.dcm', 'CT_2_002.dcm', 'CT_2_003.dcm', 'CT_2_004.dcm'].map(
    (f) => `synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/${f}`,
  );
  const DX = 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000/DX_3_001.dcm';
  const ECG = 'synthetic-dataset/BJDX/BJDX171271/BJDX24032900090/ECG_4_001.dcm';
  const ct = summary(sample(CT[0]!));
  const dx = summary(sample(DX));
  const ecg = summary(sample(ECG));
  let imagingNumber: string;
  let doc: string;
  let admin: string;
  let imaging: string;
  let hub: string;
  // the workstation's own storage SCP, a registered move destination: dcmtk's storescp, keeping what it receives
  // bit for bit
  let destPort: number;
  let dest: ChildProcess;
  let destDir: string;

  // The instances of the study as the hub keeps them (WADO-RS, as the centre that sent them), by SOP Instance UID.
  const stored = async (studyUid: string) => {
    const res = await fetch(`${t.url}/dicomweb/studies/${studyUid}`, {
      headers: { authorization: `Bearer ${doc}`, accept: 'multipart/related; type="application/dicom"' },
    });
    expect(res.status).toBe(200);
    const files = parts(Buffer.from(await res.arrayBuffer()), res.headers.get('content-type')!);
    return new Map(files.map((f) => [summary(f).sopInstanceUid!, f]));
  };
  const retrieved = (dir: string) =>
    new Map(
      readdirSync(dir).map((f) => {
        const b = readFileSync(join(dir, f));
        return [summary(b).sopInstanceUid!, datasetOf(b)] as const;
      }),
    );

  const find = async (calling: string, keys: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-qr-'));
    try {
      const run = await dcmtk('findscu', [
        '-v',
        '-S',
        '-X',
        '-od',
        dir,
        '-aet',
        calling,
        '-aec',
        'ZHIYIN',
        '127.0.0.1',
        String(port),
        ...keys.flatMap((k) => ['-k', k]),
      ]);
      const answers = readdirSync(dir)
        .sort()
        .map((f) => readFileSync(join(dir, f)));
      return { run, answers, got: answers.map(summary) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const STUDY = [
    'QueryRetrieveLevel=STUDY',
    'StudyInstanceUID',
    'PatientName',
    'PatientID',
    'AccessionNumber',
    'StudyDate',
    'ModalitiesInStudy',
    'NumberOfStudyRelatedInstances',
  ];

  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp({ DICOM_PORT: String(port) });
    [admin, doc] = await Promise.all([t.login('admin'), t.login('doc.hyjq')]);
    const id = async (sql: string) => (await t.db.query<{ id: string }>(sql)).rows[0]!.id;
    const jianqiao = await id(`SELECT id FROM facility WHERE code = 'HYJQ'`);
    hub = await id(`SELECT hub_id AS id FROM facility WHERE code = 'HYJQ'`);
    imaging = await id(`SELECT id FROM reading_centre WHERE service = 'IMAGING' AND hub_id = '${hub}'`);
    const ecgCentre = await id(`SELECT id FROM reading_centre WHERE service = 'ECG' AND hub_id = '${hub}'`);
    const register = async (body: Record<string, unknown>) =>
      expect((await api(t, 'POST', '/api/dicom/aes', { token: admin, body })).status).toBe(201);
    await register({ aeTitle: 'HYJQ_DR1', facilityId: jianqiao, kind: 'modality' });
    await register({ aeTitle: 'HUB_IMG1', facilityId: hub, kind: 'workstation', readingCentreId: imaging });
    await register({ aeTitle: 'HUB_ECG1', facilityId: hub, kind: 'workstation', readingCentreId: ecgCentre });

    // Each study is sent by the centre's modality with the referral number as Accession Number, and the referral
    // submitted to the hub.
    // Two patients: one patient's studies are also each other's priors while one of them is read (the priors rule
    // has its own tests), and this suite is about each pool's own referrals.
    const ctPatient = await id(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`);
    const ecgPatient = await id(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`);
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-qr-src-'));
    for (const [body, files] of [
      [{ service: 'IMAGING', modality: 'CT', priority: 'ROUTINE', clinicalQuestion: '头痛' }, [...CT, DX]],
      [{ service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '胸闷待查' }, [ECG]],
    ] as const) {
      const patientId = body.service === 'ECG' ? ecgPatient : ctPatient;
      const created = await api(t, 'POST', '/api/referrals', { token: doc, body: { patientId, ...body } });
      expect(created.status).toBe(201);
      if (body.service === 'IMAGING') imagingNumber = created.body.number;
      const paths: string[] = [];
      for (const [i, f] of files.entries()) {
        const p = join(dir, `${body.service}-${i}.dcm`);
        // the ECG sample is another centre's patient's: recorded for this patient, as the ECG cart would
        const file = f === ECG ? await asFileOf(t, sample(f), patientId) : sample(f);
        writeFileSync(p, withAccessionNumber(file, created.body.number));
        paths.push(p);
      }
      const sent = await dcmtk('storescu', ['-aet', 'HYJQ_DR1', '-aec', 'ZHIYIN', '127.0.0.1', String(port), ...paths]);
      expect(sent.code).toBe(0);
      await recordConsent(t, doc, created.body.id);
      const submitted = await api(t, 'POST', `/api/referrals/${created.body.id}/events`, {
        token: doc,
        body: { type: 'submit' },
      });
      expect(submitted.status).toBeLessThan(300);
    }
    rmSync(dir, { recursive: true, force: true });
  });
  afterAll(async () => {
    dest?.kill('SIGTERM');
    if (destDir) rmSync(destDir, { recursive: true, force: true });
    await t.close();
  });

  it('finds the reading centre’s referred study at STUDY level with the requested keys, and not the other pool’s', async () => {
    const { run, got, answers } = await find('HUB_IMG1', STUDY);
    expect(run.code).toBe(0);
    expect(got.map((s) => s.studyInstanceUid)).toEqual([ct.studyInstanceUid]);
    expect(got[0]).toMatchObject({
      accessionNumber: imagingNumber,
      patientId: ct.patientId,
      studyDate: ct.studyDate,
      specificCharacterSet: 'ISO_IR 192',
    });
    const text = answers[0]!.toString('latin1');
    expect(text).toContain('CT\\DX');
    expect(text).toContain('5 ');
    // the ECG study of the ECG pool is not in the imaging centre's answer, even when asked by its UID
    await expect(
      find('HUB_IMG1', [...STUDY.filter((k) => k !== 'StudyInstanceUID'), `StudyInstanceUID=${ecg.studyInstanceUid}`]),
    ).resolves.toMatchObject({ got: [] });
  });

  it('matches PatientID, PatientName wildcards, StudyDate ranges, AccessionNumber, ModalitiesInStudy and UID lists', async () => {
    const only = (key: string, value: string) => [...STUDY.filter((k) => k !== key), `${key}=${value}`];
    const uids = async (keys: string[]) => (await find('HUB_IMG1', keys)).got.map((s) => s.studyInstanceUid);
    const name = ct.patientName!.Alphabetic ?? ct.patientName!.Ideographic ?? '';
    await expect(uids(only('PatientID', ct.patientId!))).resolves.toEqual([ct.studyInstanceUid]);
    await expect(uids(only('PatientID', 'NOBODY'))).resolves.toEqual([]);
    await expect(uids(only('PatientName', `${name.slice(0, 1)}*`))).resolves.toEqual([ct.studyInstanceUid]);
    await expect(uids(only('PatientName', 'ZZZ*'))).resolves.toEqual([]);
    await expect(uids(only('StudyDate', `${ct.studyDate}-`))).resolves.toEqual([ct.studyInstanceUid]);
    await expect(uids(only('StudyDate', '19000101-19001231'))).resolves.toEqual([]);
    await expect(uids(only('AccessionNumber', imagingNumber))).resolves.toEqual([ct.studyInstanceUid]);
    await expect(uids(only('ModalitiesInStudy', 'DX'))).resolves.toEqual([ct.studyInstanceUid]);
    await expect(uids(only('ModalitiesInStudy', 'MR'))).resolves.toEqual([]);
    await expect(uids(only('StudyInstanceUID', `1.2.3.4\\${ct.studyInstanceUid}`))).resolves.toEqual([
      ct.studyInstanceUid,
    ]);
  });

  it('answers at SERIES and IMAGE level within the study', async () => {
    const series = await find('HUB_IMG1', [
      'QueryRetrieveLevel=SERIES',
      `StudyInstanceUID=${ct.studyInstanceUid}`,
      'SeriesInstanceUID',
      'Modality',
      'SeriesNumber',
    ]);
    expect(series.run.code).toBe(0);
    expect(series.got.map((s) => s.seriesInstanceUid).sort()).toEqual(
      [ct.seriesInstanceUid, dx.seriesInstanceUid].sort(),
    );
    const images = await find('HUB_IMG1', [
      'QueryRetrieveLevel=IMAGE',
      `StudyInstanceUID=${ct.studyInstanceUid}`,
      `SeriesInstanceUID=${ct.seriesInstanceUid}`,
      'SOPInstanceUID',
      'SOPClassUID',
      'InstanceNumber',
    ]);
    expect(images.got.map((s) => s.sopInstanceUid).sort()).toEqual(
      CT.map((f) => summary(sample(f)).sopInstanceUid).sort(),
    );
    expect(images.got.every((s) => s.sopClassUid === ct.sopClassUid)).toBe(true);
    // a series query without the study's unique key is not a hierarchical query: 0xA900
    const bad = await find('HUB_IMG1', ['QueryRetrieveLevel=SERIES', 'SeriesInstanceUID']);
    expect(bad.run.out).toMatch(/0xa900|DataSetDoesNotMatchSOPClass/i);
    expect(bad.got).toEqual([]);
  });

  it('gives the other reading centre’s workstation none of it, at every level', async () => {
    const study = await find('HUB_ECG1', STUDY);
    expect(study.run.code).toBe(0);
    // the ECG centre sees its own study only
    expect(study.got.map((s) => s.studyInstanceUid)).toEqual([ecg.studyInstanceUid]);
    await expect(
      find('HUB_ECG1', [
        'QueryRetrieveLevel=IMAGE',
        `StudyInstanceUID=${ct.studyInstanceUid}`,
        `SeriesInstanceUID=${ct.seriesInstanceUid}`,
        'SOPInstanceUID',
      ]),
    ).resolves.toMatchObject({ got: [] });
  });

  // The retrieval's outcome row: how many sub-operations completed and failed, no patient data.
  const retrievalAudited = async (via: string, calling = 'HUB_IMG1') =>
    (
      await t.db.query<{ details: Record<string, unknown>; outcome: string }>(
        `SELECT details, outcome FROM audit_event WHERE action = 'study.retrieve' AND details->>'stage' = 'sub_operations'
            AND details->>'via' = $1 AND actor_id = (SELECT id::text FROM dicom_ae WHERE ae_title = $2)`,
        [via, calling],
      )
    ).rows;

  it('C-GET returns the stored study over the same association, every element and value as stored (getscu)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-get-'));
    try {
      const run = await dcmtk('getscu', [
        '-v',
        '-S',
        '-aet',
        'HUB_IMG1',
        '-aec',
        'ZHIYIN',
        '-od',
        dir,
        '127.0.0.1',
        String(port),
        '-k',
        'QueryRetrieveLevel=STUDY',
        '-k',
        `StudyInstanceUID=${ct.studyInstanceUid}`,
      ]);
      expect(run).toEqual({ code: 0, out: run.out });
      const got = retrieved(dir);
      const kept = await stored(ct.studyInstanceUid!);
      expect([...got.keys()].sort()).toEqual([...kept.keys()].sort());
      expect(got.size).toBe(5);
      // getscu has no bit-preserving mode: it writes the data set it decoded, with its own encoding choices. So its
      // files are compared with the stored ones element by element, every value in full (dcmdump +L), the File Meta
      // Information left out (the C-MOVE case above compares the bytes themselves).
      const dump = async (path: string) => {
        const d = await dcmtk('dcmdump', ['-q', '+L', '+U8', path]);
        return (
          d.out
            .split('\n')
            .filter((l) => !l.startsWith('(0002,') && !l.startsWith('#'))
            // getscu writes sequences and items with undefined lengths: their length encoding is not compared
            .filter((l) => !l.trim().startsWith('(fffe,'))
            .map((l) => l.replace(/ SQ \(Sequence with .*$/, ' SQ'))
            .join('\n')
        );
      };
      for (const [uid, file] of kept) {
        const from = join(dir, 'stored.in');
        writeFileSync(from, file);
        const received = readdirSync(dir).find(
          (f) => f !== 'stored.in' && summary(readFileSync(join(dir, f))).sopInstanceUid === uid,
        )!;
        const [want, have] = await Promise.all([dump(from), dump(join(dir, received))]);
        expect(want.length).toBeGreaterThan(1000);
        expect([uid, have]).toEqual([uid, want]);
        rmSync(from);
      }
      await expect(retrievalAudited('dimse-get')).resolves.toEqual([
        { outcome: 'success', details: expect.objectContaining({ completed: 5, failed: 0 }) },
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('C-GET of a study of the other pool returns nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-get-'));
    try {
      const run = await dcmtk('getscu', [
        '-v',
        '-S',
        '-aet',
        'HUB_ECG1',
        '-aec',
        'ZHIYIN',
        '-od',
        dir,
        '127.0.0.1',
        String(port),
        '-k',
        'QueryRetrieveLevel=STUDY',
        '-k',
        `StudyInstanceUID=${ct.studyInstanceUid}`,
      ]);
      expect(run.code).toBe(0);
      expect(readdirSync(dir)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const move = (calling: string, destination: string, keys: string[]) =>
    dcmtk('movescu', [
      '-v',
      '-S',
      '-aet',
      calling,
      '-aec',
      'ZHIYIN',
      '-aem',
      destination,
      '127.0.0.1',
      String(port),
      ...keys.flatMap((k) => ['-k', k]),
    ]);

  it('C-MOVE sends the study byte-identical to a registered destination of the reading centre (storescp)', async () => {
    destPort = await freePort();
    destDir = mkdtempSync(join(tmpdir(), 'zhiyin-move-'));
    dest = spawn('storescp', ['+B', '+xa', '-aet', 'HUB_IMG1_SCP', '-od', destDir, String(destPort)], {
      stdio: 'ignore',
    });
    for (let i = 0; i < 50; i++) {
      if ((await dcmtk('echoscu', ['-aec', 'HUB_IMG1_SCP', '127.0.0.1', String(destPort)])).code === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const reg = await api(t, 'POST', '/api/dicom/aes', {
      token: admin,
      body: {
        aeTitle: 'HUB_IMG1_SCP',
        facilityId: hub,
        kind: 'workstation',
        readingCentreId: imaging,
        host: '127.0.0.1',
        port: destPort,
      },
    });
    expect(reg.status).toBe(201);
    expect(reg.body.port).toBe(destPort);
    const run = await move('HUB_IMG1', 'HUB_IMG1_SCP', [
      'QueryRetrieveLevel=STUDY',
      `StudyInstanceUID=${ct.studyInstanceUid}`,
    ]);
    expect(run).toEqual({ code: 0, out: run.out });
    expect(run.out).toContain('Received Final Move Response (Success)');
    const got = retrieved(destDir);
    const kept = await stored(ct.studyInstanceUid!);
    expect([...got.keys()].sort()).toEqual([...kept.keys()].sort());
    for (const [uid, file] of kept) expect([uid, got.get(uid)!.equals(datasetOf(file))]).toEqual([uid, true]);
    await expect(retrievalAudited('dimse-move')).resolves.toEqual([
      { outcome: 'success', details: expect.objectContaining({ completed: 5, failed: 0 }) },
    ]);
  });

  it('C-MOVE to an unknown destination, or to another reading centre’s, is answered 0xA801', async () => {
    const keys = ['QueryRetrieveLevel=STUDY', `StudyInstanceUID=${ct.studyInstanceUid}`];
    const unknown = await move('HUB_IMG1', 'NOBODY', keys);
    expect(unknown.out).toMatch(/0xa801|MoveDestinationUnknown/i);
    // the ECG centre's workstation may not send the imaging centre's destination anything (nor find anything)
    const other = await move('HUB_ECG1', 'HUB_IMG1_SCP', keys);
    expect(other.out).toMatch(/0xa801|MoveDestinationUnknown/i);
    const { rows } = await t.db.query(
      `SELECT 1 FROM audit_event WHERE action = 'study.retrieve' AND outcome = 'denied'
          AND details->>'reason' = 'MOVE_DESTINATION_UNKNOWN'`,
    );
    expect(rows.length).toBe(2);
  });

  it('audits every query without patient data in the details', async () => {
    await find('HUB_IMG1', STUDY);
    await find('HUB_IMG1', [...STUDY.filter((k) => k !== 'PatientID'), 'PatientID=NOBODY']);
    const { rows } = await t.db.query<{ details: unknown; outcome: string }>(
      `SELECT details, outcome FROM audit_event
        WHERE action IN ('study.search', 'study.retrieve') AND actor_role = 'workstation'`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    const text = JSON.stringify(rows.map((r) => r.details));
    expect(text).not.toContain(ct.patientId!);
    expect(text).not.toContain(imagingNumber);
  });
});
