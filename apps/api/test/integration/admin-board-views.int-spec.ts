import { loadResponseCheck, type ResponseCheck } from '../support/openapi.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// The coordinator's board, the administrator's registers and sign-in answer the views of packages/contracts
// (board.ts, admin.ts, auth.ts): each route documents its view, and real answers are valid against it (every
// `api()` call checks them; here each route is called once on purpose, and a drifted answer is refused).
describe('board, admin and sign-in views', () => {
  let t: TestApp;
  let admin: string;
  let check: ResponseCheck;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login('admin');
    check = await loadResponseCheck(t.url);
  });
  afterAll(() => t?.close());

  it('documents each route with its contracts view', () => {
    const routes: Record<string, string> = {
      'GET /api/board': 'BoardView',
      'GET /api/figures/weekly': 'WeeklyFiguresView',
      'GET /api/duty-shifts': 'DutyShiftView',
      'POST /api/duty-shifts': 'CreatedDutyShiftView',
      'GET /api/facilities': 'FacilityListView',
      'GET /api/facilities/{id}': 'FacilityView',
      'POST /api/facilities': 'FacilityView',
      'PATCH /api/facilities/{id}': 'FacilityView',
      'POST /api/facilities/{id}/activate': 'FacilityView',
      'POST /api/facilities/{id}/deactivate': 'FacilityView',
      'PATCH /api/facilities/reading-centres/{id}': 'ReadingCentreView',
      'GET /api/users': 'UserListView',
      'GET /api/users/{id}': 'UserView',
      'POST /api/users': 'UserView',
      'PATCH /api/users/{id}': 'UserView',
      'POST /api/users/{id}/activate': 'UserView',
      'POST /api/users/{id}/deactivate': 'UserView',
      'GET /api/settings/turnaround-policy': 'TurnaroundPolicyView',
      'PUT /api/settings/turnaround-policy': 'TurnaroundPolicyView',
      'GET /api/settings/second-factor': 'SecondFactorPolicyView',
      'PUT /api/settings/second-factor': 'SecondFactorPolicyView',
      'GET /api/audit/vocabulary': 'AuditVocabularyView',
      'POST /api/auth/login': 'SignInAnswer',
      'POST /api/auth/refresh': 'SessionView',
      'POST /api/auth/patient-login': 'SessionView',
      'GET /api/auth/me': 'SessionUserView',
      'POST /api/auth/second-factor/verify': 'SessionView',
      'POST /api/auth/second-factor/challenge-enrolment': 'TotpEnrolment',
      'POST /api/auth/second-factor/challenge-enrolment/confirm': 'EnrolledSessionView',
      'GET /api/auth/second-factor': 'SecondFactorStatus',
      'POST /api/auth/second-factor/enrolment': 'TotpEnrolment',
      'POST /api/auth/second-factor/enrolment/confirm': 'RecoveryCodesView',
      'POST /api/auth/second-factor/recovery-codes': 'RecoveryCodesView',
    };
    for (const [route, view] of Object.entries(routes)) {
      expect([route, JSON.stringify(check.documented.get(route) ?? null)]).toEqual([
        route,
        expect.stringContaining(`/definitions/${view}"`),
      ]);
    }
  });

  it('answers the views, with times as ISO 8601 strings', async () => {
    const facilities = await api(t, 'GET', '/api/facilities', { token: admin });
    expect(facilities.status).toBe(200);
    const hub = facilities.body.facilities.find((f: { kind: string }) => f.kind === 'hub');
    expect(hub.createdAt).toBe(new Date(hub.createdAt).toISOString());
    expect((await api(t, 'GET', `/api/facilities/${hub.id}`, { token: admin })).status).toBe(200);

    const users = await api(t, 'GET', '/api/users?limit=5', { token: admin });
    expect(users.status).toBe(200);
    const user = users.body.items[0];
    expect(user.updatedAt).toBe(new Date(user.updatedAt).toISOString());
    expect(Object.keys(user)).not.toContain('passwordHash');

    const specialist = (await api(t, 'GET', '/api/users?role=specialist&limit=1', { token: admin })).body.items[0];
    const startsAt = new Date(Date.now() + 30 * 86400_000).toISOString();
    const endsAt = new Date(Date.now() + 30 * 86400_000 + 3600_000).toISOString();
    const shift = await api(t, 'POST', '/api/duty-shifts', {
      token: admin,
      body: { userId: specialist.id, startsAt, endsAt },
    });
    expect(shift.status).toBe(201);
    const shifts = await api(t, 'GET', `/api/duty-shifts?from=${startsAt}&to=${endsAt}`, { token: admin });
    expect(shifts.body).toEqual([
      expect.objectContaining({ id: shift.body.id, userId: specialist.id, startsAt, endsAt }),
    ]);

    const policy = await api(t, 'GET', '/api/settings/turnaround-policy', { token: admin });
    expect(policy.body).toMatchObject({ version: 0, source: 'configured', changedAt: null, changedBy: null });
    expect((await api(t, 'GET', '/api/audit/vocabulary', { token: admin })).status).toBe(200);
    expect((await api(t, 'GET', '/api/auth/me', { token: admin })).body.role).toBe('admin');
    expect((await api(t, 'GET', '/api/board', { token: await t.login('coord.liu') })).status).toBe(200);
    const figures = await api(t, 'GET', '/api/figures/weekly?week=2026-W48', { token: admin });
    expect(figures.body).toMatchObject({ week: '2026-W48', timeZone: 'Asia/Shanghai' });

    // A snake_case field or an extra one (an entity's column) is refused.
    const { displayNameZh, ...rest } = user;
    expect(() => check('GET', `/api/users/${user.id}`, 200, { ...rest, display_name_zh: displayNameZh })).toThrow(
      /displayNameZh|display_name_zh/,
    );
    expect(() => check('GET', `/api/users/${user.id}`, 200, { ...user, passwordHash: 'x' })).toThrow(/additional/);
    expect(() =>
      check('GET', '/api/duty-shifts', 200, [{ ...shifts.body[0], starts_at: startsAt, startsAt: undefined }]),
    ).toThrow(/startsAt|starts_at/);
  });
});
