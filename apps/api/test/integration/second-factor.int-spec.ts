import { generate } from 'otplib';
import { DEMO_PASSWORD } from '#src/seed/demo-network.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { claimsOf } from '../support/tokens.js';
import { refreshTokenOf } from '../support/session-cookie.js';

// A second factor (TOTP, RFC 6238) with one-time recovery codes: enrolment activates only with a right
// code, sign-in asks for a code after the password, a code works once, and an administrator can
// require it per role.
describe('second factor', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await t.close();
  });

  const login = (username: string, password = DEMO_PASSWORD) =>
    api(t, 'POST', '/api/auth/login', { body: { username, password } });
  const verify = (challengeToken: string, code: string) =>
    api(t, 'POST', '/api/auth/second-factor/verify', { body: { challengeToken, code } });
  const secretOf = (uri: string) => new URL(uri).searchParams.get('secret')!;
  /** the code of the time step `steps` away from now (an authenticator app a little later) */
  const codeAt = (secret: string, steps = 0) => generate({ secret, epoch: Math.floor(Date.now() / 1000) + steps * 30 });
  const userId = async (username: string) =>
    (await t.db.query('SELECT id FROM app_user WHERE username = $1', [username])).rows[0].id as string;
  const audits = async (action: string, id: string) =>
    (await t.db.query('SELECT * FROM audit_event WHERE action = $1 AND resource_id = $2', [action, id])).rows;

  /** Signs in (no second factor yet), enrols, answers the secret and the recovery codes. */
  const enrol = async (username: string) => {
    const token = (await login(username)).body.accessToken as string;
    const started = await api(t, 'POST', '/api/auth/second-factor/enrolment', { token });
    expect(started.status).toBe(200);
    expect(started.body.otpauthUri).toMatch(/^otpauth:\/\/totp\/Zhiyin:/);
    expect(started.body.qrCode).toMatch(/^data:image\/svg\+xml;base64,/);
    const secret = secretOf(started.body.otpauthUri);
    expect(started.body.secret).toBe(secret);
    // Not active before a right code: the next sign-in still needs only the password.
    expect((await login(username)).body.accessToken).toEqual(expect.any(String));
    const wrong = await api(t, 'POST', '/api/auth/second-factor/enrolment/confirm', {
      token,
      body: { code: (Number(await codeAt(secret)) ^ 1).toString().padStart(6, '0') },
    });
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_SECOND_FACTOR');
    const confirmed = await api(t, 'POST', '/api/auth/second-factor/enrolment/confirm', {
      token,
      body: { code: await codeAt(secret) },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body.recoveryCodes).toHaveLength(10);
    return { token, secret, recoveryCodes: confirmed.body.recoveryCodes as string[] };
  };

  it('enrols with a right code and stores the secret encrypted and the recovery codes hashed', async () => {
    const { secret, recoveryCodes } = await enrol('coord.liu');
    const id = await userId('coord.liu');
    const stored = await t.db.query('SELECT secret_enc, enabled_at FROM user_totp WHERE user_id = $1', [id]);
    expect(stored.rows[0].enabled_at).not.toBeNull();
    expect(Buffer.from(stored.rows[0].secret_enc).toString('latin1')).not.toContain(secret);
    const codes = await t.db.query('SELECT code_hash FROM user_recovery_code WHERE user_id = $1', [id]);
    expect(codes.rows).toHaveLength(10);
    const all = JSON.stringify(codes.rows);
    for (const c of recoveryCodes) expect(all).not.toContain(c.replace('-', ''));
    expect(await audits('auth.totp_enrolled', id)).toHaveLength(1);
  });

  it('asks for the code after the password, refuses a wrong code and a replayed one, and signs in with a right one', async () => {
    const { secret } = await enrol('card.chen');
    const first = await login('card.chen');
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ secondFactor: 'verify', challengeToken: expect.any(String) });
    expect(first.body.accessToken).toBeUndefined();
    expect(first.body.refreshToken).toBeUndefined();

    const wrong = await verify(first.body.challengeToken, '000000' === (await codeAt(secret)) ? '111111' : '000000');
    expect(wrong.status).toBe(401);
    expect(wrong.body.error.code).toBe('INVALID_SECOND_FACTOR');

    // The code the enrolment used is spent: a later step's code signs in.
    const code = await codeAt(secret, 1);
    const ok = await verify(first.body.challengeToken, code);
    expect(ok.status).toBe(200);
    expect(claimsOf(ok.body.accessToken)).toMatchObject({ role: 'specialist' });
    // The second step ends the sign-in as the password does: the refresh token only in the HttpOnly cookie.
    expect(ok.body.refreshToken).toBeUndefined();
    expect(refreshTokenOf(ok)).toEqual(expect.any(String));
    // The challenge is used up, and the same code on a new challenge is a replay.
    expect((await verify(first.body.challengeToken, code)).body.error.code).toBe('INVALID_CHALLENGE');
    const second = await login('card.chen');
    const replay = await verify(second.body.challengeToken, code);
    expect(replay.status).toBe(401);
    expect(replay.body.error.code).toBe('INVALID_SECOND_FACTOR');
  });

  it('accepts each recovery code once, and audits its use', async () => {
    const { recoveryCodes } = await enrol('rad.wang');
    const id = await userId('rad.wang');
    const a = await login('rad.wang');
    const used = await verify(a.body.challengeToken, recoveryCodes[0]!.toLowerCase());
    expect(used.status).toBe(200);
    expect(used.body.accessToken).toEqual(expect.any(String));
    const b = await login('rad.wang');
    expect((await verify(b.body.challengeToken, recoveryCodes[0]!)).status).toBe(401);
    expect((await verify(b.body.challengeToken, recoveryCodes[1]!)).status).toBe(200);
    const rows = await audits('auth.recovery_code_used', id);
    expect(rows).toHaveLength(2);
    expect(JSON.stringify(rows)).not.toContain(recoveryCodes[0]!.replace('-', ''));
    const status = await api(t, 'GET', '/api/auth/second-factor', { token: used.body.accessToken });
    expect(status.body).toMatchObject({ enabled: true, recoveryCodesLeft: 8 });
  });

  it('uses one recovery code only once when it is sent many times at once', async () => {
    const { recoveryCodes } = await enrol('rad.li');
    const challenges = await Promise.all(Array.from({ length: 5 }, () => login('rad.li')));
    const results = await Promise.all(challenges.map((c) => verify(c.body.challengeToken, recoveryCodes[2]!)));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
  });

  it('checks no more than 5 of 50 parallel codes for a user', async () => {
    const { secret } = await enrol('doc.hyzt');
    const id = await userId('doc.hyzt');
    const challenge = (await login('doc.hyzt')).body.challengeToken as string;
    const right = new Set([await codeAt(secret, -1), await codeAt(secret), await codeAt(secret, 1)]);
    const guesses = Array.from({ length: 50 }, (_, i) => String(100000 + i * 7919)).filter((g) => !right.has(g));
    const results = await Promise.all(guesses.map((g) => verify(challenge, g)));
    expect(results.filter((r) => r.status === 401)).toHaveLength(5);
    const refused = results.filter((r) => r.status === 429);
    expect(refused.length).toBe(guesses.length - 5);
    expect(Number(refused[0]!.headers.get('retry-after'))).toBeGreaterThan(0);
    const checked = (await audits('auth.second_factor', id)).filter((r) => r.details.method === 'totp');
    expect(checked).toHaveLength(5);
  });

  it('turns off with a current code and is audited; the next sign-in needs only the password', async () => {
    const { token, secret } = await enrol('doc.hyyw');
    const off = await api(t, 'POST', '/api/auth/second-factor/disable', {
      token,
      body: { code: await codeAt(secret, 1) },
    });
    expect(off.status).toBe(204);
    expect((await login('doc.hyyw')).body.accessToken).toEqual(expect.any(String));
    expect(await audits('auth.totp_disabled', await userId('doc.hyyw'))).toHaveLength(1);
  });

  it('makes users of a role that requires it enrol at their next sign-in', async () => {
    const admin = (await login('admin')).body.accessToken as string;
    const doctor = (await login('doc.hyjq')).body.accessToken as string;
    expect(
      (await api(t, 'PUT', '/api/settings/second-factor', { token: doctor, body: { requiredRoles: [] } })).status,
    ).toBe(403);
    const bad = await api(t, 'PUT', '/api/settings/second-factor', {
      token: admin,
      body: { requiredRoles: ['patient'] },
    });
    expect(bad.status).toBe(400);
    const set = await api(t, 'PUT', '/api/settings/second-factor', {
      token: admin,
      body: { requiredRoles: ['community_doctor'] },
    });
    expect(set.status).toBe(200);
    expect(set.body.requiredRoles).toEqual(['community_doctor']);
    expect((await api(t, 'GET', '/api/settings/second-factor', { token: admin })).body.requiredRoles).toEqual([
      'community_doctor',
    ]);

    const first = await login('doc.hyjq');
    expect(first.body).toMatchObject({ secondFactor: 'enroll', challengeToken: expect.any(String) });
    expect(first.body.accessToken).toBeUndefined();
    // An enrolment challenge is not a way around the code.
    expect((await verify(first.body.challengeToken, '123456')).body.error.code).toBe('INVALID_CHALLENGE');
    const started = await api(t, 'POST', '/api/auth/second-factor/challenge-enrolment', {
      body: { challengeToken: first.body.challengeToken },
    });
    expect(started.status).toBe(200);
    const secret = secretOf(started.body.otpauthUri);
    const done = await api(t, 'POST', '/api/auth/second-factor/challenge-enrolment/confirm', {
      body: { challengeToken: first.body.challengeToken, code: await codeAt(secret) },
    });
    expect(done.status).toBe(200);
    expect(done.body.recoveryCodes).toHaveLength(10);
    expect(claimsOf(done.body.accessToken)).toMatchObject({ role: 'community_doctor' });
    // From now on the code is asked; it cannot be turned off while the role requires it.
    expect((await login('doc.hyjq')).body.secondFactor).toBe('verify');
    const off = await api(t, 'POST', '/api/auth/second-factor/disable', {
      token: done.body.accessToken,
      body: { code: await codeAt(secret, 1) },
    });
    expect(off.status).toBe(409);
    expect(off.body.error.code).toBe('SECOND_FACTOR_REQUIRED');
    // Other roles are not affected; the administrator can remove a lost second factor.
    expect((await login('admin')).body.accessToken).toEqual(expect.any(String));
    const reset = await api(t, 'POST', `/api/users/${await userId('doc.hyjq')}/second-factor/reset`, { token: admin });
    expect(reset.status).toBe(204);
    expect((await login('doc.hyjq')).body.secondFactor).toBe('enroll');
    expect(await audits('settings.second_factor_policy', 'second_factor_policy')).toHaveLength(1);
    expect(await audits('user.second_factor_reset', await userId('doc.hyjq'))).toHaveLength(1);
    await api(t, 'PUT', '/api/settings/second-factor', { token: admin, body: { requiredRoles: [] } });
  });
});
