import { io } from 'socket.io-client';
import { logoutWith, refreshTokenOf, refreshWith } from '../support/session-cookie.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// An ended sign-in ends at once: its access tokens are refused and its live connection closes, not
// fifteen minutes later when the last access token would have expired. Other sign-ins go on.
describe('ended sign-ins', () => {
  let t: TestApp;
  let admin: string;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.login('admin');
  });
  afterAll(async () => {
    await t.close();
  });

  const signIn = async (username: string) => {
    const res = await api(t, 'POST', '/api/auth/login', { body: { username, password: 'Zhiyin-2026' } });
    expect(res.status).toBe(200);
    return { accessToken: res.body.accessToken as string, refreshToken: refreshTokenOf(res) };
  };
  const me = (token: string) => api(t, 'GET', '/api/auth/me', { token });
  const userId = async (username: string) =>
    (await t.db.query('SELECT id FROM app_user WHERE username = $1', [username])).rows[0].id as string;

  it('refuses a deactivated account’s access token at once and closes its live connection', async () => {
    const session = await signIn('rad.wang');
    expect((await me(session.accessToken)).status).toBe(200);
    const socket = io(t.url, { path: '/socket.io', auth: { token: session.accessToken }, transports: ['websocket'] });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', () => resolve());
      socket.once('connect_error', reject);
    });
    const closed = new Promise<string>((resolve) => socket.once('disconnect', (reason) => resolve(reason)));

    const res = await api(t, 'POST', `/api/users/${await userId('rad.wang')}/deactivate`, { token: admin });
    expect(res.status).toBe(200);

    const refused = await me(session.accessToken);
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe('UNAUTHENTICATED');
    await expect(closed).resolves.toBe('io server disconnect');
    socket.close();

    // Reconnecting with the same token is refused too.
    const again = io(t.url, {
      path: '/socket.io',
      auth: { token: session.accessToken },
      transports: ['websocket'],
      reconnection: false,
    });
    await expect(
      new Promise((resolve, reject) => {
        again.once('connect', () => resolve('connected'));
        again.once('connect_error', (err) => reject(err));
      }),
    ).rejects.toThrow('unauthorized');
    again.close();

    // Other people are not affected.
    expect((await me(await t.login('rad.li'))).status).toBe(200);
  });

  it('signing out ends that sign-in only: the same person’s other sign-in goes on', async () => {
    const first = await signIn('card.zhang');
    const second = await signIn('card.zhang');
    const out = await logoutWith(t, first.refreshToken);
    expect(out.status).toBeLessThan(300);
    expect((await me(first.accessToken)).status).toBe(401);
    expect((await me(second.accessToken)).status).toBe(200);
  });

  it('a password reset ends every sign-in of the account', async () => {
    const session = await signIn('doc.hyqc');
    const reset = await api(t, 'POST', `/api/users/${await userId('doc.hyqc')}/password`, {
      token: admin,
      body: { password: 'Haidian-Reset-2031' },
    });
    expect(reset.status).toBeLessThan(300);
    expect((await me(session.accessToken)).status).toBe(401);
    const fresh = await api(t, 'POST', '/api/auth/login', {
      body: { username: 'doc.hyqc', password: 'Haidian-Reset-2031' },
    });
    expect((await me(fresh.body.accessToken)).status).toBe(200);
  });

  it('a new patient code ends the session opened with the old one', async () => {
    const doc = await t.login('doc.hyjq');
    const { rows } = await t.db.query(`SELECT id, birth_date::text AS birth FROM patient WHERE mrn = 'BJCY100000'`);
    const issue = async () =>
      (await api(t, 'POST', `/api/patients/${rows[0].id}/access-codes`, { token: doc })).body.code as string;
    const login = await api(t, 'POST', '/api/auth/patient-login', {
      body: { code: await issue(), birthDate: rows[0].birth },
    });
    expect(login.status).toBe(200);
    expect((await me(login.body.accessToken)).status).toBe(200);
    await issue();
    expect((await me(login.body.accessToken)).status).toBe(401);
  });

  it('a deactivated centre’s doctors are signed out and cannot sign in until it is reactivated', async () => {
    const session = await signIn('doc.hyly');
    const { rows } = await t.db.query(`SELECT facility_id FROM app_user WHERE username = 'doc.hyly'`);
    const facility = rows[0].facility_id as string;
    const off = await api(t, 'POST', `/api/facilities/${facility}/deactivate`, { token: admin });
    expect(off.status).toBeLessThan(300);
    expect((await me(session.accessToken)).status).toBe(401);
    const refreshed = await refreshWith(t, session.refreshToken);
    expect(refreshed.status).toBe(401);
    const refused = await api(t, 'POST', '/api/auth/login', {
      body: { username: 'doc.hyly', password: 'Zhiyin-2026' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error.code).toBe('FACILITY_INACTIVE');

    const on = await api(t, 'POST', `/api/facilities/${facility}/activate`, { token: admin });
    expect(on.status).toBeLessThan(300);
    expect((await me((await signIn('doc.hyly')).accessToken)).status).toBe(200);
  });

  it('another API node refuses the ended sign-in too, within moments', async () => {
    const other = await startTestApp({}, { databaseUrl: t.databaseUrl });
    try {
      const session = await signIn('card.chen');
      const onOther = () => api(other, 'GET', '/api/auth/me', { token: session.accessToken });
      expect((await onOther()).status).toBe(200);
      await logoutWith(t, session.refreshToken);
      let status = 200;
      for (let i = 0; i < 100 && status === 200; i++) {
        status = (await onOther()).status;
        if (status === 200) await new Promise((r) => setTimeout(r, 100));
      }
      expect(status).toBe(401);
    } finally {
      await other.close();
    }
  });
});
