import { DEMO_PASSWORD } from '#src/seed/demo-network.js';
import { CSRF, logoutWith, refreshCookieLine, refreshTokenOf, refreshWith } from '../support/session-cookie.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// The refresh token lives in an HttpOnly, SameSite=Strict cookie scoped to the sign-in endpoints, never
// in a response body a script could read; the access token is the only token the page ever sees
// (OWASP ASVS V3.4). Refresh and sign-out refuse calls that do not come from the app itself.
describe('the refresh token travels in an HttpOnly cookie', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'true', PATIENT_SESSION_TTL: '1800' });
  });
  afterAll(async () => {
    await t.close();
  });

  const login = (username: string, headers: Record<string, string> = {}) =>
    api(t, 'POST', '/api/auth/login', { body: { username, password: DEMO_PASSWORD }, headers });
  const me = (token: string) => api(t, 'GET', '/api/auth/me', { token });

  it('signs in with the refresh token in an HttpOnly, SameSite=Strict cookie for the sign-in endpoints only', async () => {
    const res = await login('doc.hyjq');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['accessToken', 'expiresIn', 'user']);
    expect(JSON.stringify(res.body)).not.toContain(refreshTokenOf(res)!);
    const line = refreshCookieLine(res)!;
    const attrs = line.split(';').map((a) => a.trim().toLowerCase());
    expect(attrs).toEqual(expect.arrayContaining(['httponly', 'samesite=strict', 'path=/api/auth', 'max-age=604800']));
    // Plain HTTP (a development machine): a Secure cookie would never come back.
    expect(attrs).not.toContain('secure');
  });

  it('marks the cookie Secure when the app is reached over TLS through a trusted proxy', async () => {
    const res = await login('doc.hyqc', { 'x-forwarded-proto': 'https' });
    expect(res.status).toBe(200);
    expect(refreshCookieLine(res)!.toLowerCase()).toContain('; secure');
  });

  it('renews by the cookie alone, rotating it, and refuses a call without the cross-site defence header', async () => {
    const first = await login('rad.li');
    const token = refreshTokenOf(first);
    // No header, or a request another site started: refused, and the token is not spent.
    const bare = await refreshWith(t, token, {});
    expect(bare.status).toBe(403);
    expect(bare.body.error.code).toBe('CROSS_SITE_REQUEST');
    const crossSite = await refreshWith(t, token, { ...CSRF, 'sec-fetch-site': 'cross-site' });
    expect(crossSite.status).toBe(403);
    // A token in the body (the old way) is not read.
    const inBody = await api(t, 'POST', '/api/auth/refresh', { body: { refreshToken: token }, headers: CSRF });
    expect(inBody.status).toBe(401);

    const renewed = await refreshWith(t, token);
    expect(renewed.status).toBe(200);
    expect(renewed.body.refreshToken).toBeUndefined();
    expect(renewed.body.user).toMatchObject({ role: 'specialist' });
    const next = refreshTokenOf(renewed);
    expect(next).not.toBeNull();
    expect(next).not.toBe(token);
    expect((await me(renewed.body.accessToken)).status).toBe(200);
    expect((await refreshWith(t, next)).status).toBe(200);
  });

  it('lets two tabs of one browser refresh with the same cookie at once without ending the sign-in', async () => {
    const first = await login('card.zhang');
    const token = refreshTokenOf(first);
    const [a, b] = await Promise.all([refreshWith(t, token), refreshWith(t, token)]);
    expect([a.status, b.status]).toEqual([200, 200]);
    // Exactly one of them rotated the cookie; the other got an access token and left the cookie alone.
    const rotated = [a, b].map((r) => refreshTokenOf(r)).filter((v) => v !== null);
    expect(rotated).toHaveLength(1);
    expect((await me(a.body.accessToken)).status).toBe(200);
    expect((await me(b.body.accessToken)).status).toBe(200);
    // The browser keeps the rotated token, and the sign-in goes on.
    expect((await refreshWith(t, rotated[0]!)).status).toBe(200);
    const events = await t.db.query(`SELECT count(*)::int AS n FROM audit_event WHERE action = 'auth.refresh_reuse'`);
    expect(events.rows[0].n).toBe(0);
  });

  it('still ends the sign-in when a rotated token comes back after the grace time (theft)', async () => {
    const first = await login('card.chen');
    const token = refreshTokenOf(first);
    const renewed = await refreshWith(t, token);
    expect(renewed.status).toBe(200);
    await t.db.query(`UPDATE refresh_token SET rotated_at = now() - interval '5 minutes' WHERE rotated_at IS NOT NULL`);
    const replay = await refreshWith(t, token);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('INVALID_REFRESH_TOKEN');
    expect((await refreshWith(t, refreshTokenOf(renewed))).status).toBe(401);
    expect((await me(renewed.body.accessToken)).status).toBe(401);
  });

  it('signs out by the cookie: the cookie is removed and every token of that sign-in stops', async () => {
    const s = await login('coord.liu');
    const token = refreshTokenOf(s);
    expect((await logoutWith(t, token, {})).status).toBe(403);
    expect((await me(s.body.accessToken)).status).toBe(200);
    const out = await logoutWith(t, token);
    expect(out.status).toBe(204);
    const cleared = refreshCookieLine(out)!;
    expect(cleared).toMatch(/^zhiyin_refresh=;/);
    expect(cleared.toLowerCase()).toContain('path=/api/auth');
    expect(cleared).toMatch(/Expires=Thu, 01 Jan 1970/);
    expect((await me(s.body.accessToken)).status).toBe(401);
    expect((await refreshWith(t, token)).status).toBe(401);
  });

  it('keeps a patient’s session in the cookie too, up to its fixed end, ended by signing out or a new code', async () => {
    const doc = await t.login('doc.hyjq');
    const { rows } = await t.db.query(`SELECT id, birth_date::text AS birth FROM patient WHERE mrn = 'BJCY100102'`);
    const issue = async () =>
      (await api(t, 'POST', `/api/patients/${rows[0].id}/access-codes`, { token: doc })).body.code as string;
    const signIn = async () => {
      const res = await api(t, 'POST', '/api/auth/patient-login', {
        body: { code: await issue(), birthDate: rows[0].birth },
      });
      expect(res.status).toBe(200);
      return res;
    };

    const res = await signIn();
    expect(res.body.refreshToken).toBeUndefined();
    expect(res.body.user).toMatchObject({ role: 'patient', id: rows[0].id });
    expect(refreshCookieLine(res)!.toLowerCase()).toContain('max-age=1800');
    // A reload: the page gets its access token back from the cookie, for the rest of the session only.
    const again = await refreshWith(t, refreshTokenOf(res));
    expect(again.status).toBe(200);
    expect(again.body.user).toMatchObject({ role: 'patient', id: rows[0].id });
    expect(again.body.expiresIn).toBeLessThanOrEqual(1800);
    expect((await me(again.body.accessToken)).status).toBe(200);
    // Signing out ends it.
    expect((await logoutWith(t, refreshTokenOf(again))).status).toBe(204);
    expect((await me(again.body.accessToken)).status).toBe(401);
    expect((await refreshWith(t, refreshTokenOf(again))).status).toBe(401);

    // A new code from the doctor ends the session opened with the old one, cookie included.
    const other = await signIn();
    await issue();
    expect((await refreshWith(t, refreshTokenOf(other))).status).toBe(401);
    expect((await me(other.body.accessToken)).status).toBe(401);
  });
});
