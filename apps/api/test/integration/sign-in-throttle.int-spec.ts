import { accountKey } from '#src/modules/auth/attempt-throttle.service.js';
import { DEMO_PASSWORD } from '#src/seed/demo-network.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

// Attempt limits hold under any concurrency (every attempt is counted before its guess is checked),
// and failures slow the guesser down without locking the real user out (README, Security model).
// TRUST_PROXY is on so that each request can say which address it comes from (X-Forwarded-For from
// loopback is trusted); TEST-NET addresses stand for the attacker's and the user's.
describe('sign-in attempt limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ TRUST_PROXY: 'true' });
  });
  afterAll(async () => {
    await t.close();
  });

  const login = (username: string, password: string, address: string) =>
    api(t, 'POST', '/api/auth/login', { body: { username, password }, headers: { 'x-forwarded-for': address } });
  const userId = async (username: string) =>
    (await t.db.query('SELECT id FROM app_user WHERE username = $1', [username])).rows[0].id as string;
  /** password checks that failed for this user (each failed check writes one row) */
  const evaluatedFailures = async (id: string) =>
    (
      await t.db.query(
        `SELECT count(*)::int AS n FROM audit_event WHERE action = 'auth.login' AND outcome = 'denied' AND resource_id = $1`,
        [id],
      )
    ).rows[0].n as number;

  describe('staff passwords', () => {
    it('checks no more than 5 of 50 parallel guesses from one address; the others are refused with 429 and Retry-After', async () => {
      const id = await userId('doc.hyyw');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => login('doc.hyyw', `wrong-guess-${i}`, '203.0.113.10')),
      );
      expect(results.filter((r) => r.status === 401)).toHaveLength(5);
      const refused = results.filter((r) => r.status === 429);
      expect(refused).toHaveLength(45);
      for (const r of refused) {
        expect(r.body.error.code).toBe('TOO_MANY_ATTEMPTS');
        expect(Number(r.headers.get('retry-after'))).toBeGreaterThan(0);
      }
      await expect(evaluatedFailures(id)).resolves.toBe(5);
    });

    it('checks no more than 10 of 50 parallel guesses on one account from 50 addresses', async () => {
      const id = await userId('doc.hyzt');
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => login('doc.hyzt', `wrong-guess-${i}`, `198.51.100.${i + 1}`)),
      );
      expect(results.filter((r) => r.status === 401)).toHaveLength(10);
      expect(results.filter((r) => r.status === 429)).toHaveLength(40);
      await expect(evaluatedFailures(id)).resolves.toBe(10);
    });

    it('lets the real user sign in from their usual address while an attacker elsewhere is refused', async () => {
      // The user signed in from B before: B is their known address.
      expect((await login('rad.li', DEMO_PASSWORD, '192.0.2.20')).status).toBe(200);
      let attacker = await login('rad.li', 'guess-0', '203.0.113.66');
      for (let i = 1; i < 30 && attacker.status !== 429; i++)
        attacker = await login('rad.li', `guess-${i}`, '203.0.113.66');
      expect(attacker.status).toBe(429);
      expect(Number(attacker.headers.get('retry-after'))).toBeGreaterThan(0);
      // Guessing from many more addresses pushes the account over its own limit too.
      await Promise.all(Array.from({ length: 20 }, (_, i) => login('rad.li', `spray-${i}`, `198.51.100.${100 + i}`)));
      const elsewhere = await login('rad.li', DEMO_PASSWORD, '203.0.113.67');
      expect(elsewhere.status).toBe(429);

      const user = await login('rad.li', DEMO_PASSWORD, '192.0.2.20');
      expect(user.status).toBe(200);
      expect(user.body.accessToken).toEqual(expect.any(String));
      // Another user behind the attacker's address (a centre's NAT) is not locked out either.
      expect((await login('rad.wang', DEMO_PASSWORD, '203.0.113.66')).status).toBe(200);
    });

    it('makes the wait grow with every further failure from the same address', async () => {
      const guess = () => login('coord.liu', 'wrong', '203.0.113.80');
      for (let i = 0; i < 5; i++) expect((await guess()).status).toBe(401);
      const first = await guess();
      expect(first.status).toBe(429);
      const firstWait = Number(first.headers.get('retry-after'));
      // The wait runs out (moved into the past here rather than slept through): one more guess is
      // checked, and the next wait is longer.
      await t.db.query(
        `UPDATE auth_throttle SET blocked_until = now() - interval '1 second' WHERE scope = 'account_address'`,
      );
      expect((await guess()).status).toBe(401);
      const second = await guess();
      expect(second.status).toBe(429);
      expect(Number(second.headers.get('retry-after'))).toBeGreaterThan(firstWait);
    });

    it('stops an account after 100 consecutive failures until the administrator resets its password', async () => {
      expect((await login('card.chen', DEMO_PASSWORD, '192.0.2.30')).status).toBe(200);
      expect((await login('card.chen', 'wrong', '192.0.2.30')).status).toBe(401);
      // 98 more failures, spread over days, are written directly; the 100th is a real one.
      await t.db.query(`UPDATE auth_throttle SET failures = 99 WHERE scope = 'account' AND key_hash = $1`, [
        accountKey('card.chen'),
      ]);
      expect((await login('card.chen', 'wrong-again', '192.0.2.30')).status).toBe(401);
      const locked = await login('card.chen', DEMO_PASSWORD, '192.0.2.30');
      expect(locked.status).toBe(429);
      expect(locked.body.error.message).toMatch(/administrator/);

      const admin = await t.login('admin');
      const reset = await api(t, 'POST', `/api/users/${await userId('card.chen')}/password`, {
        token: admin,
        body: { password: 'Renewed-Password-2031' },
      });
      expect(reset.status).toBe(204);
      expect((await login('card.chen', 'Renewed-Password-2031', '192.0.2.30')).status).toBe(200);
    });
  });

  describe('patient codes', () => {
    let doc: string;
    let patientId: string;
    beforeAll(async () => {
      doc = await t.login('doc.hyjq');
      patientId = (await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`)).rows[0].id;
    });
    const issue = async () =>
      (await api(t, 'POST', `/api/patients/${patientId}/access-codes`, { token: doc })).body.code as string;
    const patientLogin = (code: string, birthDate: string, address: string) =>
      api(t, 'POST', '/api/auth/patient-login', { body: { code, birthDate }, headers: { 'x-forwarded-for': address } });
    const compared = async (since: Date) =>
      (
        await t.db.query(
          `SELECT count(*)::int AS n FROM audit_event
            WHERE action = 'auth.patient_login' AND patient_id = $1 AND at >= $2
              AND (details->>'reason' = 'birth_date_mismatch' OR outcome = 'success')`,
          [patientId, since],
        )
      ).rows[0].n as number;
    const dbNow = async () => (await t.db.query('SELECT clock_timestamp() AS now')).rows[0].now as Date;
    const wrongDate = (i: number) =>
      `1950-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 28) + 1).padStart(2, '0')}`;

    it('compares no more than 5 of 50 parallel wrong dates, revokes the code, and then refuses the right date', async () => {
      const code = await issue();
      const since = await dbNow();
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, i) => patientLogin(code, wrongDate(i), `198.51.100.${i + 1}`)),
      );
      expect(results.every((r) => r.status === 401)).toBe(true);
      await expect(compared(since)).resolves.toBe(5);
      const { rows } = await t.db.query(
        'SELECT failed_attempts, revoked_at FROM patient_access_code WHERE patient_id = $1 ORDER BY created_at DESC LIMIT 1',
        [patientId],
      );
      expect(rows[0].failed_attempts).toBe(5);
      expect(rows[0].revoked_at).not.toBeNull();
      const right = await patientLogin(code, '1948-03-30', '192.0.2.99');
      expect(right.status).toBe(401);
      expect(right.body.accessToken).toBeUndefined();
    });

    it('with the right date among 50 parallel wrong ones, compares no more than 5 wrong dates', async () => {
      const code = await issue();
      const since = await dbNow();
      const dates = Array.from({ length: 50 }, (_, i) => (i === 25 ? '1948-03-30' : wrongDate(i)));
      const results = await Promise.all(dates.map((d, i) => patientLogin(code, d, `198.51.100.${i + 101}`)));
      // Every wrong date compared is counted on the code, atomically (the count alone would hide nothing).
      const { rows } = await t.db.query(
        'SELECT failed_attempts, revoked_at FROM patient_access_code WHERE patient_id = $1 ORDER BY created_at DESC LIMIT 1',
        [patientId],
      );
      expect(rows[0].failed_attempts).toBeLessThanOrEqual(5);
      const mismatches = (
        await t.db.query(
          `SELECT count(*)::int AS n FROM audit_event WHERE action = 'auth.patient_login' AND patient_id = $1
              AND at >= $2 AND outcome = 'denied' AND details->>'reason' = 'birth_date_mismatch'`,
          [patientId, since],
        )
      ).rows[0].n as number;
      expect(mismatches).toBeLessThanOrEqual(5);
      const signedIn = results.filter((r) => r.status === 200);
      expect(signedIn.length).toBeLessThanOrEqual(1);
      // Either the right date was among the allowed attempts, or the code is gone after 5 wrong ones.
      expect(signedIn.length === 1 || rows[0].revoked_at !== null).toBe(true);
    });
  });
});
