import { CASE_FIRST_IMAGE_HEADERS } from '@zhiyin/contracts';
import { FIRST_IMAGE_OPTIONS, CaseFirstImageService } from '#src/modules/reading/case-first-image.service.js';
import { WadoService } from '#src/modules/imaging/wado.service.js';
import { uidVariant, withElement, withUidsReplaced } from '../support/dicom-edit.js';
import { sample, stow } from '../support/dicom-files.js';
import { referStudy } from '../support/referrals.js';
import { startTestApp, type TestApp } from '../support/test-app.js';

// The image a case opens on in the reading room, in one request (GET /api/referrals/:id/first-image): the first
// series of the referral's studies (by Series Number), its first image in slice order — along the plane's normal,
// not by Instance Number — rendered as WADO-RS /rendered renders it; made ahead once the case is claimed.

const DIR = 'synthetic-dataset/BJCY/BJCY100000/BJCY24030200000';
const STUDY = '2.25.130930353935831677017901351937829450278';
const CT_SERIES = '2.25.219881039401334746116319901856619626590';
// The four CT slices, from the lowest position (z = -100) up; their Instance Numbers are swapped below so that the
// lowest slice is numbered last.
const CT_SOPS = [
  '2.25.190367113947790185605933099962223089727',
  '2.25.64027706908288160689144155903903615289',
  '2.25.263200030434149059186092644947732502978',
  '2.25.35654286712753697695068361958419113936',
];
const ECG = 'ECG_4_001.dcm';

describe('a case’s first image, in one request', () => {
  let t: TestApp;
  let doc: string;
  let rad: string;
  let cardio: string;
  let imaging: string;
  let ecg: string;

  const firstImage = (id: string, token: string) =>
    fetch(`${t.url}/api/referrals/${id}/first-image`, {
      headers: { authorization: `Bearer ${token}`, accept: 'image/png' },
    });
  const rendered = async (sop: string, token: string) => {
    const res = await fetch(
      `${t.url}/dicomweb/studies/${STUDY}/series/${CT_SERIES}/instances/${sop}/frames/1/rendered`,
      { headers: { authorization: `Bearer ${token}`, accept: 'image/png' } },
    );
    expect(res.status).toBe(200);
    return Buffer.from(await res.arrayBuffer());
  };
  const audits = async (action: string, outcome: string) =>
    (
      await t.db.query<{ resource_id: string; details: Record<string, unknown> }>(
        `SELECT resource_id, details FROM audit_event WHERE action = $1 AND outcome = $2 ORDER BY id`,
        [action, outcome],
      )
    ).rows;

  beforeAll(async () => {
    t = await startTestApp();
    [doc, rad, cardio] = await Promise.all([t.login('doc.hyjq'), t.login('rad.li'), t.login('card.chen')]);
    const slices = [1, 2, 3, 4].map((n) => sample(`${DIR}/CT_2_00${n}.dcm`));
    // Instance Numbers against the slice order: the slice at z = -100 is number 4, the one at z = -85 number 1.
    slices[0] = withElement(slices[0]!, 0x0020, 0x0013, 'IS', '4');
    slices[3] = withElement(slices[3]!, 0x0020, 0x0013, 'IS', '1');
    // The DX film (series 3) of the same study, stored before the CT: still not the first series.
    expect((await stow(t.url, doc, [sample(`${DIR}/DX_3_001.dcm`)])).status).toBe(200);
    expect((await stow(t.url, doc, slices)).status).toBe(200);
    imaging = await referStudy(t, doc, STUDY, 'IMAGING');
    // An ECG of the same patient in a study of its own, referred to the ECG service.
    const ecgStudy = uidVariant(STUDY, 21);
    const ecgFile = sample(`${DIR}/${ECG}`);
    expect((await stow(t.url, doc, [withUidsReplaced(ecgFile, { [STUDY]: ecgStudy })])).status).toBe(200);
    ecg = await referStudy(t, doc, ecgStudy, 'ECG');
  });
  afterAll(async () => {
    await t?.close();
  });

  it('is made ahead once the case is submitted, before any reader asks for it', async () => {
    const wado = t.app.get(WadoService);
    await t.app.get(CaseFirstImageService).settled();
    const [lowest, other] = await Promise.all([sha256Of(CT_SOPS[0]!), sha256Of(CT_SOPS[3]!)]);
    expect(wado.isRendered({ sha256: lowest }, 1, FIRST_IMAGE_OPTIONS)).toBe(true);
    expect(wado.isRendered({ sha256: other }, 1, FIRST_IMAGE_OPTIONS)).toBe(false);
    // and no one's read of it is recorded: nothing was answered
    expect(await audits('study.retrieve', 'success')).toEqual([]);
  });

  it('is the first series’ lowest slice, the same PNG as its /rendered frame, named in the headers, audited', async () => {
    const before = (await audits('study.retrieve', 'success')).length;
    const res = await firstImage(imaging, rad);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^image\/png/);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(res.headers.get(CASE_FIRST_IMAGE_HEADERS.study)).toBe(STUDY);
    expect(res.headers.get(CASE_FIRST_IMAGE_HEADERS.series)).toBe(CT_SERIES);
    // by position, not by Instance Number (which would pick the slice at z = -85)
    expect(res.headers.get(CASE_FIRST_IMAGE_HEADERS.instance)).toBe(CT_SOPS[0]);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.subarray(1, 4).toString('latin1')).toBe('PNG');
    expect(body.equals(await rendered(CT_SOPS[0]!, rad))).toBe(true);
    expect(body.equals(await rendered(CT_SOPS[3]!, rad))).toBe(false);
    const rows = await audits('study.retrieve', 'success');
    // this answer's row, then the two /rendered reads'
    expect(rows.length).toBe(before + 3);
    expect(rows[before]!.details).toMatchObject({ what: 'rendered', instances: 1 });
  });

  it('a reader who may not read the referral gets 404, audited, and no image', async () => {
    const res = await firstImage(imaging, cardio);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('NOT_FOUND');
    const refused = await audits('referral.first_image.read', 'not_found');
    expect(refused.map((r) => r.resource_id)).toContain(imaging);
    // the same for no referral at all
    expect((await firstImage('00000000-0000-4000-8000-000000000000', rad)).status).toBe(404);
  });

  it('a case whose first series is an ECG has no image to draw first: 204', async () => {
    const res = await firstImage(ecg, cardio);
    expect(res.status).toBe(204);
    expect((await res.arrayBuffer()).byteLength).toBe(0);
  });

  async function sha256Of(sop: string): Promise<string> {
    const { rows } = await t.db.query<{ sha256: string }>(`SELECT sha256 FROM instance WHERE sop_instance_uid = $1`, [
      sop,
    ]);
    return rows[0]!.sha256;
  }
});
