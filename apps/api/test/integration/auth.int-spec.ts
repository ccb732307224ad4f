import { DEMO_PASSWORD } from '#src/seed/demo-network.js';
import { logoutWith, refreshTokenOf, refreshWith } from '../support/session-cookie.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { claimsOf } from '../support/tokens.js';

describe('sign-in for staff', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const login = (username: string, password: string, ip?: string) =>
    api(t, 'POST', '/api/auth/login', { body: { username, password }, headers: ip ? { 'x-forwarded-for': ip } : {} });

  it('signs in with a short-lived access token that names role and centre, and the refresh token is stored only hashed', async () => {
    const res = await login('doc.hyjq', DEMO_PASSWORD);
    expect(res.status).toBe(200);
    expect(res.body.expiresIn).toBe(900);
    expect(res.body.user).toMatchObject({ role: 'community_doctor', displayNameZh: '周建华' });
    const claims = claimsOf(res.body.accessToken);
    expect(claims).toMatchObject({ role: 'community_doctor', fac: res.body.user.facilityId });
    expect((claims.exp as number) - (claims.iat as number)).toBe(900);
    const stored = await t.db.query('SELECT token_hash FROM refresh_token');
    expect(stored.rows.map((r) => r.token_hash)).not.toContain(refreshTokenOf(res));
    const me = await api(t, 'GET', '/api/auth/me', { token: res.body.accessToken });
    expect(me.body.username).toBeUndefined();
    expect(me.body).toMatchObject({ role: 'community_doctor' });
  });

  it('answers the same for an unknown user and a wrong password', async () => {
    const unknown = await login('no.such.user', 'whatever');
    const wrong = await login('rad.li', 'wrong-password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(401);
    expect(unknown.body.error.message).toBe(wrong.body.error.message);
  });

  it('rotates the refresh token; reusing an old one ends the whole session', async () => {
    const first = await login('card.chen', DEMO_PASSWORD);
    const second = await refreshWith(t, refreshTokenOf(first));
    expect(second.status).toBe(200);
    expect(refreshTokenOf(second)).not.toBe(refreshTokenOf(first));
    const third = await refreshWith(t, refreshTokenOf(second));
    expect(third.status).toBe(200);
    // A stolen, already-used token comes back: the family is revoked, the legitimate holder must sign in again.
    const replay = await refreshWith(t, refreshTokenOf(first));
    expect(replay.status).toBe(401);
    const legit = await refreshWith(t, refreshTokenOf(third));
    expect(legit.status).toBe(401);
    const audit = await t.db.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'auth.refresh_reuse'`);
    expect(audit.rows[0].n).toBe(1);
  });

  it('signs out: the refresh token stops working', async () => {
    const s = await login('rad.wang', DEMO_PASSWORD);
    expect((await logoutWith(t, refreshTokenOf(s))).status).toBe(204);
    expect((await refreshWith(t, refreshTokenOf(s))).status).toBe(401);
  });

  it('slows repeated failures for one account from one address, even with the right password, and says when to retry', async () => {
    for (let i = 0; i < 5; i++) expect((await login('doc.hyyw', `wrong-${i}`)).status).toBe(401);
    const blocked = await login('doc.hyyw', DEMO_PASSWORD);
    expect(blocked.status).toBe(429);
    expect(blocked.body.error.code).toBe('TOO_MANY_ATTEMPTS');
    // The first delay is 30 seconds (README, Security model), not a 15-minute lock-out.
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(Number(blocked.headers.get('retry-after'))).toBeLessThanOrEqual(30);
    // Other accounts are not affected.
    expect((await login('doc.hyzt', DEMO_PASSWORD)).status).toBe(200);
  });
});

describe('sign-in for patients: code from the community doctor + date of birth', () => {
  let t: TestApp;
  let doc: string;
  let patientId: string;
  beforeAll(async () => {
    t = await startTestApp();
    doc = await t.login('doc.hyjq');
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`);
    patientId = rows[0].id;
  });
  afterAll(async () => {
    await t.close();
  });

  const issue = async () => (await api(t, 'POST', `/api/patients/${patientId}/access-codes`, { token: doc })).body;
  const patientLogin = (code: string, birthDate: string) =>
    api(t, 'POST', '/api/auth/patient-login', { body: { code, birthDate } });

  it('signs the patient in as that patient only', async () => {
    const { code, expiresAt } = await issue();
    expect(code).toMatch(/^[2-9A-HJKMNP-Z]{5}-[2-9A-HJKMNP-Z]{5}$/);
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now());
    const res = await patientLogin(code.toLowerCase().replace('-', ' '), '1948-03-30');
    expect(res.status).toBe(200);
    expect(claimsOf(res.body.accessToken)).toMatchObject({ role: 'patient', sub: patientId });
    // A patient token opens nothing of the staff API.
    expect((await api(t, 'GET', `/api/patients/${patientId}`, { token: res.body.accessToken })).status).toBe(403);
    expect((await api(t, 'GET', '/api/auth/me', { token: res.body.accessToken })).body.displayNameZh).toBe('李秀英');
  });

  it('refuses a wrong birth date and revokes the code after 5 wrong tries', async () => {
    const { code } = await issue();
    for (let i = 0; i < 5; i++) expect((await patientLogin(code, `1950-01-0${i + 1}`)).status).toBe(401);
    const res = await patientLogin(code, '1948-03-30');
    expect([401, 429]).toContain(res.status);
    const { rows } = await t.db.query(
      'SELECT revoked_at FROM patient_access_code WHERE patient_id = $1 ORDER BY created_at DESC LIMIT 1',
      [patientId],
    );
    expect(rows[0].revoked_at).not.toBeNull();
  });

  it('refuses an expired code and a code replaced by a newer one', async () => {
    const old = await issue();
    const fresh = await issue();
    expect((await patientLogin(old.code, '1948-03-30')).status).toBe(401);
    await t.db.query(
      `UPDATE patient_access_code SET expires_at = now() - interval '1 second' WHERE revoked_at IS NULL`,
    );
    expect((await patientLogin(fresh.code, '1948-03-30')).status).toBe(401);
  });

  it('throttles guessing from one address', async () => {
    let last = 0;
    for (let i = 0; i < 12; i++)
      last = (await patientLogin(`GUESS-${String(i).padStart(5, '0')}`, '1948-03-30')).status;
    expect(last).toBe(429);
  });
});
