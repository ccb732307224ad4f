import { Listener } from '../support/realtime.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { recordConsent } from '../support/referrals.js';

/** Opens and submits one referral for a HYJQ patient (its study counted directly in SQL). */
async function submitted(t: TestApp, doc: string, service: 'ECG' | 'IMAGING', priority: string): Promise<string> {
  const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`);
  const created = await api(t, 'POST', '/api/referrals', {
    token: doc,
    body: { patientId: rows[0].id, service, priority, clinicalQuestion: '请阅片' },
  });
  await t.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
    created.body.id,
  ]);
  await recordConsent(t, doc, created.body.id);
  expect(
    (await api(t, 'POST', `/api/referrals/${created.body.id}/events`, { token: doc, body: { type: 'submit' } })).status,
  ).toBe(200);
  return created.body.id;
}

// The coordinator's board: both pools' queues with holders and timers, the pools' specialists
// (on duty, online, load), and the referred-up patients whose hub appointment is to be booked.
describe('GET /api/board', () => {
  let t: TestApp;
  let doc: string;
  let coord: string;
  let cardio: string;
  beforeAll(async () => {
    t = await startTestApp();
    [doc, coord, cardio] = await Promise.all([t.login('doc.hyjq'), t.login('coord.liu'), t.login('card.chen')]);
  });
  afterAll(async () => {
    await t.close();
  });

  it('shows each pool’s queue, who holds it, and offers reassignment only where the rules allow it', async () => {
    const ecg = await submitted(t, doc, 'ECG', 'STAT');
    const ct = await submitted(t, doc, 'IMAGING', 'ROUTINE');
    const res = await api(t, 'GET', '/api/board', { token: coord });
    expect(res.status).toBe(200);
    expect(res.body.pools.map((p: { service: string }) => p.service)).toEqual(['ECG', 'IMAGING']);
    const [ecgPool, imgPool] = res.body.pools;
    const row = ecgPool.queue.find((q: { id: string }) => q.id === ecg);
    expect(row).toMatchObject({
      state: 'submitted',
      priority: 'STAT',
      centre: { code: 'HYJQ' },
      assignee: null,
      offeredTo: null,
      escalatedAt: null,
    });
    expect(row.availableEvents).toContain('reassign');
    expect(Object.keys(row.timers).sort()).toEqual(['accept_deadline', 'report_deadline', 'report_warning']);
    expect(imgPool.queue.map((q: { id: string }) => q.id)).toContain(ct);
    expect(ecgPool.specialists.map((s: { nameEn: string }) => s.nameEn)).toEqual(
      expect.arrayContaining([expect.any(String)]),
    );
    expect(ecgPool.specialists.every((s: { specialty: string }) => s.specialty === 'cardiology')).toBe(true);
    // Queue rows carry no patient name.
    expect(JSON.stringify(ecgPool.queue)).not.toContain('孙娟');

    // The cardiologist claims it: the board names the holder and counts the load.
    const claimed = await api(t, 'POST', '/api/referrals/claim-next', { token: cardio });
    expect(claimed.body.id).toBe(ecg);
    const after = await api(t, 'GET', '/api/board', { token: coord });
    const held = after.body.pools[0].queue.find((q: { id: string }) => q.id === ecg);
    expect(held.state).toBe('accepted');
    expect(held.assignee.nameZh).toBeTruthy();
    const chen = after.body.pools[0].specialists.find((s: { id: string }) => s.id === held.assignee.id);
    expect(chen.load).toBe(1);

    // Each referral shown is in the audit trail.
    const { rows } = await t.db.query(
      `SELECT count(*)::int AS n FROM audit_event WHERE action = 'referral.board' AND resource_id = $1`,
      [ecg],
    );
    expect(rows[0].n).toBeGreaterThanOrEqual(2);
  });

  it('lists a specialist online while connected, offline after', async () => {
    const { rows } = await t.db.query(`SELECT id FROM app_user WHERE username = 'card.zhang'`);
    const zhangId = rows[0].id as string;
    const online = async () =>
      (await api(t, 'GET', '/api/board', { token: coord })).body.pools[0].specialists.find(
        (s: { id: string }) => s.id === zhangId,
      ).online as boolean;
    expect(await online()).toBe(false);
    const l = new Listener(t.url, await t.login('card.zhang'));
    await new Promise<void>((resolve) => l.socket.on('connect', () => resolve()));
    try {
      // The presence row is written as the connection is handled.
      for (let i = 0; i < 50 && !(await online()); i++) await new Promise((r) => setTimeout(r, 100));
      expect(await online()).toBe(true);
    } finally {
      l.socket.close();
    }
  });

  it('lists referred-up patients whose plan needs a hub appointment, then the booked appointment', async () => {
    const id = await submitted(t, doc, 'ECG', 'URGENT');
    await api(t, 'POST', `/api/referrals/${id}/events`, {
      token: coord,
      body: {
        type: 'reassign',
        specialistId: (await t.db.query(`SELECT id FROM app_user WHERE username = 'card.chen'`)).rows[0].id,
      },
    });
    expect(
      (await api(t, 'POST', `/api/referrals/${id}/events`, { token: cardio, body: { type: 'accept' } })).status,
    ).toBe(200);
    await api(t, 'POST', `/api/referrals/${id}/events`, { token: cardio, body: { type: 'start_review' } });
    await api(t, 'PUT', `/api/referrals/${id}/report`, {
      token: cardio,
      body: { findings: '所见', impression: '印象', disposition: 'refer_up_outpatient' },
    });
    expect((await api(t, 'POST', `/api/referrals/${id}/report/sign`, { token: cardio })).status).toBe(200);
    expect(
      (
        await api(t, 'POST', `/api/referrals/${id}/plan`, {
          token: cardio,
          body: { content: { diagnosis: '冠心病', medications: [] }, disposition: 'refer_up_outpatient' },
        })
      ).status,
    ).toBe(200);

    const needing = (await api(t, 'GET', '/api/board', { token: coord })).body.appointments.find(
      (a: { id: string }) => a.id === id,
    );
    expect(needing).toMatchObject({
      state: 'reported',
      disposition: 'refer_up_outpatient',
      hubAppointment: null,
      patient: { name: '孙娟' },
    });
    expect(needing.availableEvents).toContain('set_appointment');

    const at = new Date(Date.now() + 3 * 86_400_000).toISOString();
    const booked = await api(t, 'POST', `/api/referrals/${id}/plan/appointment`, {
      token: coord,
      body: { at, department: '心内科门诊', place: '门诊楼 3 层 305 室' },
    });
    expect(booked.status).toBe(200);
    const row = (await api(t, 'GET', '/api/board', { token: coord })).body.appointments.find(
      (a: { id: string }) => a.id === id,
    );
    expect(row.hubAppointment).toEqual({ at, department: '心内科门诊', place: '门诊楼 3 层 305 室' });
  });

  it('is for coordinators only', async () => {
    expect((await api(t, 'GET', '/api/board', { token: doc })).status).toBe(403);
    expect((await api(t, 'GET', '/api/board', { token: cardio })).status).toBe(403);
    expect((await api(t, 'GET', '/api/board', { token: await t.login('admin') })).status).toBe(403);
  });
});
