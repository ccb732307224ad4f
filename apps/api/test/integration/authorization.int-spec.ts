import { ROLES, type Role } from '#src/common/request-context.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { uidVariant, withUidsReplaced } from '../support/dicom-edit.js';
import { CT_SLICE, multipart, SHARED_DATA } from '../support/dicom-files.js';
import { asFileOf, referStudy } from '../support/referrals.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { allRoutes } from '../support/routes.js';
import { claimsOf, craftToken, tamper } from '../support/tokens.js';

// The authorization matrix: every route x every role x own/foreign facility. A route added without
// an entry in SAMPLES fails here, so nothing reaches production without its access rules tested.
interface Ids {
  ownPatient: string;
  foreignPatient: string;
  facility: string;
  referral: string;
  specialist: string;
  shift: string;
  readingCentre: string;
}
type Sample = (ids: Ids) => {
  path: string;
  body?: unknown;
  scoped?: 'patient' | 'study' | 'referral';
  scopeBody?: unknown;
  headers?: Record<string, string>;
  method?: string;
  /** the status an allowed role gets when the route answers something other than success by design */
  allowedStatus?: number;
};

const ct = readFileSync(join(SHARED_DATA, CT_SLICE));
const study = '2.25.130930353935831677017901351937829450278';
const series = '2.25.219881039401334746116319901856619626590';
const sop = '2.25.190367113947790185605933099962223089727';
const inst = `/dicomweb/studies/${study}/series/${series}/instances/${sop}`;
// A 1 × 1 PNG: the photographed consent form of the matrix's referral.
const FORM_PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);
const PLAN = { content: { diagnosis: '高血压', medications: [] }, disposition: 'manage_in_community' };
const stowSample =
  (path: string): Sample =>
  () => {
    const m = multipart([ct], 'matrix-boundary');
    return { path, body: m.body, headers: { 'content-type': m.contentType } };
  };

// Administration routes that change a facility or an account act on throwaway ones, made afresh
// before each call (see `call`), so the matrix never deactivates the demo network.
const spare = { facility: '', user: '' };
const SPARE_ROUTES = new Set([
  'POST /api/facilities/:id/deactivate',
  'POST /api/facilities/:id/activate',
  'PATCH /api/users/:id',
  'POST /api/users/:id/deactivate',
  'POST /api/users/:id/activate',
  'POST /api/users/:id/password',
]);
const uniq = () => Math.random().toString(36).slice(2, 10);

// The refresh token travels in its cookie, with the app's cross-site defence header.
const REFRESH_COOKIE = { cookie: `zhiyin_refresh=${'x'.repeat(43)}`, 'x-zhiyin-csrf': '1' };

const SAMPLES: Record<string, Sample> = {
  'POST /api/auth/login': () => ({ path: '/api/auth/login', body: { username: 'nobody', password: 'x' } }),
  'POST /api/auth/service-token': () => ({ path: '/api/auth/service-token', body: { credential: 'zsa.nothing' } }),
  'POST /api/auth/refresh': () => ({ path: '/api/auth/refresh', headers: REFRESH_COOKIE }),
  'POST /api/auth/logout': () => ({ path: '/api/auth/logout', headers: REFRESH_COOKIE }),
  'POST /api/auth/patient-login': () => ({
    path: '/api/auth/patient-login',
    body: { code: 'AAAAA-AAAAA', birthDate: '1950-01-01' },
  }),
  'GET /api/auth/me': () => ({ path: '/api/auth/me' }),
  'POST /api/auth/second-factor/verify': () => ({
    path: '/api/auth/second-factor/verify',
    body: { challengeToken: 'x'.repeat(43), code: '123456' },
  }),
  'POST /api/auth/second-factor/challenge-enrolment': () => ({
    path: '/api/auth/second-factor/challenge-enrolment',
    body: { challengeToken: 'x'.repeat(43) },
  }),
  'POST /api/auth/second-factor/challenge-enrolment/confirm': () => ({
    path: '/api/auth/second-factor/challenge-enrolment/confirm',
    body: { challengeToken: 'x'.repeat(43), code: '123456' },
  }),
  'GET /api/auth/second-factor': () => ({ path: '/api/auth/second-factor' }),
  'POST /api/auth/second-factor/enrolment': () => ({ path: '/api/auth/second-factor/enrolment' }),
  // A code of the wrong shape: an allowed caller gets 400 (validation), never a change.
  'POST /api/auth/second-factor/enrolment/confirm': () => ({
    path: '/api/auth/second-factor/enrolment/confirm',
    body: { code: 'x' },
    allowedStatus: 400,
  }),
  'POST /api/auth/second-factor/disable': () => ({
    path: '/api/auth/second-factor/disable',
    body: { code: 'x' },
    allowedStatus: 400,
  }),
  'POST /api/auth/second-factor/recovery-codes': () => ({
    path: '/api/auth/second-factor/recovery-codes',
    body: { code: 'x' },
    allowedStatus: 400,
  }),
  'GET /api/settings/second-factor': () => ({ path: '/api/settings/second-factor' }),
  'PUT /api/settings/second-factor': () => ({ path: '/api/settings/second-factor', body: { requiredRoles: [] } }),
  'POST /api/users/:id/second-factor/reset': (ids) => ({ path: `/api/users/${ids.specialist}/second-factor/reset` }),
  'POST /api/patients': () => ({
    path: '/api/patients',
    body: {
      mrn: `M${Math.random().toString(36).slice(2, 10)}`,
      familyNameZh: '钱',
      givenNameZh: '多',
      sex: 'M',
      birthDate: '1970-01-01',
    },
  }),
  'GET /api/patients': () => ({ path: '/api/patients?q=zw' }),
  'GET /api/patients/:id': (ids) => ({ path: `/api/patients/${ids.ownPatient}`, scoped: 'patient' }),
  'PATCH /api/patients/:id': (ids) => ({
    path: `/api/patients/${ids.ownPatient}`,
    body: { phone: '13800000000', version: 1 },
    scoped: 'patient',
  }),
  'POST /api/patients/:id/duplicate-review': (ids) => ({
    path: `/api/patients/${ids.ownPatient}/duplicate-review`,
    body: { samePerson: false },
  }),
  'POST /api/patients/:id/access-codes': (ids) => ({
    path: `/api/patients/${ids.ownPatient}/access-codes`,
    scoped: 'patient',
  }),
  // A code that is not the patient's live one: refused for the allowed role too (the sheet prints live codes only).
  'POST /api/patients/:id/access-codes/sheet': (ids) => ({
    path: `/api/patients/${ids.ownPatient}/access-codes/sheet`,
    body: { code: 'ABCDE-FGHJK' },
    scoped: 'patient',
    allowedStatus: 400,
  }),
  'GET /api/facilities': () => ({ path: '/api/facilities' }),
  'GET /api/facilities/:id': (ids) => ({ path: `/api/facilities/${ids.facility}` }),
  'POST /api/facilities': () => ({
    path: '/api/facilities',
    body: { code: `M${uniq()}`, kind: 'hub', nameZh: '矩阵医院', nameEn: 'Matrix Hospital' },
  }),
  'PATCH /api/facilities/:id': (ids) => ({ path: `/api/facilities/${ids.facility}`, body: { phone: '010-65550000' } }),
  // A rename to the name the centre already has: allowed roles get past the gate, and nothing changes.
  'PATCH /api/facilities/reading-centres/:id': (ids) => ({
    path: `/api/facilities/reading-centres/${ids.readingCentre}`,
    body: { nameZh: '心电诊断中心' },
  }),
  'POST /api/facilities/:id/deactivate': () => ({ path: `/api/facilities/${spare.facility}/deactivate` }),
  'POST /api/facilities/:id/activate': () => ({ path: `/api/facilities/${spare.facility}/activate` }),
  'GET /api/dicom/aes': () => ({ path: '/api/dicom/aes' }),
  // No such device: the administrator gets past the gate and is told so.
  'GET /api/dicom/aes/:id': () => ({ path: '/api/dicom/aes/00000000-0000-4000-8000-00000000ae01', allowedStatus: 404 }),
  'POST /api/dicom/aes': (ids) => ({
    path: '/api/dicom/aes',
    body: { aeTitle: `M${uniq()}`, facilityId: ids.facility, kind: 'modality', modality: 'DX' },
  }),
  'PATCH /api/dicom/aes/:id': () => ({
    path: '/api/dicom/aes/00000000-0000-4000-8000-00000000ae01',
    body: { active: true },
    allowedStatus: 404,
  }),
  'GET /api/service-accounts': () => ({ path: '/api/service-accounts' }),
  'POST /api/service-accounts': (ids) => ({
    path: '/api/service-accounts',
    body: { facilityId: ids.facility, name: `matrix ${uniq()}` },
  }),
  // No such account: the administrator gets past the gate and is told so.
  'POST /api/service-accounts/:id/revoke': () => ({
    path: '/api/service-accounts/00000000-0000-4000-8000-0000000000a1/revoke',
    allowedStatus: 404,
  }),
  // The gateway's alone (its service account's token): every person is refused.
  'GET /api/gateway/worklist': () => ({ path: '/api/gateway/worklist' }),
  'GET /api/users': () => ({ path: '/api/users?role=specialist&active=true' }),
  'GET /api/users/:id': (ids) => ({ path: `/api/users/${ids.specialist}` }),
  'POST /api/users': (ids) => ({
    path: '/api/users',
    body: {
      username: `m.${uniq()}`,
      displayNameZh: '矩阵',
      displayNameEn: 'Matrix',
      role: 'community_doctor',
      facilityId: ids.facility,
      password: 'Matrix-pass-2030',
    },
  }),
  'PATCH /api/users/:id': () => ({ path: `/api/users/${spare.user}`, body: { displayNameEn: 'Spare Two' } }),
  'POST /api/users/:id/deactivate': () => ({ path: `/api/users/${spare.user}/deactivate` }),
  'POST /api/users/:id/activate': () => ({ path: `/api/users/${spare.user}/activate` }),
  'POST /api/users/:id/password': () => ({
    path: `/api/users/${spare.user}/password`,
    body: { password: 'Spare-pass-2030' },
  }),
  'GET /api/settings/turnaround-policy': () => ({ path: '/api/settings/turnaround-policy' }),
  // An invalid policy: allowed roles get past the gate to a validation error, and nothing changes.
  'PUT /api/settings/turnaround-policy': () => ({
    path: '/api/settings/turnaround-policy',
    body: { policy: {}, version: 0 },
  }),
  'GET /api/settings/critical-results': () => ({ path: '/api/settings/critical-results' }),
  'PUT /api/settings/critical-results': () => ({
    path: '/api/settings/critical-results',
    body: { policy: {}, version: 0 },
  }),
  'GET /api/critical-results': () => ({ path: '/api/critical-results' }),
  // A referral nobody reads: past the role gate, "not found" for every staff member (the reader-only
  // scope is tested in critical-results.int-spec.ts; the matrix referral may be accepted by then).
  'POST /api/referrals/:id/critical-results': () => ({
    path: '/api/referrals/00000000-0000-4000-8000-000000000000/critical-results',
    body: { findingCode: 'stemi' },
    allowedStatus: 404,
  }),
  'GET /api/referrals/:id/key-images': (ids) => ({
    path: `/api/referrals/${ids.referral}/key-images`,
    scoped: 'referral',
  }),
  // A referral nobody reads: past the role gate, "not found" for every specialist (the reader-only rule, the signed
  // lock and the image checks are tested in key-images-priors.int-spec.ts).
  'POST /api/referrals/:id/key-images': () => ({
    path: '/api/referrals/00000000-0000-4000-8000-000000000000/key-images',
    body: { studyInstanceUid: study, seriesInstanceUid: series, sopInstanceUid: sop, frame: 1, measurements: [] },
    allowedStatus: 404,
  }),
  'DELETE /api/referrals/:id/key-images/:keyImageId': () => ({
    path: '/api/referrals/00000000-0000-4000-8000-000000000000/key-images/00000000-0000-4000-8000-000000000000',
    allowedStatus: 404,
  }),
  'GET /api/referrals/:id/priors': (ids) => ({ path: `/api/referrals/${ids.referral}/priors`, scoped: 'referral' }),
  'GET /api/referrals/:id/first-image': (ids) => ({
    path: `/api/referrals/${ids.referral}/first-image`,
    scoped: 'referral',
  }),
  'GET /api/studies/:studyUid/priors': () => ({ path: `/api/studies/${study}/priors`, scoped: 'study' }),
  'GET /api/referrals/:id/critical-results': (ids) => ({
    path: `/api/referrals/${ids.referral}/critical-results`,
    scoped: 'referral',
  }),
  // No such critical result: past the role gate, "not found" for every staff member.
  'POST /api/critical-results/:id/confirm': () => ({
    path: '/api/critical-results/00000000-0000-4000-8000-000000000000/confirm',
    body: { readBack: 'stemi', plannedAction: 'x' },
    allowedStatus: 404,
  }),
  'POST /api/critical-results/:id/calls': () => ({
    path: '/api/critical-results/00000000-0000-4000-8000-000000000000/calls',
    body: { callee: 'x', calledAt: '2020-01-01T00:00:00Z', reached: false },
    allowedStatus: 404,
  }),
  'GET /api/audit': () => ({ path: '/api/audit' }),
  'GET /api/audit/export.csv': () => ({ path: '/api/audit/export.csv?action=user.' }),
  'GET /api/audit/vocabulary': () => ({ path: '/api/audit/vocabulary' }),
  'GET /api/audit/verify': () => ({ path: '/api/audit/verify' }),
  'GET /api/health': () => ({ path: '/api/health' }),
  'ALL /api/uploads': () => ({ path: '/api/uploads', method: 'OPTIONS' }),
  'ALL /api/uploads/:id': () => ({ path: '/api/uploads/0123456789abcdef', method: 'HEAD' }),
  'POST /api/referrals': (ids) => ({
    path: '/api/referrals',
    body: { patientId: ids.ownPatient, service: 'IMAGING', modality: 'CT', priority: 'ROUTINE' },
  }),
  'GET /api/referrals': () => ({ path: '/api/referrals?worklist=true' }),
  'POST /api/referrals/claim-next': () => ({ path: '/api/referrals/claim-next' }),
  'GET /api/referrals/:id': (ids) => ({ path: `/api/referrals/${ids.referral}`, scoped: 'referral' }),
  'PATCH /api/referrals/:id': (ids) => ({
    path: `/api/referrals/${ids.referral}`,
    body: { history: 'x' },
    scoped: 'referral',
  }),
  'POST /api/referrals/:id/studies': (ids) => ({
    path: `/api/referrals/${ids.referral}/studies`,
    body: { studyInstanceUid: study },
    scoped: 'referral',
  }),
  'POST /api/referrals/:id/events': (ids) => ({
    path: `/api/referrals/${ids.referral}/events`,
    body: { type: 'no_such_event' },
    scopeBody: { type: 'cancel', reason: 'patient_withdrew' },
    scoped: 'referral',
  }),
  'GET /api/referrals/:id/consent': (ids) => ({ path: `/api/referrals/${ids.referral}/consent`, scoped: 'referral' }),
  // The referral is already submitted: an allowed caller is refused the change (409), never a 404.
  'POST /api/referrals/:id/consent/verbal': (ids) => ({
    path: `/api/referrals/${ids.referral}/consent/verbal`,
    body: { witnessName: '王芳', consentedAt: '2026-01-01T08:00:00Z' },
    scoped: 'referral',
  }),
  'PUT /api/referrals/:id/consent/form': (ids) => ({
    path: `/api/referrals/${ids.referral}/consent/form`,
    body: FORM_PNG,
    headers: { 'content-type': 'image/png' },
    scoped: 'referral',
  }),
  'GET /api/referrals/:id/consent/form': (ids) => ({
    path: `/api/referrals/${ids.referral}/consent/form`,
    scoped: 'referral',
  }),
  'GET /api/referrals/:id/messages': (ids) => ({ path: `/api/referrals/${ids.referral}/messages`, scoped: 'referral' }),
  'POST /api/referrals/:id/messages': (ids) => ({
    path: `/api/referrals/${ids.referral}/messages`,
    body: { body: '请补充既往史' },
    scoped: 'referral',
  }),
  'GET /api/events': () => ({ path: '/api/events?after=0' }),
  'GET /api/referrals/:id/report': (ids) => ({ path: `/api/referrals/${ids.referral}/report`, scoped: 'referral' }),
  'PUT /api/referrals/:id/report': (ids) => ({
    path: `/api/referrals/${ids.referral}/report`,
    body: { findings: '窦性心律' },
    scoped: 'referral',
  }),
  'POST /api/referrals/:id/report/sign': (ids) => ({
    path: `/api/referrals/${ids.referral}/report/sign`,
    scoped: 'referral',
  }),
  'POST /api/referrals/:id/report/addenda': (ids) => ({
    path: `/api/referrals/${ids.referral}/report/addenda`,
    body: { body: '补充' },
    scoped: 'referral',
  }),
  'GET /api/referrals/:id/report/pdf': (ids) => ({
    path: `/api/referrals/${ids.referral}/report/pdf`,
    scoped: 'referral',
  }),
  // Just submitted, so not (yet) sent to the hub: no form, for the allowed roles a 409.
  'GET /api/referrals/:id/referral-form.pdf': (ids) => ({
    path: `/api/referrals/${ids.referral}/referral-form.pdf`,
    scoped: 'referral',
    allowedStatus: 409,
  }),
  'GET /api/referrals/:id/plan': (ids) => ({ path: `/api/referrals/${ids.referral}/plan`, scoped: 'referral' }),
  'POST /api/referrals/:id/plan': (ids) => ({
    path: `/api/referrals/${ids.referral}/plan`,
    body: PLAN,
    scoped: 'referral',
  }),
  'POST /api/referrals/:id/plan/sign': (ids) => ({
    path: `/api/referrals/${ids.referral}/plan/sign`,
    body: { version: 1 },
    scoped: 'referral',
  }),
  'POST /api/referrals/:id/plan/appointment': (ids) => ({
    path: `/api/referrals/${ids.referral}/plan/appointment`,
    body: { at: '2030-01-01T08:00:00Z', department: '心内科' },
  }),
  // The matrix patient has no agreed decision yet: past the role gate, the answer is "not found".
  'GET /api/me/decision': () => ({ path: '/api/me/decision', allowedStatus: 404 }),
  'POST /api/me/decision/acknowledge': () => ({ path: '/api/me/decision/acknowledge', allowedStatus: 404 }),
  'GET /api/figures/weekly': () => ({ path: '/api/figures/weekly?week=2026-W48' }),
  'GET /api/icd10': () => ({ path: `/api/icd10?q=${encodeURIComponent('心肌梗死')}` }),
  'GET /api/duty-shifts': () => ({ path: '/api/duty-shifts' }),
  'GET /api/board': () => ({ path: '/api/board' }),
  'POST /api/duty-shifts': (ids) => ({
    path: '/api/duty-shifts',
    body: { userId: ids.specialist, startsAt: '2030-01-01T00:00:00Z', endsAt: '2030-01-01T08:00:00Z' },
  }),
  'DELETE /api/duty-shifts/:id': (ids) => ({ path: `/api/duty-shifts/${ids.shift}` }),
  'POST /dicomweb/studies': stowSample('/dicomweb/studies'),
  'POST /dicomweb/studies/:study': stowSample(`/dicomweb/studies/${study}`),
  'GET /dicomweb/studies': () => ({ path: '/dicomweb/studies?PatientID=BJCY100000' }),
  'GET /dicomweb/series': () => ({ path: '/dicomweb/series?Modality=CT' }),
  'GET /dicomweb/instances': () => ({ path: `/dicomweb/instances?SOPInstanceUID=${sop}` }),
  'GET /dicomweb/studies/:study/series': () => ({ path: `/dicomweb/studies/${study}/series` }),
  'GET /dicomweb/studies/:study/instances': () => ({ path: `/dicomweb/studies/${study}/instances` }),
  'GET /dicomweb/studies/:study/series/:series/instances': () => ({
    path: `/dicomweb/studies/${study}/series/${series}/instances`,
  }),
  'GET /dicomweb/studies/:study': () => ({ path: `/dicomweb/studies/${study}`, scoped: 'study' }),
  'GET /api/studies/:studyUid/filing': () => ({ path: `/api/studies/${study}/filing`, scoped: 'study' }),
  'GET /dicomweb/studies/:study/series/:series': () => ({
    path: `/dicomweb/studies/${study}/series/${series}`,
    scoped: 'study',
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop': () => ({ path: inst, scoped: 'study' }),
  'GET /dicomweb/studies/:study/metadata': () => ({ path: `/dicomweb/studies/${study}/metadata`, scoped: 'study' }),
  'GET /dicomweb/studies/:study/series/:series/metadata': () => ({
    path: `/dicomweb/studies/${study}/series/${series}/metadata`,
    scoped: 'study',
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/metadata': () => ({
    path: `${inst}/metadata`,
    scoped: 'study',
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/frames/:frames': () => ({
    path: `${inst}/frames/1`,
    scoped: 'study',
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/rendered': () => ({
    path: `${inst}/rendered`,
    scoped: 'study',
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/frames/:frames/rendered': () => ({
    path: `${inst}/frames/1/rendered`,
    scoped: 'study',
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/bulk/*path': () => ({
    path: `${inst}/bulk/7FE00010`,
    scoped: 'study',
  }),
  'GET /dicomweb/studies/:study/thumbnail': () => ({ path: `/dicomweb/studies/${study}/thumbnail`, scoped: 'study' }),
  'GET /dicomweb/studies/:study/series/:series/thumbnail': () => ({
    path: `/dicomweb/studies/${study}/series/${series}/thumbnail`,
    scoped: 'study',
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/thumbnail': () => ({
    path: `${inst}/thumbnail`,
    scoped: 'study',
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/frames/:frames/thumbnail': () => ({
    path: `${inst}/frames/1/thumbnail`,
    scoped: 'study',
  }),
  'GET /dicomweb/studies/:study/originals': () => ({ path: `/dicomweb/studies/${study}/originals`, scoped: 'study' }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/original': () => ({
    path: `${inst}/original`,
    scoped: 'study',
  }),
};

describe('authorization: deny by default', () => {
  const routes = allRoutes();

  it('every route declares who may call it (@Roles with at least one role, or @Public)', () => {
    expect(routes.length).toBeGreaterThan(10);
    const undeclared = routes.filter((r) => !r.isPublic && (!r.roles || r.roles.length === 0)).map((r) => r.key);
    expect(undeclared).toEqual([]);
  });

  it('every route has a sample request in the matrix', () => {
    expect(routes.map((r) => r.key).filter((k) => !SAMPLES[k])).toEqual([]);
  });
});

const placeholder: Ids = {
  ownPatient: 'x',
  foreignPatient: 'x',
  facility: 'x',
  referral: 'x',
  specialist: 'x',
  shift: 'x',
  readingCentre: 'x',
};

describe('authorization matrix over HTTP', () => {
  let t: TestApp;
  const tokens = {} as Record<Role, string>;
  let foreignDoctor: string;
  let ids: Ids;

  beforeAll(async () => {
    t = await startTestApp();
    [tokens.community_doctor, tokens.specialist, tokens.coordinator, tokens.admin, foreignDoctor] = await Promise.all([
      t.login('doc.hyjq'),
      t.login('card.chen'),
      t.login('coord.liu'),
      t.login('admin'),
      t.login('doc.hyqc'),
    ]);
    const { rows } = await t.db.query(
      `SELECT p.id, p.mrn, p.birth_date::text AS birth, f.id AS facility FROM patient p JOIN facility f ON f.id = p.home_facility_id
        WHERE p.mrn IN ('BJCY100000', 'BJCY100101', 'BJHD107919')`,
    );
    const own = rows.find((r) => r.mrn === 'BJCY100000');
    // The patient who signs in is not the one whose codes the samples issue: a new code ends the
    // session opened with the previous one.
    const signedIn = rows.find((r) => r.mrn === 'BJCY100101');
    const foreign = rows.find((r) => r.mrn === 'BJHD107919');
    const [spec] = (await t.db.query(`SELECT id, reading_centre_id FROM app_user WHERE username = 'card.chen'`)).rows;
    ids = {
      ownPatient: own.id,
      foreignPatient: foreign.id,
      facility: own.facility,
      referral: '',
      specialist: spec.id,
      shift: '',
      readingCentre: spec.reading_centre_id,
    };
    const code = await api(t, 'POST', `/api/patients/${signedIn.id}/access-codes`, {
      token: tokens.community_doctor,
    });
    const patient = await api(t, 'POST', '/api/auth/patient-login', {
      body: { code: code.body.code, birthDate: signedIn.birth },
    });
    tokens.patient = patient.body.accessToken;
    const m = multipart([ct]);
    const stored = await fetch(`${t.url}/dicomweb/studies`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.community_doctor}`, 'content-type': m.contentType },
      body: m.body,
    });
    expect(stored.status).toBe(200);
    // As if converted from a centre's own file: its original is kept beside it (for the original's route).
    await t.db.query(
      `INSERT INTO instance_original (instance_id, format, media_type, sha256, size_bytes)
       SELECT id, 'png', 'image/png', sha256, size_bytes FROM instance WHERE sop_instance_uid = $1`,
      [sop],
    );
    // An ECG referral, submitted, so that every reader can see it.
    const created = await api(t, 'POST', '/api/referrals', {
      token: tokens.community_doctor,
      body: { patientId: own.id, service: 'ECG', priority: 'URGENT', clinicalQuestion: '胸痛两小时' },
    });
    ids.referral = created.body.id;
    expect(
      (
        await api(t, 'POST', `/api/referrals/${ids.referral}/studies`, {
          token: tokens.community_doctor,
          body: { studyInstanceUid: study },
        })
      ).status,
    ).toBe(200);
    // The patient's signed consent form, photographed, so every reader can open it.
    const consent = await fetch(`${t.url}/api/referrals/${ids.referral}/consent/form`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${tokens.community_doctor}`, 'content-type': 'image/png' },
      body: FORM_PNG,
    });
    expect(consent.status).toBe(200);
    expect(
      (
        await api(t, 'POST', `/api/referrals/${ids.referral}/events`, {
          token: tokens.community_doctor,
          body: { type: 'submit' },
        })
      ).status,
    ).toBe(200);
  });
  afterAll(async () => {
    await t.close();
  });

  const call = async (key: string, token?: string, patientId?: string, forScope = false) => {
    if (key === 'DELETE /api/duty-shifts/:id') {
      const { rows } = await t.db.query(
        `INSERT INTO duty_shift (user_id, reading_centre_id, starts_at, ends_at)
         SELECT id, reading_centre_id, '2030-02-01', '2030-02-02' FROM app_user WHERE id = $1 RETURNING id`,
        [ids.specialist],
      );
      ids.shift = rows[0].id;
    }
    if (SPARE_ROUTES.has(key)) {
      const f = await t.db.query(
        `INSERT INTO facility (code, kind, name_zh, name_en) VALUES ($1, 'hub', '备用', 'Spare') RETURNING id`,
        [`S${uniq()}`],
      );
      spare.facility = f.rows[0].id;
      const u = await t.db.query(
        `INSERT INTO app_user (username, password_hash, role, facility_id, display_name_zh, display_name_en)
         SELECT $1, 'x', 'community_doctor', facility_id, '备用', 'Spare' FROM app_user WHERE username = 'doc.hyjq'
         RETURNING id`,
        [`s.${uniq()}`],
      );
      spare.user = u.rows[0].id;
    }
    const given = SAMPLES[key]!({ ...ids, ownPatient: patientId ?? ids.ownPatient });
    const sample = forScope && given.scopeBody ? { ...given, body: given.scopeBody } : given;
    const method = sample.method ?? key.split(' ')[0];
    if (Buffer.isBuffer(sample.body)) {
      return fetch(`${t.url}${sample.path}`, {
        method,
        headers: { ...sample.headers, ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: sample.body,
      }).then(async (r) => ({ status: r.status, body: await r.json().catch(() => undefined) }));
    }
    return api(t, method!, sample.path, {
      token,
      body: sample.body ?? (['GET', 'HEAD', 'OPTIONS'].includes(method!) ? undefined : {}),
    });
  };

  const protectedRoutes = allRoutes().filter((r) => !r.isPublic);

  it.each(protectedRoutes.map((r) => [r.key]))('%s: 401 without a token or with a bad one', async (key) => {
    const valid = tokens.admin;
    const claims = claimsOf(valid);
    const bad = {
      none: undefined,
      garbage: 'not-a-jwt',
      expired: craftToken({ ...claims, iat: 1_600_000_000, exp: 1_600_000_900 }),
      tampered: tamper(valid, { role: 'admin', sub: '00000000-0000-4000-8000-000000000000' }),
      algNone: craftToken(claims, { alg: 'none' }),
      wrongKey: craftToken(claims, { secret: 'another-secret-another-secret-another-secret' }),
    };
    for (const [label, token] of Object.entries(bad)) {
      const res = await call(key, token);
      expect({ label, status: res.status }).toEqual({ label, status: 401 });
    }
  });

  const cells = protectedRoutes.flatMap((r) => ROLES.map((role) => [r.key, role, r.admits.includes(role)] as const));

  it.each(cells)('%s as %s (allowed: %s)', async (key, role, allowed) => {
    const res = await call(key, tokens[role]);
    if (!allowed) {
      expect(res.status).toBe(403);
      if (!key.startsWith('ALL ')) expect(res.body.error.code).toBe('FORBIDDEN'); // HEAD answers carry no body
    } else if (SAMPLES[key]!(placeholder).allowedStatus) {
      expect(res.status).toBe(SAMPLES[key]!(placeholder).allowedStatus);
    } else {
      expect([401, 403, 404]).not.toContain(res.status);
      expect(res.status).toBeLessThan(500);
    }
  });

  const scoped = protectedRoutes.filter((r) => SAMPLES[r.key]?.(placeholder).scoped === 'patient');
  // Scope is tested with a community doctor of another centre wherever community doctors may call the route.
  const studyScoped = protectedRoutes
    .filter((r) => r.admits.includes('community_doctor'))
    .filter((r) => ['study', 'referral'].includes(SAMPLES[r.key]?.(placeholder).scoped ?? ''));

  it.each(studyScoped.map((r) => [r.key]))('%s: 404 for a community doctor of another centre', async (key) => {
    const res = await call(key, foreignDoctor, undefined, true);
    expect(res.status).toBe(404);
  });

  it.each(scoped.map((r) => [r.key]))('%s: 404 for a community doctor of another centre', async (key) => {
    const res = await call(key, foreignDoctor);
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('NOT_FOUND');
  });

  it.each(scoped.map((r) => [r.key]))('%s: 404 for a patient id that does not exist or is not a UUID', async (key) => {
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
      const res = await call(key, tokens.community_doctor, id);
      expect(res.status).toBe(404);
    }
  });
});

// The read scope of DICOMweb: every read route x every kind of reader x every kind of study. A community doctor
// reads what their centre sent; a specialist the studies of referrals sent to their own reading centre; a
// coordinator those of every pool of the hub; an administrator and a patient nothing. Out of scope, a search finds
// nothing and a retrieval answers 404 (and is audited as refused).
interface StudyUids {
  study: string;
  series: string;
  sop: string;
}
type ReadSample = (u: StudyUids) => { path: string; search: boolean };
const instPath = (u: StudyUids) => `/dicomweb/studies/${u.study}/series/${u.series}/instances/${u.sop}`;
const DICOMWEB_READS: Record<string, ReadSample> = {
  'GET /dicomweb/studies': (u) => ({
    path: `/dicomweb/studies?StudyInstanceUID=${u.study}&includefield=all`,
    search: true,
  }),
  'GET /dicomweb/series': (u) => ({
    path: `/dicomweb/series?StudyInstanceUID=${u.study}&includefield=all`,
    search: true,
  }),
  'GET /dicomweb/instances': (u) => ({ path: `/dicomweb/instances?StudyInstanceUID=${u.study}`, search: true }),
  'GET /dicomweb/studies/:study/series': (u) => ({ path: `/dicomweb/studies/${u.study}/series`, search: true }),
  'GET /dicomweb/studies/:study/instances': (u) => ({ path: `/dicomweb/studies/${u.study}/instances`, search: true }),
  'GET /dicomweb/studies/:study/series/:series/instances': (u) => ({
    path: `/dicomweb/studies/${u.study}/series/${u.series}/instances`,
    search: true,
  }),
  'GET /dicomweb/studies/:study': (u) => ({ path: `/dicomweb/studies/${u.study}`, search: false }),
  'GET /dicomweb/studies/:study/series/:series': (u) => ({
    path: `/dicomweb/studies/${u.study}/series/${u.series}`,
    search: false,
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop': (u) => ({ path: instPath(u), search: false }),
  'GET /dicomweb/studies/:study/metadata': (u) => ({ path: `/dicomweb/studies/${u.study}/metadata`, search: false }),
  'GET /dicomweb/studies/:study/series/:series/metadata': (u) => ({
    path: `/dicomweb/studies/${u.study}/series/${u.series}/metadata`,
    search: false,
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/metadata': (u) => ({
    path: `${instPath(u)}/metadata`,
    search: false,
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/frames/:frames': (u) => ({
    path: `${instPath(u)}/frames/1`,
    search: false,
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/rendered': (u) => ({
    path: `${instPath(u)}/rendered`,
    search: false,
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/frames/:frames/rendered': (u) => ({
    path: `${instPath(u)}/frames/1/rendered`,
    search: false,
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/bulk/*path': (u) => ({
    path: `${instPath(u)}/bulk/7FE00010`,
    search: false,
  }),
  'GET /dicomweb/studies/:study/thumbnail': (u) => ({ path: `/dicomweb/studies/${u.study}/thumbnail`, search: false }),
  'GET /dicomweb/studies/:study/series/:series/thumbnail': (u) => ({
    path: `/dicomweb/studies/${u.study}/series/${u.series}/thumbnail`,
    search: false,
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/thumbnail': (u) => ({
    path: `${instPath(u)}/thumbnail`,
    search: false,
  }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/frames/:frames/thumbnail': (u) => ({
    path: `${instPath(u)}/frames/1/thumbnail`,
    search: false,
  }),
  'GET /dicomweb/studies/:study/originals': (u) => ({ path: `/dicomweb/studies/${u.study}/originals`, search: false }),
  'GET /dicomweb/studies/:study/series/:series/instances/:sop/original': (u) => ({
    path: `${instPath(u)}/original`,
    search: false,
  }),
};

const STUDY_KINDS = ['ECG referral', 'imaging referral', 'draft referral', 'not referred'] as const;
type StudyKind = (typeof STUDY_KINDS)[number];
const SCOPE_READERS = {
  'community doctor of the sending centre': { user: 'doc.hyjq', sees: [...STUDY_KINDS] },
  'community doctor of another centre': { user: 'doc.hyqc', sees: [] },
  radiologist: { user: 'rad.li', sees: ['imaging referral'] },
  cardiologist: { user: 'card.chen', sees: ['ECG referral'] },
  coordinator: { user: 'coord.liu', sees: ['ECG referral', 'imaging referral'] },
  administrator: { user: 'admin', sees: 'forbidden' },
  patient: { user: '(patient)', sees: 'forbidden' },
} satisfies Record<string, { user: string; sees: StudyKind[] | 'forbidden' }>;
type ScopeReader = keyof typeof SCOPE_READERS;

describe('DICOMweb read scope: every read route x reader x study', () => {
  let t: TestApp;
  const tokens = {} as Record<ScopeReader, string>;
  const userIds = {} as Record<ScopeReader, string>;
  const uids = {} as Record<StudyKind, StudyUids>;
  const readRoutes = allRoutes().filter((r) => r.method === 'GET' && r.path.startsWith('/dicomweb'));

  it('every DICOMweb read route has a sample in the scope matrix', () => {
    expect(readRoutes.length).toBeGreaterThanOrEqual(16);
    expect(readRoutes.map((r) => r.key).filter((k) => !DICOMWEB_READS[k])).toEqual([]);
  });

  beforeAll(async () => {
    t = await startTestApp();
    for (const [reader, { user }] of Object.entries(SCOPE_READERS) as [ScopeReader, { user: string }][]) {
      if (reader === 'patient') continue;
      tokens[reader] = await t.login(user);
      userIds[reader] = (await t.db.query('SELECT id FROM app_user WHERE username = $1', [user])).rows[0].id;
    }
    const doc = tokens['community doctor of the sending centre'];
    const [signedIn] = (await t.db.query(`SELECT id, birth_date::text AS birth FROM patient WHERE mrn = 'BJCY100101'`))
      .rows;
    const code = await api(t, 'POST', `/api/patients/${signedIn.id}/access-codes`, { token: doc });
    tokens.patient = (
      await api(t, 'POST', '/api/auth/patient-login', { body: { code: code.body.code, birthDate: signedIn.birth } })
    ).body.accessToken;
    userIds.patient = signedIn.id;
    // Four studies sent by one centre, from one CT slice with other UIDs, each of another patient of the centre: a
    // patient's studies are also each other's priors while one of them is read (the priors rule has its own tests,
    // key-images-priors.int-spec.ts), and this matrix is about the rule of each study's own referral.
    const { rows: patients } = await t.db.query<{ id: string }>(
      `SELECT id FROM patient WHERE mrn = ANY($1::text[]) ORDER BY mrn`,
      [['BJCY100000', 'BJCY100101', 'BJCY100102', 'BJCY100103']],
    );
    expect(patients).toHaveLength(STUDY_KINDS.length);
    for (const [n, kind] of STUDY_KINDS.entries()) {
      const u = { study: uidVariant(study, 11 + n), series: uidVariant(series, 11 + n), sop: uidVariant(sop, 11 + n) };
      uids[kind] = u;
      const file = await asFileOf(
        t,
        withUidsReplaced(ct, { [study]: u.study, [series]: u.series, [sop]: u.sop }),
        patients[n]!.id,
      );
      const m = multipart([file]);
      const stored = await fetch(`${t.url}/dicomweb/studies`, {
        method: 'POST',
        headers: { authorization: `Bearer ${doc}`, 'content-type': m.contentType },
        body: m.body,
      });
      expect(stored.status).toBe(200);
    }
    // Each instance as if converted from a centre's own file (its original kept beside it), so that the
    // original's route has something to give back to whoever may read the instance.
    await t.db.query(
      `INSERT INTO instance_original (instance_id, format, media_type, sha256, size_bytes)
       SELECT id, 'png', 'image/png', sha256, size_bytes FROM instance WHERE sop_instance_uid = ANY($1::text[])`,
      [STUDY_KINDS.map((k) => uids[k].sop)],
    );
    await referStudy(t, doc, uids['ECG referral'].study, 'ECG');
    await referStudy(t, doc, uids['imaging referral'].study, 'IMAGING');
    await referStudy(t, doc, uids['draft referral'].study, 'IMAGING', { submit: false });
  });
  afterAll(async () => {
    await t?.close();
  });

  it('the cardiologist searching every name finds only the studies referred to the ECG reading centre', async () => {
    const res = await fetch(`${t.url}/dicomweb/studies?PatientName=*&includefield=all`, {
      headers: { authorization: `Bearer ${tokens.cardiologist}`, accept: 'application/dicom+json' },
    });
    expect(res.status).toBe(200);
    const rows = (await res.json()) as { '0020000D': { Value: string[] } }[];
    expect(rows.map((r) => r['0020000D'].Value[0])).toEqual([uids['ECG referral'].study]);
  });

  const cells = Object.keys(DICOMWEB_READS).flatMap((key) =>
    (Object.keys(SCOPE_READERS) as ScopeReader[]).map((reader) => [key, reader] as const),
  );

  it.each(cells)('%s as the %s', async (key, reader) => {
    const sees: readonly StudyKind[] | 'forbidden' = SCOPE_READERS[reader].sees;
    for (const kind of STUDY_KINDS) {
      const { path, search } = DICOMWEB_READS[key]!(uids[kind]);
      const res = await fetch(`${t.url}${path}`, { headers: { authorization: `Bearer ${tokens[reader]}` } });
      const body = Buffer.from(await res.arrayBuffer());
      const cell = { kind, status: res.status };
      if (sees === 'forbidden') {
        expect(cell).toEqual({ kind, status: 403 });
        continue;
      }
      const visible = sees.includes(kind);
      if (search) {
        expect(cell).toEqual({ kind, status: 200 });
        const rows = JSON.parse(body.toString() || '[]') as Record<string, { Value?: unknown[] }>[];
        const found = rows.map((r) => r['0020000D']?.Value?.[0]);
        expect({ kind, found }).toEqual({ kind, found: visible ? found.map(() => uids[kind].study) : [] });
        if (visible) expect(found.length).toBeGreaterThan(0);
        continue;
      }
      expect(cell).toEqual({ kind, status: visible ? 200 : 404 });
      // Every retrieval is audited, the refused ones too: who asked, for which study, and that it was refused.
      const { rows } = await t.db.query(
        `SELECT actor_id, outcome, details FROM audit_event WHERE request_id = $1 AND action = 'study.retrieve'`,
        [res.headers.get('x-request-id')],
      );
      expect({ kind, outcomes: rows.map((r) => r.outcome) }).toEqual({
        kind,
        outcomes: [visible ? 'success' : 'denied'],
      });
      expect(rows[0].actor_id).toBe(userIds[reader]);
      if (!visible) {
        expect(rows[0].details.studyInstanceUid).toBe(uids[kind].study);
        expect(JSON.stringify(rows[0].details)).not.toMatch(/BJCY100000|李|秀英/);
        expect(body.toString()).not.toContain(uids[kind].study);
      }
    }
  });

  it('a retrieval of a study that does not exist is audited as not found, and answers like one out of scope', async () => {
    const missing = uidVariant(study, 99);
    const res = await fetch(`${t.url}/dicomweb/studies/${missing}/metadata`, {
      headers: { authorization: `Bearer ${tokens.radiologist}` },
    });
    expect(res.status).toBe(404);
    const { rows } = await t.db.query(
      `SELECT actor_id, outcome, resource_id, patient_id, details FROM audit_event WHERE request_id = $1`,
      [res.headers.get('x-request-id')],
    );
    expect(rows).toEqual([
      {
        actor_id: userIds.radiologist,
        outcome: 'not_found',
        resource_id: null,
        patient_id: null,
        details: { what: 'metadata', studyInstanceUid: missing },
      },
    ]);
  });
});
