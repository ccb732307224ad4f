import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DottedDicomDates1765175000000 } from '#src/database/migrations/1765175000000-DottedDicomDates.js';
import { dcmtk } from '../support/dcmtk.js';
import { uidVariant, withUidsReplaced, withVrUnknown } from '../support/dicom-edit.js';
import { CT_SLICE, sample, stow, stowOutcome } from '../support/dicom-files.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// Files the team had not seen, each showing one conformance fault that must be fixed where it arises (parsing,
// ingest, QIDO): the uploader gets one clear reason, or the study is stored and found as the standard says.
const CT = {
  study: '2.25.130930353935831677017901351937829450278',
  series: '2.25.219881039401334746116319901856619626590',
  sop: '2.25.190367113947790185605933099962223089727',
};

describe('conformance faults found with unseen files', () => {
  let t: TestApp;
  let doc: string;
  let work: string;
  let n = 10;

  /** The CT slice as another study (new study, series and instance UIDs), optionally edited by dcmtk's dcmodify. */
  const ctVariant = async (edits: string[] = []) => {
    n += 1;
    const ids = { study: uidVariant(CT.study, n), series: uidVariant(CT.series, n), sop: uidVariant(CT.sop, n) };
    let file = withUidsReplaced(sample(CT_SLICE), {
      [CT.study]: ids.study,
      [CT.series]: ids.series,
      [CT.sop]: ids.sop,
    });
    if (edits.length > 0) file = await dcmodify(file, edits);
    return { file, ...ids };
  };
  const dcmodify = async (file: Buffer, edits: string[]) => {
    const path = join(work, `edit-${n}-${Math.random().toString(36).slice(2)}.dcm`);
    writeFileSync(path, file);
    const r = await dcmtk('dcmodify', ['-nb', ...edits, path]);
    expect(r.code).toBe(0);
    return readFileSync(path);
  };
  const qido = async (query: string, token = doc) => {
    const res = await fetch(`${t.url}/dicomweb/studies?${query}`, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/dicom+json' },
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : undefined };
  };
  const studyUids = (body: any[]) => body.map((r) => r['0020000D'].Value[0] as string).sort();

  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
    work = mkdtempSync(join(tmpdir(), 'conformance-'));
  });
  afterAll(async () => {
    await t.close();
    rmSync(work, { recursive: true, force: true });
  });

  it('Patient Name and Patient ID written as UN are read with their dictionary VR, returned and searchable', async () => {
    const { file, study } = await ctVariant();
    const un = withVrUnknown(file, ['00100010', '00100020']);
    const res = await stow(t.url, doc, [un]);
    expect(stowOutcome(res.body).failed).toEqual([]);

    const byId = await qido(`PatientID=BJCY100000&StudyInstanceUID=${study}`);
    expect(byId.status).toBe(200);
    expect(studyUids(byId.body)).toEqual([study]);
    expect(byId.body[0]['00100010']).toEqual({ vr: 'PN', Value: [{ Alphabetic: 'Sun^Juan', Ideographic: '孙^娟' }] });
    expect(byId.body[0]['00100020']).toEqual({ vr: 'LO', Value: ['BJCY100000'] });
    const byName = await qido(`PatientName=${encodeURIComponent('孙^娟')}&StudyInstanceUID=${study}`);
    expect(studyUids(byName.body)).toEqual([study]);
  });

  it('an ECG whose waveform data is shorter than its samples announce is refused with WAVEFORM_LENGTH_MISMATCH', async () => {
    // The rhythm group announces 6000 samples of 12 channels; its data holds 5000.
    const ecg = await dcmodify(sample('ecg/syn_ecg_afib_utf8.dcm'), ['-m', '(5400,0100)[0].(003a,0010)=6000']);
    const res = await stow(t.url, doc, [ecg]);
    expect(res.status).toBe(409);
    const { referenced, failed } = stowOutcome(res.body);
    expect(referenced).toEqual([]);
    expect(failed).toHaveLength(1);
    expect(failed[0].reason).toBe(0xa900);
    expect(failed[0].comment).toMatch(/^WAVEFORM_LENGTH_MISMATCH: Waveform Data \(5400,1010\) of multiplex group 1/);
    // Nothing was stored: the study cannot be found.
    const found = await qido('StudyInstanceUID=2.25.9213980298496157451121014714953724192');
    expect(found.body ?? []).toEqual([]);
    // The intact file is stored (the check is not a refusal of every ECG).
    const intact = await stow(t.url, doc, [sample('ecg/syn_ecg_afib_utf8.dcm')]);
    expect(stowOutcome(intact.body).failed).toEqual([]);
  });

  it('a repeated QIDO key matches any of its values, as a comma-separated list does', async () => {
    const cr = await ctVariant(['-m', '(0008,0060)=CR']);
    const dx = await ctVariant(['-m', '(0008,0060)=DX']);
    const mr = await ctVariant(['-m', '(0008,0060)=MR']);
    const res = await stow(t.url, doc, [cr.file, dx.file, mr.file]);
    expect(stowOutcome(res.body).failed).toEqual([]);
    const mine = `StudyInstanceUID=${[cr.study, dx.study, mr.study].join(',')}`;

    const repeated = await qido(`ModalitiesInStudy=CR&ModalitiesInStudy=DX&${mine}`);
    expect(repeated.status).toBe(200);
    expect(studyUids(repeated.body)).toEqual([cr.study, dx.study].sort());
    const listed = await qido(`ModalitiesInStudy=CR,DX&${mine}`);
    expect(studyUids(listed.body)).toEqual([cr.study, dx.study].sort());
    // Repeated keys of every kind, each an OR, together an AND.
    const either = await qido(
      `StudyInstanceUID=${cr.study}&StudyInstanceUID=${mr.study}&ModalitiesInStudy=MR&ModalitiesInStudy=DX`,
    );
    expect(studyUids(either.body)).toEqual([mr.study]);
  });

  it.each([
    ['StudyTime=25', 'an hour past 23'],
    ['StudyTime=1260', 'a minute past 59'],
    ['StudyTime=123', 'an odd number of digits'],
    ['StudyTime=1200-1100', 'a range that ends before it starts'],
    ['StudyDate=19950231', 'an impossible date'],
  ])('%s (%s) is a 400 with the reason, not an empty answer', async (query) => {
    const res = await qido(query);
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/INVALID_(TIME|DATE)_RANGE/);
    expect(JSON.stringify(res.body)).toMatch(query.startsWith('StudyTime') ? /StudyTime/ : /StudyDate/);
  });

  it('valid times still match: hours, minutes and ranges', async () => {
    const timed = await ctVariant(['-m', '(0008,0030)=101530']);
    expect(stowOutcome((await stow(t.url, doc, [timed.file])).body).failed).toEqual([]);
    const scope = `StudyInstanceUID=${timed.study}`;
    for (const q of ['StudyTime=10', 'StudyTime=1015', 'StudyTime=101530', 'StudyTime=1000-1100', 'StudyTime=-10:16'])
      expect(studyUids((await qido(`${q}&${scope}`)).body)).toEqual([timed.study]);
    expect((await qido(`StudyTime=11&${scope}`)).body ?? []).toEqual([]);
  });

  it('an old dotted Study Date (1995.06.26) matches date queries, also for studies indexed before the fix', async () => {
    const old = await ctVariant(['-m', '(0008,0020)=1995.06.26', '-m', '(0008,0030)=10:15:30']);
    expect(stowOutcome((await stow(t.url, doc, [old.file])).body).failed).toEqual([]);
    const scope = `StudyInstanceUID=${old.study}`;
    expect(studyUids((await qido(`StudyDate=19950626&${scope}`)).body)).toEqual([old.study]);
    expect(studyUids((await qido(`StudyDate=19950101-19951231&${scope}`)).body)).toEqual([old.study]);
    expect(studyUids((await qido(`StudyTime=1015&${scope}`)).body)).toEqual([old.study]);
    expect((await qido(`StudyDate=19960626&${scope}`)).body ?? []).toEqual([]);

    // A row indexed by an earlier version kept the date column empty and the time as written: the migration
    // rebuilds them from the stored metadata.
    await t.db.query(`UPDATE study SET study_date = NULL, study_time = '10:15:30' WHERE study_instance_uid = $1`, [
      old.study,
    ]);
    expect((await qido(`StudyDate=19950626&${scope}`)).body ?? []).toEqual([]);
    await new DottedDicomDates1765175000000().up({ query: (sql: string) => t.db.query(sql) } as never);
    expect(studyUids((await qido(`StudyDate=19950626&${scope}`)).body)).toEqual([old.study]);
    expect(studyUids((await qido(`StudyTime=101530&${scope}`)).body)).toEqual([old.study]);
  });

  it('a data set without preamble gets NO_PREAMBLE whatever its encoding; other bytes get NOT_DICOM', async () => {
    const bigEndian = sample('dicom/pydicom__MR_small_bigendian.dcm');
    // The data set after the file meta information (explicit VR big endian), as a raw C-STORE data set is sent.
    const metaLength = bigEndian.readUInt32LE(140);
    const bare = bigEndian.subarray(144 + metaLength);
    const withMeta = bigEndian.subarray(128);
    const pdf = Buffer.from('%PDF-1.4 this is a referral letter, not an image');
    const res = await stow(t.url, doc, [bare, withMeta, pdf]);
    const comments = stowOutcome(res.body).failed.map((f: { comment: string }) => f.comment.split(':')[0]);
    expect(comments).toEqual(['NO_PREAMBLE', 'NO_PREAMBLE', 'NOT_DICOM']);
  });

  it('an invalid Number of Frames ("1A") is reported as an invalid Number of Frames, not a pixel length', async () => {
    const bad = await ctVariant(['-i', '(0028,0008)=1A']);
    const res = await stow(t.url, doc, [bad.file]);
    const { failed } = stowOutcome(res.body);
    expect(failed).toHaveLength(1);
    expect(failed[0].comment).toMatch(/^INVALID_VALUE: \(0028,0008\) NumberOfFrames must be a whole number/);
    expect(failed[0].comment).not.toMatch(/PIXEL_LENGTH|Pixel data/i);
  });
});
