import { DEFAULT_TURNAROUND_POLICY } from '@zhiyin/workflow';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { recordConsent } from '../support/referrals.js';

// The stored turnaround policy: the administrator edits it, coordinators read it, every change is
// a new version in the audit trail, and referrals submitted afterwards get their timers from it.
describe('turnaround policy settings', () => {
  let t: TestApp;
  let admin: string;
  let coord: string;
  let doc: string;
  // The environment's policy is the fallback until the administrator stores one.
  const ENV = { ECG: { URGENT: { reportDeadlineMinutes: 45 } } };

  beforeAll(async () => {
    t = await startTestApp({ TURNAROUND_POLICY: JSON.stringify(ENV) });
    [admin, coord, doc] = await Promise.all([t.login('admin'), t.login('coord.liu'), t.login('doc.hyjq')]);
  });
  afterAll(async () => {
    await t.close();
  });

  /** Submits an URGENT ECG referral and answers its timers, in minutes from submission. */
  const submitAndTimers = async () => {
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`);
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId: rows[0].id, service: 'ECG', priority: 'URGENT', clinicalQuestion: '胸闷' },
    });
    expect(created.status).toBe(201);
    await t.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      created.body.id,
    ]);
    await recordConsent(t, doc, created.body.id);
    const submitted = await api(t, 'POST', `/api/referrals/${created.body.id}/events`, {
      token: doc,
      body: { type: 'submit' },
    });
    expect(submitted.status).toBe(200);
    const timers = await t.db.query(
      `SELECT j.kind, round(extract(epoch FROM j.due_at - r.submitted_at) / 60)::int AS minutes
         FROM scheduled_job j JOIN referral r ON r.id = j.referral_id
        WHERE j.referral_id = $1 AND j.kind <> 'offer_timeout'`,
      [created.body.id],
    );
    return Object.fromEntries(timers.rows.map((r) => [r.kind, r.minutes]));
  };

  const edited = (policy: typeof DEFAULT_TURNAROUND_POLICY, change: (p: any) => void) => {
    const copy = JSON.parse(JSON.stringify(policy));
    change(copy);
    return copy;
  };

  it('starts from the configured policy (environment over defaults), readable by coordinators', async () => {
    const res = await api(t, 'GET', '/api/settings/turnaround-policy', { token: coord });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 0, source: 'configured', changedBy: null });
    expect(res.body.policy.ECG.URGENT.reportDeadlineMinutes).toBe(45);
    expect(res.body.defaults).toEqual(DEFAULT_TURNAROUND_POLICY);
    expect((await submitAndTimers()).report_deadline).toBe(45);
  });

  it('refuses an invalid policy with a problem per field, and changes nothing', async () => {
    const current = (await api(t, 'GET', '/api/settings/turnaround-policy', { token: admin })).body;
    const bad = edited(current.policy, (p) => {
      p.ECG.STAT.reportDeadlineMinutes = 0;
      p.IMAGING.ROUTINE.reportWarningMinutes = 5000;
      p.IMAGING.URGENT.extra = 1;
    });
    const res = await api(t, 'PUT', '/api/settings/turnaround-policy', {
      token: admin,
      body: { policy: bad, version: 0 },
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    const paths = res.body.error.details.problems.map((p: { path: string }) => p.path);
    expect(paths).toEqual(expect.arrayContaining(['ECG.STAT.reportDeadlineMinutes', 'IMAGING.URGENT.extra']));
    const order = await api(t, 'PUT', '/api/settings/turnaround-policy', {
      token: admin,
      body: { policy: edited(current.policy, (p) => (p.IMAGING.ROUTINE.reportWarningMinutes = 5000)), version: 0 },
    });
    expect(order.body.error.details.problems).toEqual([
      expect.objectContaining({ path: 'IMAGING.ROUTINE.reportWarningMinutes', code: 'out_of_order' }),
    ]);
    expect((await t.db.query('SELECT count(*)::int AS n FROM turnaround_policy')).rows[0].n).toBe(0);
    const notObject = await api(t, 'PUT', '/api/settings/turnaround-policy', {
      token: admin,
      body: { policy: 'fast', version: 0 },
    });
    expect(notObject.status).toBe(400);
  });

  it('stores a new version, audited, used for referrals submitted afterwards; a stale edit is refused', async () => {
    const current = (await api(t, 'GET', '/api/settings/turnaround-policy', { token: admin })).body;
    const before = await submitAndTimers();
    const next = edited(current.policy, (p) => {
      p.ECG.URGENT.acceptDeadlineMinutes = 8;
      p.ECG.URGENT.reportDeadlineMinutes = 25;
    });
    const res = await api(t, 'PUT', '/api/settings/turnaround-policy', {
      token: admin,
      body: { policy: next, version: 0 },
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ version: 1, source: 'stored', changedBy: { username: 'admin' } });
    expect(res.body.policy.ECG.URGENT).toMatchObject({ acceptDeadlineMinutes: 8, reportDeadlineMinutes: 25 });

    const after = await submitAndTimers();
    expect(before).toMatchObject({ accept_deadline: 10, report_deadline: 45 });
    expect(after).toMatchObject({ accept_deadline: 8, report_deadline: 25 });

    const stale = await api(t, 'PUT', '/api/settings/turnaround-policy', {
      token: admin,
      body: { policy: next, version: 0 },
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error).toMatchObject({ code: 'STALE_STATE', details: { currentVersion: 1 } });

    const { rows } = await t.db.query(
      `SELECT actor_role, resource_id, details FROM audit_event WHERE action = 'settings.turnaround_policy.update'`,
    );
    expect(rows).toEqual([
      {
        actor_role: 'admin',
        resource_id: '1',
        details: { version: 1, changed: ['ECG.URGENT.acceptDeadlineMinutes', 'ECG.URGENT.reportDeadlineMinutes'] },
      },
    ]);
    // Every version is kept.
    await expect(t.db.query('DELETE FROM turnaround_policy')).rejects.toThrow(/keeps every version/);
  });

  it('lets only the administrator write', async () => {
    const current = (await api(t, 'GET', '/api/settings/turnaround-policy', { token: admin })).body;
    const res = await api(t, 'PUT', '/api/settings/turnaround-policy', {
      token: coord,
      body: { policy: current.policy, version: current.version },
    });
    expect(res.status).toBe(403);
    expect((await api(t, 'GET', '/api/settings/turnaround-policy', { token: doc })).status).toBe(403);
  });
});
