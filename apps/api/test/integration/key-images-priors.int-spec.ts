import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import sharp from 'sharp';
import { uidVariant, withUidsReplaced } from '../support/dicom-edit.js';
import { sample, stow } from '../support/dicom-files.js';
import { referStudy } from '../support/referrals.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/api/', import.meta.url));
const DIR = 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000';
// The referral's study (patient BJCY100000 of HYJQ): a DX chest film, 256 × 256.
const STUDY = '2.25.130930353935831677017901351937829450278';
const DX_SERIES = '2.25.106381622931956676511029326777301213359';
const DX_SOP = '2.25.137209302455046606441765103872780103045';
// The same patient's earlier film, made at another centre (HYLY): new UIDs, the same pixels.
const PRIOR = { study: uidVariant(STUDY, 11), series: uidVariant(DX_SERIES, 11), sop: uidVariant(DX_SOP, 11) };
const dxPath = (s: string, se: string, i: string) => `/dicomweb/studies/${s}/series/${se}/instances/${i}`;
const NODULE = { kind: 'length', label: '结节 Nodule', value: '12.4 mm' };

/** Pearson correlation of two equally long grey images. */
function correlation(a: Uint8Array | Buffer, b: Uint8Array | Buffer): number {
  const n = a.length;
  let sa = 0;
  let sb = 0;
  for (let i = 0; i < n; i++) {
    sa += a[i]!;
    sb += b[i]!;
  }
  const ma = sa / n;
  const mb = sb / n;
  let num = 0;
  let da = 0;
  let db = 0;
  for (let i = 0; i < n; i++) {
    const x = a[i]! - ma;
    const y = b[i]! - mb;
    num += x * y;
    da += x * x;
    db += y * y;
  }
  return da === 0 || db === 0 ? 0 : num / Math.sqrt(da * db);
}

describe('key images: marked by the reader, part of the report, printed in its PDF', () => {
  let t: TestApp;
  let doc: string;
  let foreignDoc: string;
  let rad: string;
  let otherRad: string;
  let cardio: string;
  let coord: string;
  let referralId: string;
  let patientId: string;

  const auditCount = async (action: string, outcome = 'success') =>
    Number(
      (
        await t.db.query(
          `SELECT count(*)::int AS n FROM audit_event WHERE action = $1 AND outcome = $2 AND resource_id = $3`,
          [action, outcome, referralId],
        )
      ).rows[0].n,
    );
  const mark = (token: string, body: Record<string, unknown> = {}) =>
    api(t, 'POST', `/api/referrals/${referralId}/key-images`, {
      token,
      body: {
        studyInstanceUid: STUDY,
        seriesInstanceUid: DX_SERIES,
        sopInstanceUid: DX_SOP,
        frame: 1,
        measurements: [NODULE],
        ...body,
      },
    });

  beforeAll(async () => {
    t = await startTestApp({ TIME_ZONE: 'Asia/Shanghai' });
    [doc, foreignDoc, rad, otherRad, cardio, coord] = await Promise.all([
      t.login('doc.hyjq'),
      t.login('doc.hyqc'),
      t.login('rad.li'),
      t.login('rad.wang'),
      t.login('card.chen'),
      t.login('coord.liu'),
    ]);
    const files = ['CT_2_001.dcm', 'DX_3_001.dcm'].map((f) => sample(`${DIR}/${f}`));
    expect((await stow(t.url, doc, files)).status).toBe(200);
    referralId = await referStudy(t, doc, STUDY, 'IMAGING');
    patientId = (await t.db.query(`SELECT patient_id FROM referral WHERE id = $1`, [referralId])).rows[0].patient_id;
    // The earlier film: stored, then filed under the same patient as the centre that made it (HYLY) would have.
    const prior = withUidsReplaced(sample(`${DIR}/DX_3_001.dcm`), {
      [STUDY]: PRIOR.study,
      [DX_SERIES]: PRIOR.series,
      [DX_SOP]: PRIOR.sop,
    });
    expect((await stow(t.url, doc, [prior])).status).toBe(200);
    await t.db.query(
      `UPDATE study SET patient_id = $2, study_date = '2023-05-10', referral_id = NULL,
              facility_id = (SELECT id FROM facility WHERE code = 'HYLY')
        WHERE study_instance_uid = $1`,
      [PRIOR.study, patientId],
    );
    const claimed = await api(t, 'POST', '/api/referrals/claim-next', { token: rad });
    expect(claimed.body.id).toBe(referralId);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('only the assigned reader marks key images: another radiologist 403, a cardiologist 404, a doctor 403', async () => {
    const other = await mark(otherRad);
    expect(other.status).toBe(403);
    expect(other.body.error.code).toBe('FORBIDDEN');
    expect((await mark(cardio)).status).toBe(404);
    expect((await mark(doc)).status).toBe(403);
    expect((await api(t, 'GET', `/api/referrals/${referralId}/key-images`, { token: cardio })).status).toBe(404);
    expect((await api(t, 'GET', `/api/referrals/${referralId}/key-images`, { token: foreignDoc })).status).toBe(404);
    expect(await auditCount('referral.key_image.mark', 'denied')).toBe(1);
    expect(await auditCount('referral.key_image.mark', 'not_found')).toBe(1);
    await expect(t.db.query('SELECT count(*)::int AS n FROM key_image')).resolves.toMatchObject({ rows: [{ n: 0 }] });
  });

  it('refuses an image outside the referral, a frame that does not exist and measurements out of bounds', async () => {
    // The patient's earlier film is readable as a prior, but is not an image of this referral.
    const prior = await mark(rad, {
      studyInstanceUid: PRIOR.study,
      seriesInstanceUid: PRIOR.series,
      sopInstanceUid: PRIOR.sop,
    });
    expect(prior.status).toBe(404);
    expect((await mark(rad, { frame: 2 })).status).toBe(404);
    expect((await mark(rad, { frame: 0 })).status).toBe(400);
    expect((await mark(rad, { measurements: [{ kind: 'volume', label: 'x', value: '1' }] })).status).toBe(400);
    expect((await mark(rad, { measurements: [{ kind: 'length', label: 'x'.repeat(41), value: '1 mm' }] })).status).toBe(
      400,
    );
    expect((await mark(rad, { measurements: [{ kind: 'length', label: 'x', value: '' }] })).status).toBe(400);
    expect((await mark(rad, { measurements: Array.from({ length: 21 }, () => NODULE) })).status).toBe(400);
    await expect(t.db.query('SELECT count(*)::int AS n FROM key_image')).resolves.toMatchObject({ rows: [{ n: 0 }] });
  });

  it('marks, re-marks the same frame (one key image, measurements replaced), lists for every reader, removes', async () => {
    const first = await mark(rad);
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      sopInstanceUid: DX_SOP,
      frame: 1,
      seriesNumber: expect.any(Number),
      measurements: [NODULE],
    });
    const again = await mark(rad, {
      measurements: [NODULE, { kind: 'probe', label: '密度 Density', value: '38 HU' }],
    });
    expect(again.status).toBe(200);
    expect(again.body.id).toBe(first.body.id);
    for (const token of [doc, coord, rad, otherRad]) {
      const list = await api(t, 'GET', `/api/referrals/${referralId}/key-images`, { token });
      expect(list.status).toBe(200);
      expect(list.body).toHaveLength(1);
      expect(list.body[0].measurements).toHaveLength(2);
    }
    expect(await auditCount('referral.key_images.read')).toBe(4);
    const ct = await mark(rad, {
      seriesInstanceUid: '2.25.219881039401334746116319901856619626590',
      sopInstanceUid: '2.25.190367113947790185605933099962223089727',
      measurements: [],
    });
    expect(ct.status).toBe(201);
    const removed = await api(t, 'DELETE', `/api/referrals/${referralId}/key-images/${ct.body.id}`, { token: rad });
    expect(removed.status).toBe(204);
    const gone = await api(t, 'DELETE', `/api/referrals/${referralId}/key-images/${ct.body.id}`, { token: rad });
    expect(gone.status).toBe(404);
    const list = await api(t, 'GET', `/api/referrals/${referralId}/key-images`, { token: doc });
    expect(list.body.map((k: { id: string }) => k.id)).toEqual([first.body.id]);
    expect(await auditCount('referral.key_image.mark')).toBe(3);
    expect(await auditCount('referral.key_image.remove')).toBe(1);
    const rows = await t.db.query(
      `SELECT details FROM audit_event WHERE action = 'referral.key_image.mark' AND outcome = 'success'
        AND resource_id = $1 AND patient_id = $2 ORDER BY id`,
      [referralId, patientId],
    );
    expect(rows.rows[0].details).toMatchObject({ keyImageId: first.body.id, sopInstanceUid: DX_SOP, frame: 1 });
  });

  it('signing fixes them (409 report_signed), and the PDF prints the frame and its measurements', async () => {
    const draft = await api(t, 'PUT', `/api/referrals/${referralId}/report`, {
      token: rad,
      body: {
        findings: '右肺上叶见一结节，边界清楚。',
        impression: '右肺上叶结节，建议随访。',
        diagnoses: [{ code: 'R91', label: '肺部影像学异常' }],
        disposition: 'manage_in_community',
      },
    });
    expect(draft.status).toBe(200);
    const review = await api(t, 'POST', `/api/referrals/${referralId}/events`, {
      token: rad,
      body: { type: 'start_review' },
    });
    expect(review.status).toBe(200);
    expect((await api(t, 'POST', `/api/referrals/${referralId}/report/sign`, { token: rad })).status).toBe(200);
    const late = await mark(rad, { measurements: [] });
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'STALE_STATE', details: { reason: 'report_signed' } });
    const [k] = (await api(t, 'GET', `/api/referrals/${referralId}/key-images`, { token: rad })).body;
    const del = await api(t, 'DELETE', `/api/referrals/${referralId}/key-images/${k.id}`, { token: rad });
    expect(del.status).toBe(409);

    const res = await fetch(`${t.url}/api/referrals/${referralId}/report/pdf`, {
      headers: { authorization: `Bearer ${doc}` },
    });
    expect(res.status).toBe(200);
    mkdirSync(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'imaging-report-key-images.pdf');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-']).toString();
    for (const s of [
      '关键图像',
      'Key images',
      '结节 Nodule: 12.4 mm',
      '密度 Density: 38 HU',
      '检查日期',
      '年龄',
      'GMT+8',
    ])
      expect(text).toContain(s);
    expect(text).toMatch(/序列 Series \d+ \/ 图像 Image \d+/);

    // The frame as the viewer first shows it (its own window), at the size the page holds it: 212 pt.
    const rendered = await fetch(`${t.url}${dxPath(STUDY, DX_SERIES, DX_SOP)}/frames/1/rendered`, {
      headers: { authorization: `Bearer ${rad}`, accept: 'image/png' },
    });
    expect(rendered.status).toBe(200);
    const frame = await sharp(Buffer.from(await rendered.arrayBuffer()))
      .resize(212, 212)
      .greyscale()
      .raw()
      .toBuffer();
    // Each page at 72 dpi (one pixel per point): the image sits in its box at x = 50 pt; find its top by correlation.
    const pages = Number(/Pages:\s+(\d+)/.exec(execFileSync('pdfinfo', [file]).toString())![1]);
    let best = 0;
    for (let page = 1; page <= pages; page++) {
      const out = join(ARTIFACTS, `imaging-report-key-images-${page}`);
      execFileSync('pdftoppm', [
        '-png',
        '-r',
        '72',
        '-gray',
        '-f',
        `${page}`,
        '-l',
        `${page}`,
        '-singlefile',
        file,
        out,
      ]);
      const png = PNG.sync.read(readFileSync(`${out}.png`));
      const grey = (x: number, y: number) => png.data[(y * png.width + x) * 4]!;
      const window = Buffer.alloc(212 * 212);
      for (let top = 0; top + 212 <= png.height; top++) {
        for (let y = 0; y < 212; y++) for (let x = 0; x < 212; x++) window[y * 212 + x] = grey(50 + x, top + y);
        best = Math.max(best, correlation(window, frame));
      }
    }
    expect(best).toBeGreaterThan(0.9);
  });
});

describe('priors: the patient’s earlier studies, listed and readable while the referral is open', () => {
  let t: TestApp;
  let doc: string;
  let foreignDoc: string;
  let rad: string;
  let cardio: string;
  let coord: string;
  let referralId: string;
  let patientId: string;
  const read = (token: string, path: string) =>
    fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${token}`, accept: '*/*' } });
  const priorPaths = [
    `/dicomweb/studies/${PRIOR.study}/metadata`,
    `${dxPath(PRIOR.study, PRIOR.series, PRIOR.sop)}/frames/1/rendered`,
    `/dicomweb/studies/${PRIOR.study}/thumbnail`,
  ];
  const found = async (token: string) => {
    const res = await read(token, `/dicomweb/studies?StudyInstanceUID=${PRIOR.study}`);
    return res.status === 200 ? ((await res.json()) as unknown[]).length : 0;
  };

  beforeAll(async () => {
    t = await startTestApp();
    [doc, foreignDoc, rad, cardio, coord] = await Promise.all([
      t.login('doc.hyjq'),
      t.login('doc.hyqc'),
      t.login('rad.li'),
      t.login('card.chen'),
      t.login('coord.liu'),
    ]);
    expect((await stow(t.url, doc, [sample(`${DIR}/DX_3_001.dcm`)])).status).toBe(200);
    referralId = await referStudy(t, doc, STUDY, 'IMAGING');
    patientId = (await t.db.query(`SELECT patient_id FROM referral WHERE id = $1`, [referralId])).rows[0].patient_id;
    const prior = withUidsReplaced(sample(`${DIR}/DX_3_001.dcm`), {
      [STUDY]: PRIOR.study,
      [DX_SERIES]: PRIOR.series,
      [DX_SOP]: PRIOR.sop,
    });
    expect((await stow(t.url, doc, [prior])).status).toBe(200);
    // Made at another centre (HYLY) two years ago, filed under the same patient record.
    await t.db.query(
      `UPDATE study SET patient_id = $2, study_date = '2024-01-15', referral_id = NULL,
              facility_id = (SELECT id FROM facility WHERE code = 'HYLY')
        WHERE study_instance_uid = $1`,
      [PRIOR.study, patientId],
    );
    expect((await api(t, 'POST', '/api/referrals/claim-next', { token: rad })).body.id).toBe(referralId);
  });
  afterAll(async () => {
    await t?.close();
  });

  it('lists the prior (not the referral’s own study) to the reader, the referring doctor and the coordinator', async () => {
    for (const token of [rad, doc, coord]) {
      const res = await api(t, 'GET', `/api/referrals/${referralId}/priors`, { token });
      expect(res.status).toBe(200);
      expect(res.body).toHaveLength(1);
      expect(res.body).toMatchObject([
        {
          studyInstanceUid: PRIOR.study,
          studyDate: '2024-01-15',
          modalities: ['DX'],
          centreName: expect.any(String),
          centreNameEn: expect.any(String),
          referralNumber: null,
        },
      ]);
    }
    const audited = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'referral.priors.read' AND outcome = 'success'
        AND resource_id = $1 AND patient_id = $2`,
      [referralId, patientId],
    );
    expect(audited.rows[0].n).toBe(3);
    // Who may not read the referral: 404, audited.
    expect((await api(t, 'GET', `/api/referrals/${referralId}/priors`, { token: cardio })).status).toBe(404);
    expect((await api(t, 'GET', `/api/referrals/${referralId}/priors`, { token: foreignDoc })).status).toBe(404);
  });

  it('the readers of the open referral read the prior over DICOMweb, audited; nobody else gains anything', async () => {
    for (const token of [rad, doc, coord]) {
      expect(await found(token)).toBe(1);
      for (const path of priorPaths)
        expect({ path, status: (await read(token, path)).status }).toEqual({ path, status: 200 });
    }
    const audited = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_event a JOIN study s ON s.id::text = a.resource_id
        WHERE a.action = 'study.retrieve' AND a.outcome = 'success' AND s.study_instance_uid = $1 AND a.patient_id = $2`,
      [PRIOR.study, patientId],
    );
    expect(audited.rows[0].n).toBeGreaterThanOrEqual(9);
    // A cardiologist (reads no referral of this patient) and another centre's doctor: nothing found, 404.
    for (const token of [cardio, foreignDoc]) {
      expect(await found(token)).toBe(0);
      for (const path of priorPaths)
        expect({ path, status: (await read(token, path)).status }).toEqual({ path, status: 404 });
    }
  });

  it('the ECG viewer’s list (priors of a study) gives the same priors, and 404 to whoever may not see the study', async () => {
    for (const token of [rad, doc, coord]) {
      const res = await api(t, 'GET', `/api/studies/${STUDY}/priors`, { token });
      expect(res.status).toBe(200);
      expect(res.body.map((p: { studyInstanceUid: string }) => p.studyInstanceUid)).toEqual([PRIOR.study]);
    }
    for (const token of [cardio, foreignDoc]) {
      expect((await api(t, 'GET', `/api/studies/${STUDY}/priors`, { token })).status).toBe(404);
      expect((await api(t, 'GET', `/api/studies/not-a-uid/priors`, { token })).status).toBe(404);
    }
    const refused = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'study.priors.read' AND outcome = 'not_found'`,
    );
    expect(refused.rows[0].n).toBe(4);
  });

  it('once the referral is closed the prior returns to its own scope: 404 and no longer listed', async () => {
    // Closing runs through report, plan and acknowledgement; here the state alone is what the scope reads.
    await t.db.query(`UPDATE referral SET state = 'closed' WHERE id = $1`, [referralId]);
    for (const token of [rad, doc, coord]) {
      expect(await found(token)).toBe(0);
      for (const path of priorPaths)
        expect({ path, status: (await read(token, path)).status }).toEqual({ path, status: 404 });
      const listed = await api(t, 'GET', `/api/referrals/${referralId}/priors`, { token });
      expect(listed.status).toBe(200);
      expect(listed.body).toEqual([]);
    }
    // The referral's own study stays with its readers, as before.
    expect((await read(rad, `/dicomweb/studies/${STUDY}/metadata`)).status).toBe(200);
  });
});
