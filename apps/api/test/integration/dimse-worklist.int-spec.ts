import { parseHeader } from '@zhiyin/dicom';
import iconv from 'iconv-lite';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dcmtk } from '../support/dcmtk.js';
import { freePort } from '../support/ports.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// Modality worklist (C-FIND, PS3.4 K.6.1) with dcmtk's findscu -W as the modality.
describe('Modality worklist C-FIND SCP', () => {
  let t: TestApp;
  let port: number;
  let patient: { id: string; mrn: string; family: string; given: string; birth: string; sex: string };
  const referrals: { number: string; service: string }[] = [];

  const query = async (calling: string, keys: string[]) => {
    const dir = mkdtempSync(join(tmpdir(), 'zhiyin-mwl-'));
    try {
      const run = await dcmtk('findscu', [
        '-v',
        '-W',
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
      const files = readdirSync(dir).sort();
      return { run, answers: files.map((f) => readFileSync(join(dir, f))) };
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const KEYS = [
    'PatientName',
    'PatientID',
    'PatientBirthDate',
    'PatientSex',
    'AccessionNumber',
    'ScheduledProcedureStepSequence[0].Modality',
    'ScheduledProcedureStepSequence[0].ScheduledStationAETitle',
    'ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate',
  ];
  const summary = (b: Buffer) => parseHeader(b, { totalLength: b.length, validate: false }).summary;

  beforeAll(async () => {
    port = await freePort();
    t = await startTestApp({ DICOM_PORT: String(port) });
    const [admin, doc] = await Promise.all([t.login('admin'), t.login('doc.hyjq')]);
    const f = async (code: string) =>
      (await t.db.query<{ id: string }>(`SELECT id FROM facility WHERE code = $1`, [code])).rows[0]!.id;
    const [jianqiao, qingchuan] = await Promise.all([f('HYJQ'), f('HYQC')]);
    const register = (body: Record<string, unknown>) => api(t, 'POST', '/api/dicom/aes', { token: admin, body });
    expect(
      (await register({ aeTitle: 'HYJQ_DR1', facilityId: jianqiao, kind: 'modality', modality: 'DX' })).status,
    ).toBe(201);
    expect(
      (
        await register({
          aeTitle: 'HYJQ_ECG1',
          facilityId: jianqiao,
          kind: 'modality',
          modality: 'ECG',
          characterSet: 'GB18030',
        })
      ).status,
    ).toBe(201);
    expect((await register({ aeTitle: 'HYQC_DR1', facilityId: qingchuan, kind: 'modality' })).status).toBe(201);
    const { rows } = await t.db.query(
      `SELECT id, mrn, family_name_zh AS family, given_name_zh AS given, to_char(birth_date, 'YYYYMMDD') AS birth, sex
         FROM patient WHERE mrn = 'BJCY100102'`,
    );
    patient = rows[0];
    for (const body of [
      { service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '胸闷待查' },
      { service: 'IMAGING', modality: 'DX', priority: 'URGENT', clinicalQuestion: '咳嗽两周' },
    ]) {
      const created = await api(t, 'POST', '/api/referrals', { token: doc, body: { patientId: patient.id, ...body } });
      expect(created.status).toBe(201);
      referrals.push({ number: created.body.number, service: body.service });
    }
  });
  afterAll(async () => {
    await t.close();
  });

  it('lists every open referral of the centre as a scheduled step, names in UTF-8 for an ISO_IR 192 AE', async () => {
    const { run, answers } = await query('HYJQ_DR1', KEYS);
    expect(run.code).toBe(0);
    const got = answers.map(summary).sort((a, b) => (a.accessionNumber! < b.accessionNumber! ? -1 : 1));
    expect(got.map((s) => s.accessionNumber)).toEqual(referrals.map((r) => r.number).sort());
    for (const b of answers) {
      const s = summary(b);
      expect(s).toMatchObject({
        patientId: patient.mrn,
        patientBirthDate: patient.birth,
        sex: patient.sex,
        specificCharacterSet: 'ISO_IR 192',
      });
      expect(b.includes(Buffer.from(`${patient.family}^${patient.given}`, 'utf8'))).toBe(true);
    }
    // matched by modality
    const dx = await query('HYJQ_DR1', [
      ...KEYS.filter((k) => !k.endsWith('.Modality')),
      'ScheduledProcedureStepSequence[0].Modality=DX',
    ]);
    expect(dx.answers.map((b) => summary(b).accessionNumber)).toEqual([
      referrals.find((r) => r.service === 'IMAGING')!.number,
    ]);
  });

  it('sends the names in GB18030 to an AE configured for it', async () => {
    const { answers } = await query('HYJQ_ECG1', [
      ...KEYS.filter((k) => !k.endsWith('.Modality')),
      'ScheduledProcedureStepSequence[0].Modality=ECG',
    ]);
    expect(answers).toHaveLength(1);
    const b = answers[0]!;
    expect(summary(b).specificCharacterSet).toBe('GB18030');
    expect(b.includes(iconv.encode(`${patient.family}^${patient.given}`, 'gb18030'))).toBe(true);
    expect(b.includes(Buffer.from(patient.family, 'utf8'))).toBe(false);
  });

  it('matches a date range and the station AE title', async () => {
    const today = new Date().toISOString().slice(0, 10).replace(/-/g, '');
    const withDate = (d: string) => [
      ...KEYS.filter((k) => !k.endsWith('StartDate')),
      `ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=${d}`,
    ];
    await expect(query('HYJQ_DR1', withDate(`20000101-${today}`))).resolves.toMatchObject({ answers: { length: 2 } });
    await expect(query('HYJQ_DR1', withDate('20000101-20000102'))).resolves.toMatchObject({ answers: { length: 0 } });
    const otherStation = [
      ...KEYS.filter((k) => !k.endsWith('ScheduledStationAETitle')),
      'ScheduledProcedureStepSequence[0].ScheduledStationAETitle=SOMEONE',
    ];
    await expect(query('HYJQ_DR1', otherStation)).resolves.toMatchObject({ answers: { length: 0 } });
  });

  it('gives another centre’s AE none of it', async () => {
    const { run, answers } = await query('HYQC_DR1', KEYS);
    expect(run.code).toBe(0);
    expect(answers).toHaveLength(0);
  });

  it('answers a query with a malformed key with 0xA900 and no match, and audits every query', async () => {
    const bad = await query('HYJQ_DR1', [
      ...KEYS.filter((k) => !k.endsWith('StartDate')),
      'ScheduledProcedureStepSequence[0].ScheduledProcedureStepStartDate=20241399',
    ]);
    expect(bad.answers).toHaveLength(0);
    expect(bad.run.out).toContain('Received Final Find Response (Error: DataSetDoesNotMatchSOPClass)');
    const { rows } = await t.db.query<{ outcome: string; n: number }>(
      `SELECT outcome, count(*)::int AS n FROM audit_event WHERE action = 'worklist.query' GROUP BY outcome ORDER BY outcome`,
    );
    expect(rows).toEqual([
      { outcome: 'failed', n: 1 },
      { outcome: 'success', n: expect.any(Number) },
    ]);
  });
});
