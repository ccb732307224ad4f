import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { CT_SLICE, sample, stow, stowOutcome } from '../support/dicom-files.js';

/** The same file with another Study Instance UID of the same length (its last digit changed). */
function withOtherStudyUid(file: Buffer): Buffer {
  const tag = Buffer.from([0x20, 0x00, 0x0d, 0x00, 0x55, 0x49]); // (0020,000D) UI, explicit VR little endian
  const at = file.indexOf(tag, 132);
  if (at < 0) throw new Error('no Study Instance UID element');
  const length = file.readUInt16LE(at + 6);
  const out = Buffer.from(file);
  let last = at + 8 + length - 1;
  if (out[last] === 0) last--; // UIDs are padded with NUL to an even length
  out[last] = out[last] === 0x31 ? 0x32 : 0x31;
  return out;
}

// A centre learns nothing about another centre's patients or studies from a refusal.
describe("existence leaks: another centre's patients and studies stay unseen", () => {
  let t: TestApp;
  let jianqiao: string;
  let qingchuan: string;
  let coordinator: string;

  beforeAll(async () => {
    t = await startTestApp();
    [jianqiao, qingchuan, coordinator] = await Promise.all([
      t.login('doc.hyjq'),
      t.login('doc.hyqc'),
      t.login('coord.liu'),
    ]);
  });
  afterAll(async () => {
    await t.close();
  });

  const person = (mrn: string) => ({
    mrn,
    familyNameZh: '欧阳',
    givenNameZh: '晓明',
    sex: 'M',
    birthDate: '1962-05-17',
    nationalId: '11010519491231002X',
  });

  it('registering a national ID another centre holds proceeds as a new local record, flagged only for the coordinator', async () => {
    const first = await api(t, 'POST', '/api/patients', { token: qingchuan, body: person('BJHD900001') });
    expect(first.status).toBe(201);
    const second = await api(t, 'POST', '/api/patients', { token: jianqiao, body: person('BJCY900001') });
    expect(second.status).toBe(201);
    // Nothing in the answer tells the doctor that another centre has this person.
    expect(second.body).not.toHaveProperty('possibleDuplicate');
    expect(JSON.stringify(second.body)).not.toMatch(/duplicate|already|BJHD/i);
    const own = await api(t, 'GET', '/api/patients?q=11010519491231002X', { token: jianqiao });
    expect(own.body.items.map((p: { mrn: string }) => p.mrn)).toEqual(['BJCY900001']);
    expect(own.body.items[0]).not.toHaveProperty('possibleDuplicate');
    // Doctors cannot filter by the flag either.
    const probe = await api(t, 'GET', '/api/patients?possibleDuplicate=true', { token: jianqiao });
    expect(probe.body.items.map((p: { mrn: string }) => p.mrn)).toContain('BJCY100000');

    // The coordinator, who sees every centre, sees both records flagged, to resolve.
    const flagged = await api(t, 'GET', '/api/patients?possibleDuplicate=true', { token: coordinator });
    expect(flagged.status).toBe(200);
    expect(
      flagged.body.items.map((p: { mrn: string; possibleDuplicate: boolean }) => [p.mrn, p.possibleDuplicate]).sort(),
    ).toEqual([
      ['BJCY900001', true],
      ['BJHD900001', true],
    ]);
  });

  it('the coordinator resolves a flagged record; the decision is audited', async () => {
    const { rows } = await t.db.query("SELECT id FROM patient WHERE mrn = 'BJCY900001'");
    const doctor = await api(t, 'POST', `/api/patients/${rows[0].id}/duplicate-review`, {
      token: jianqiao,
      body: { samePerson: false },
    });
    expect(doctor.status).toBe(403);
    const res = await api(t, 'POST', `/api/patients/${rows[0].id}/duplicate-review`, {
      token: coordinator,
      body: { samePerson: false },
    });
    expect(res.status).toBe(200);
    expect(res.body.possibleDuplicate).toBe(false);
    const left = await api(t, 'GET', '/api/patients?possibleDuplicate=true', { token: coordinator });
    expect(left.body.items.map((p: { mrn: string }) => p.mrn)).toEqual(['BJHD900001']);
    const audit = await t.db.query(
      "SELECT details FROM audit_event WHERE action = 'patient.duplicate.review' AND patient_id = $1",
      [rows[0].id],
    );
    expect(audit.rows).toEqual([{ details: { samePerson: false, wasFlagged: true } }]);
  });

  it('the same national ID twice at one centre is still refused (the caller sees that record anyway)', async () => {
    const again = await api(t, 'POST', '/api/patients', { token: jianqiao, body: person('BJCY900002') });
    expect(again.status).toBe(409);
    expect(again.body.error.code).toBe('CONFLICT');
  });

  it("a STOW-RS of another centre's study is refused exactly like any other UID the index cannot take", async () => {
    const slice1 = sample(CT_SLICE);
    const slice2 = sample(CT_SLICE.replace('CT_2_001', 'CT_2_002'));
    expect((await stow(t.url, qingchuan, [slice1])).status).toBe(200);

    // Another centre sends an instance of that study.
    const foreign = await stow(t.url, jianqiao, [slice2]);
    // The owning centre sends an instance whose series belongs to another of its studies.
    const own = await stow(t.url, qingchuan, [withOtherStudyUid(slice2)]);

    const strip = (r: { status: number; body: unknown }) => {
      const f = stowOutcome(r.body).failed[0]!;
      return { status: r.status, reason: f.reason, comment: f.comment };
    };
    expect(strip(foreign)).toEqual(strip(own));
    expect(strip(foreign).comment).not.toMatch(/centre|center|another study|exists/i);
  });
});
