import { refreshTokenOf, refreshWith } from '../support/session-cookie.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// The administrator's APIs: facilities, staff accounts, duty rosters and the audit trail that
// records every change they make.
describe('administration: facilities, users, duty rosters, audit trail', () => {
  let t: TestApp;
  let admin: string;
  let coord: string;
  let hubId: string;
  let adminId: string;

  beforeAll(async () => {
    t = await startTestApp();
    [admin, coord] = await Promise.all([t.login('admin'), t.login('coord.liu')]);
    hubId = (await t.db.query(`SELECT id FROM facility WHERE code = 'HUB'`)).rows[0].id;
    adminId = (await t.db.query(`SELECT id FROM app_user WHERE username = 'admin'`)).rows[0].id;
  });
  afterAll(async () => {
    await t.close();
  });

  const audit = async (action: string, resourceId: string) =>
    (
      await t.db.query(
        'SELECT actor_id, actor_role, outcome, details FROM audit_event WHERE action = $1 AND resource_id = $2',
        [action, resourceId],
      )
    ).rows;

  describe('facilities', () => {
    it('creates a community centre read by a hub, edits it, refuses a duplicate code, deactivates it', async () => {
      const created = await api(t, 'POST', '/api/facilities', {
        token: admin,
        body: {
          code: 'cdzs',
          kind: 'community',
          nameZh: '武汉市蔡甸区奓山街社区卫生服务中心',
          nameEn: 'Dayu Community Health Service Centre, Mentougou',
          hubId,
          address: '武汉市蔡甸区奓山街新天大道1号',
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({ code: 'CDZS', kind: 'community', hubId, active: true });
      // A community centre is read by its hub's reading centres.
      expect(created.body.readingCentres.map((c: { service: string }) => c.service).sort()).toEqual(['ECG', 'IMAGING']);
      const id = created.body.id as string;

      const dup = await api(t, 'POST', '/api/facilities', {
        token: admin,
        body: { code: 'CDZS', kind: 'hub', nameZh: '重复', nameEn: 'Duplicate' },
      });
      expect(dup.status).toBe(409);
      expect(dup.body.error).toMatchObject({ code: 'CONFLICT', details: { fields: ['code'] } });

      const edited = await api(t, 'PATCH', `/api/facilities/${id}`, {
        token: admin,
        body: { nameEn: 'Dayu CHC, Mentougou', phone: '010-69840000' },
      });
      expect(edited.status).toBe(200);
      expect(edited.body).toMatchObject({ nameEn: 'Dayu CHC, Mentougou', phone: '010-69840000' });
      const clash = await api(t, 'PATCH', `/api/facilities/${id}`, { token: admin, body: { code: 'HYJQ' } });
      expect(clash.status).toBe(409);

      const off = await api(t, 'POST', `/api/facilities/${id}/deactivate`, { token: admin });
      expect(off.status).toBe(200);
      expect(off.body.active).toBe(false);
      const listed = await api(t, 'GET', '/api/facilities', { token: coord });
      expect(listed.body.facilities.find((f: { id: string }) => f.id === id)).toMatchObject({ active: false });

      expect(await audit('facility.create', id)).toEqual([
        expect.objectContaining({ actor_id: adminId, actor_role: 'admin', outcome: 'success' }),
      ]);
      expect((await audit('facility.update', id))[0].details).toEqual({ fields: ['nameEn', 'phone'] });
      expect(await audit('facility.deactivate', id)).toHaveLength(1);
    });

    it('validates the fields and refuses what does not fit the network', async () => {
      const bad = await api(t, 'POST', '/api/facilities', {
        token: admin,
        body: { code: 'x', kind: 'clinic', nameZh: '', nameEn: 'A', readingServices: ['CT'] },
      });
      expect(bad.status).toBe(400);
      expect(bad.body.error.code).toBe('VALIDATION_FAILED');
      const fields = (bad.body.error.details.fields as string[]).join(' ');
      for (const f of ['code', 'kind', 'nameZh', 'readingServices']) expect(fields).toContain(f);

      const noHub = await api(t, 'POST', '/api/facilities', {
        token: admin,
        body: { code: 'NOHUB', kind: 'community', nameZh: '无', nameEn: 'None' },
      });
      expect(noHub.status).toBe(400);
      expect(noHub.body.error.details.fields).toEqual([expect.stringMatching(/^hubId/)]);

      const { rows } = await t.db.query(`SELECT id FROM facility WHERE code = 'HYJQ'`);
      const notHub = await api(t, 'POST', '/api/facilities', {
        token: admin,
        body: { code: 'NOTHUB', kind: 'community', nameZh: '无', nameEn: 'None', hubId: rows[0].id },
      });
      expect(notHub.status).toBe(400);
      expect(notHub.body.error.details).toMatchObject({ fields: ['hubId'], reason: 'not_a_hub' });

      // The hub still reads for eleven centres; its reading centres still have specialists.
      const hubOff = await api(t, 'POST', `/api/facilities/${hubId}/deactivate`, { token: admin });
      expect(hubOff.status).toBe(409);
      expect(hubOff.body.error.details.reason).toBe('hub_in_use');
      const dropEcg = await api(t, 'PATCH', `/api/facilities/${hubId}`, {
        token: admin,
        body: { readingServices: ['IMAGING'] },
      });
      expect(dropEcg.status).toBe(409);
      expect(dropEcg.body.error.details).toMatchObject({ reason: 'reading_centre_in_use', service: 'ECG' });
    });

    it('gives a new hub the reading centres chosen, and lets only the administrator change facilities', async () => {
      const hub = await api(t, 'POST', '/api/facilities', {
        token: admin,
        body: { code: 'HUB2', kind: 'hub', nameZh: '第二中心医院', nameEn: 'Second Hub', readingServices: ['ECG'] },
      });
      expect(hub.status).toBe(201);
      expect(hub.body.readingCentres).toEqual([expect.objectContaining({ service: 'ECG', hubId: hub.body.id })]);
      const both = await api(t, 'PATCH', `/api/facilities/${hub.body.id}`, {
        token: admin,
        body: { readingServices: ['ECG', 'IMAGING'] },
      });
      expect(both.body.readingCentres).toHaveLength(2);

      const denied = await api(t, 'PATCH', `/api/facilities/${hub.body.id}`, { token: coord, body: { nameEn: 'X' } });
      expect(denied.status).toBe(403);
      const missing = await api(t, 'PATCH', '/api/facilities/00000000-0000-4000-8000-000000000000', {
        token: admin,
        body: { nameEn: 'X' },
      });
      expect(missing.status).toBe(404);
    });
  });

  describe('users', () => {
    let jianqiao: string;
    beforeAll(async () => {
      jianqiao = (await t.db.query(`SELECT id FROM facility WHERE code = 'HYJQ'`)).rows[0].id;
    });

    const login = (username: string, password: string) =>
      api(t, 'POST', '/api/auth/login', { body: { username, password } });

    it('creates an account that can sign in, never returning the password hash', async () => {
      const created = await api(t, 'POST', '/api/users', {
        token: admin,
        body: {
          username: 'doc.hyjq2',
          displayNameZh: '郑晓',
          displayNameEn: 'Zheng Xiao',
          role: 'community_doctor',
          facilityId: jianqiao,
          password: 'Jianqiao-2030',
        },
      });
      expect(created.status).toBe(201);
      expect(created.body).toMatchObject({
        username: 'doc.hyjq2',
        role: 'community_doctor',
        facilityId: jianqiao,
        active: true,
      });
      expect(JSON.stringify(created.body)).not.toMatch(/passwordHash|argon2/);
      const { rows } = await t.db.query(`SELECT password_hash FROM app_user WHERE username = 'doc.hyjq2'`);
      expect(rows[0].password_hash).toMatch(/^\$argon2id\$/);
      expect((await login('doc.hyjq2', 'Jianqiao-2030')).status).toBe(200);

      const list = await api(t, 'GET', `/api/users?q=${encodeURIComponent('郑晓')}`, { token: admin });
      expect(list.body.items.map((u: { username: string }) => u.username)).toEqual(['doc.hyjq2']);
      expect(JSON.stringify(list.body)).not.toMatch(/passwordHash|argon2/);
      expect(await audit('user.create', created.body.id)).toHaveLength(1);

      const taken = await api(t, 'POST', '/api/users', {
        token: admin,
        body: {
          username: 'doc.hyjq2',
          displayNameZh: '郑晓',
          displayNameEn: 'Zheng Xiao',
          role: 'community_doctor',
          facilityId: jianqiao,
          password: 'Jianqiao-2030',
        },
      });
      expect(taken.status).toBe(409);
      expect(taken.body.error.details.fields).toEqual(['username']);
    });

    it('applies the password rules and the placement rules of each role', async () => {
      const base = { displayNameZh: '测试', displayNameEn: 'Test', role: 'community_doctor', facilityId: jianqiao };
      const cases: [Record<string, unknown>, string, string][] = [
        [{ username: 'pw.short', password: 'Short-1' }, 'password', 'too_short'],
        [{ username: 'pw.letters', password: 'OnlyLettersHere' }, 'password', 'needs_letter_and_digit'],
        [{ username: 'pw.name', password: 'xpw.name-2030x' }, 'password', 'contains_username'],
        [{ username: 'doc.hub', password: 'Good-pass-2030', facilityId: hubId }, 'facilityId', 'wrong_facility_kind'],
        [
          { username: 'sp.none', password: 'Good-pass-2030', role: 'specialist', facilityId: hubId },
          'specialty',
          'required',
        ],
        [
          { username: 'co.none', password: 'Good-pass-2030', role: 'coordinator', facilityId: undefined },
          'facilityId',
          'required',
        ],
        [
          { username: 'doc.spec', password: 'Good-pass-2030', specialty: 'cardiology' },
          'specialty',
          'not_a_specialist',
        ],
      ];
      for (const [change, field, reason] of cases) {
        const res = await api(t, 'POST', '/api/users', { token: admin, body: { ...base, ...change } });
        expect({ u: change.username, status: res.status, details: res.body.error.details }).toEqual({
          u: change.username,
          status: 400,
          details: { fields: [field], reason },
        });
      }
      const badName = await api(t, 'POST', '/api/users', {
        token: admin,
        body: { ...base, username: 'Bad Name', password: 'Good-pass-2030' },
      });
      expect(badName.status).toBe(400);
      expect(badName.body.error.details.fields.join(' ')).toMatch(/^username/);

      // A cardiologist at the hub joins the ECG reading centre.
      const spec = await api(t, 'POST', '/api/users', {
        token: admin,
        body: {
          username: 'card.sun',
          displayNameZh: '孙杰',
          displayNameEn: 'Sun Jie',
          role: 'specialist',
          facilityId: hubId,
          specialty: 'cardiology',
          password: 'Cardiology-2030',
        },
      });
      expect(spec.status).toBe(201);
      const { rows } = await t.db.query(`SELECT id FROM reading_centre WHERE hub_id = $1 AND service = 'ECG'`, [hubId]);
      expect(spec.body.readingCentreId).toBe(rows[0].id);
    });

    it('deactivating an account refuses its sign-in and ends its sessions; reactivating lets it back', async () => {
      const created = await api(t, 'POST', '/api/users', {
        token: admin,
        body: {
          username: 'doc.leaving',
          displayNameZh: '离职',
          displayNameEn: 'Leaving',
          role: 'community_doctor',
          facilityId: jianqiao,
          password: 'Leaving-2030',
        },
      });
      const id = created.body.id as string;
      const session = await login('doc.leaving', 'Leaving-2030');
      expect(session.status).toBe(200);

      const off = await api(t, 'POST', `/api/users/${id}/deactivate`, { token: admin });
      expect(off.status).toBe(200);
      expect(off.body.active).toBe(false);
      expect((await login('doc.leaving', 'Leaving-2030')).status).toBe(401);
      const refresh = await refreshWith(t, refreshTokenOf(session));
      expect(refresh.status).toBe(401);
      expect((await audit('user.deactivate', id))[0].details).toEqual({ sessionsEnded: 1 });

      const inactive = await api(t, 'GET', '/api/users?active=false', { token: admin });
      expect(inactive.body.items.map((u: { username: string }) => u.username)).toContain('doc.leaving');

      expect((await api(t, 'POST', `/api/users/${id}/activate`, { token: admin })).body.active).toBe(true);
      expect((await login('doc.leaving', 'Leaving-2030')).status).toBe(200);
    });

    it('resets a password: the old one stops working, the sessions end, the lock-out is lifted', async () => {
      const created = await api(t, 'POST', '/api/users', {
        token: admin,
        body: {
          username: 'doc.forgot',
          displayNameZh: '忘记',
          displayNameEn: 'Forgot',
          role: 'community_doctor',
          facilityId: jianqiao,
          password: 'Forgotten-2030',
        },
      });
      const id = created.body.id as string;
      const session = await login('doc.forgot', 'Forgotten-2030');
      for (let i = 0; i < 5; i++) await login('doc.forgot', 'wrong-guess');
      expect((await login('doc.forgot', 'Forgotten-2030')).status).toBe(429);

      const weak = await api(t, 'POST', `/api/users/${id}/password`, { token: admin, body: { password: 'short' } });
      expect(weak.status).toBe(400);
      const reset = await api(t, 'POST', `/api/users/${id}/password`, {
        token: admin,
        body: { password: 'Remembered-2031' },
      });
      expect(reset.status).toBe(204);
      expect((await login('doc.forgot', 'Forgotten-2030')).status).toBe(401);
      expect((await login('doc.forgot', 'Remembered-2031')).status).toBe(200);
      const refresh = await refreshWith(t, refreshTokenOf(session));
      expect(refresh.status).toBe(401);
      expect(await audit('user.password_reset', id)).toHaveLength(1);
      const all = JSON.stringify(
        (await t.db.query(`SELECT details FROM audit_event WHERE resource_type = 'user'`)).rows,
      );
      expect(all).not.toMatch(/Remembered|Forgotten|argon2/);
    });

    it('edits an account; a move to another facility ends its sessions', async () => {
      const { rows } = await t.db.query(`SELECT id FROM facility WHERE code = 'HYQC'`);
      const created = await api(t, 'POST', '/api/users', {
        token: admin,
        body: {
          username: 'doc.moving',
          displayNameZh: '调动',
          displayNameEn: 'Moving',
          role: 'community_doctor',
          facilityId: jianqiao,
          password: 'Moving-2030x',
        },
      });
      const session = await login('doc.moving', 'Moving-2030x');
      const moved = await api(t, 'PATCH', `/api/users/${created.body.id}`, {
        token: admin,
        body: { facilityId: rows[0].id, displayNameEn: 'Moved' },
      });
      expect(moved.status).toBe(200);
      expect(moved.body).toMatchObject({ facilityId: rows[0].id, displayNameEn: 'Moved' });
      expect((await refreshWith(t, refreshTokenOf(session))).status).toBe(401);
      expect((await audit('user.update', created.body.id))[0].details).toEqual({
        fields: ['facilityId', 'displayNameEn'],
        sessionsEnded: 1,
      });
    });

    it('keeps the administrator from locking the network out', async () => {
      const self = await api(t, 'POST', `/api/users/${adminId}/deactivate`, { token: admin });
      expect(self.status).toBe(409);
      expect(self.body.error.details.reason).toBe('own_account');
      const role = await api(t, 'PATCH', `/api/users/${adminId}`, { token: admin, body: { role: 'coordinator' } });
      expect(role.status).toBe(400);
      expect((await api(t, 'GET', '/api/users', { token: coord })).status).toBe(403);
      expect((await api(t, 'GET', '/api/users/not-a-uuid', { token: admin })).status).toBe(404);
      expect((await api(t, 'GET', '/api/users/00000000-0000-4000-8000-000000000000', { token: admin })).status).toBe(
        404,
      );
    });
  });

  describe('duty rosters', () => {
    it('refuses a shift that overlaps one the specialist already has, saying which', async () => {
      const { rows } = await t.db.query(`SELECT id FROM app_user WHERE username = 'rad.li'`);
      const userId = rows[0].id as string;
      const first = await api(t, 'POST', '/api/duty-shifts', {
        token: admin,
        body: { userId, startsAt: '2031-03-03T00:00:00Z', endsAt: '2031-03-03T08:00:00Z' },
      });
      expect(first.status).toBe(201);
      const overlap = await api(t, 'POST', '/api/duty-shifts', {
        token: admin,
        body: { userId, startsAt: '2031-03-03T07:00:00Z', endsAt: '2031-03-03T12:00:00Z' },
      });
      expect(overlap.status).toBe(409);
      expect(overlap.body.error.details).toMatchObject({ reason: 'overlapping_shift', shift: { id: first.body.id } });
      // Back to back is fine.
      const next = await api(t, 'POST', '/api/duty-shifts', {
        token: admin,
        body: { userId, startsAt: '2031-03-03T08:00:00Z', endsAt: '2031-03-03T16:00:00Z' },
      });
      expect(next.status).toBe(201);
      expect(await audit('duty_shift.create', first.body.id)).toHaveLength(1);
      expect((await api(t, 'DELETE', `/api/duty-shifts/${first.body.id}`, { token: admin })).status).toBe(204);
      expect(await audit('duty_shift.delete', first.body.id)).toHaveLength(1);
      expect((await api(t, 'DELETE', `/api/duty-shifts/${first.body.id}`, { token: admin })).status).toBe(404);
    });
  });

  describe('audit trail', () => {
    it('filters by actor, action prefix and record, pages to older rows, and names staff and facilities', async () => {
      const created = await api(t, 'POST', '/api/facilities', {
        token: admin,
        body: { code: 'AUDITF', kind: 'hub', nameZh: '审计医院', nameEn: 'Audit Hospital' },
      });
      const id = created.body.id as string;
      for (const phone of ['010-1111111', '010-2222222', '010-3333333'])
        await api(t, 'PATCH', `/api/facilities/${id}`, { token: admin, body: { phone } });

      const page1 = await api(
        t,
        'GET',
        `/api/audit?actor=admin&action=facility.&resourceType=facility&resourceId=${id}&limit=2`,
        {
          token: admin,
        },
      );
      expect(page1.status).toBe(200);
      expect(page1.body.items.map((r: { action: string }) => r.action)).toEqual(['facility.update', 'facility.update']);
      expect(page1.body.users[adminId]).toMatchObject({ username: 'admin', role: 'admin' });
      expect(page1.body.facilities[id]).toMatchObject({ code: 'AUDITF', nameEn: 'Audit Hospital' });
      const page2 = await api(
        t,
        'GET',
        `/api/audit?resourceType=facility&resourceId=${id}&limit=2&before=${page1.body.nextBefore}`,
        { token: admin },
      );
      expect(page2.body.items.map((r: { action: string }) => r.action)).toEqual(['facility.update', 'facility.create']);
      const page3 = await api(
        t,
        'GET',
        `/api/audit?resourceType=facility&resourceId=${id}&limit=2&before=${page2.body.nextBefore}`,
        { token: admin },
      );
      expect(page3.body).toMatchObject({ items: [], nextBefore: null });

      const future = await api(t, 'GET', `/api/audit?from=2999-01-01T00:00:00Z`, { token: admin });
      expect(future.body).toMatchObject({ items: [], nextBefore: null });
      const bad = await api(t, 'GET', '/api/audit?action=DROP%20TABLE&from=yesterday', { token: admin });
      expect(bad.status).toBe(400);

      const vocabulary = await api(t, 'GET', '/api/audit/vocabulary', { token: admin });
      expect(vocabulary.body.actions).toEqual(
        expect.arrayContaining(['facility.create', 'facility.update', 'auth.login']),
      );
      expect(vocabulary.body.resourceTypes).toEqual(expect.arrayContaining(['facility', 'user']));
      expect((await api(t, 'GET', '/api/audit/vocabulary', { token: coord })).status).toBe(403);
    });
  });
});
