import { ManualClock } from '#src/common/clock.js';
import { RouterService } from '#src/modules/referrals/router.service.js';
import { TimersService } from '#src/modules/referrals/timers.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { CT_SLICE, sample, stow } from '../support/dicom-files.js';
import { Listener } from '../support/realtime.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { recordConsent } from '../support/referrals.js';

const MINUTE = 60_000;

/** Opens and submits referrals for HYJQ patients, each with one study attached. */
async function submitReferrals(
  t: TestApp,
  n: number,
  service: 'ECG' | 'IMAGING',
  priority = 'ROUTINE',
): Promise<string[]> {
  const doc = await t.login('doc.hyjq');
  const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`);
  const stored = await stow(t.url, doc, [sample(CT_SLICE)]);
  expect([200]).toContain(stored.status);
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId: rows[0].id, service, priority, clinicalQuestion: `问题 ${i}` },
    });
    // Attach directly in SQL: one study per referral is all the rules need here.
    await t.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      created.body.id,
    ]);
    await recordConsent(t, doc, created.body.id);
    const submitted = await api(t, 'POST', `/api/referrals/${created.body.id}/events`, {
      token: doc,
      body: { type: 'submit' },
    });
    expect(submitted.status).toBe(200);
    ids.push(created.body.id);
  }
  return ids;
}

describe('claiming: no referral is ever claimed twice', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp();
    // 20 cardiologists besides the demo ones.
    await t.db.query(
      `INSERT INTO app_user (username, password_hash, role, facility_id, specialty, reading_centre_id, display_name_zh, display_name_en, on_duty)
       SELECT 'card.t' || g, u.password_hash, 'specialist', u.facility_id, 'cardiology', u.reading_centre_id, '测试' || g, 'Test ' || g, true
         FROM generate_series(1, 20) g, app_user u WHERE u.username = 'card.chen'`,
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('20 specialists claiming from one pool at once each get a different referral', async () => {
    const referrals = await submitReferrals(t, 15, 'ECG');
    const tokens = await Promise.all(Array.from({ length: 20 }, (_, i) => t.login(`card.t${i + 1}`)));
    const results = await Promise.all(tokens.map((token) => api(t, 'POST', '/api/referrals/claim-next', { token })));
    const claimed = results.filter((r) => r.status === 200).map((r) => r.body.id as string);
    const empty = results.filter((r) => r.status === 404);
    expect(claimed).toHaveLength(15);
    expect(new Set(claimed).size).toBe(15);
    expect(claimed.sort()).toEqual([...referrals].sort());
    expect(empty).toHaveLength(5);
    const { rows } = await t.db.query(
      `SELECT count(DISTINCT assignee_id)::int AS readers, count(*)::int AS n FROM referral WHERE state = 'accepted'`,
    );
    expect(rows[0]).toEqual({ readers: 15, n: 15 });
  });

  it('takes the most urgent first', async () => {
    await submitReferrals(t, 1, 'ECG', 'ROUTINE');
    const [stat] = await submitReferrals(t, 1, 'ECG', 'STAT');
    const res = await api(t, 'POST', '/api/referrals/claim-next', { token: await t.login('card.zhang') });
    expect(res.body.id).toBe(stat);
  });
});

describe('routing and timers (an injectable clock, no sleeping for minutes)', () => {
  let t: TestApp;
  const clock = new ManualClock();
  beforeAll(async () => {
    t = await startTestApp({}, { overrides: { clock } });
  });
  afterAll(async () => {
    await t.close();
  });
  const timers = () => t.app.get(TimersService);
  const router = () => t.app.get(RouterService);

  it('offers to the online reader, and moves an unanswered offer to the next reader when it times out', async () => {
    const chen = new Listener(t.url, await t.login('card.chen'));
    await chen.connected();
    const [id] = await submitReferrals(t, 1, 'ECG', 'STAT');
    await router().settle();
    const offered = await t.db.query(`SELECT state, offered_to FROM referral WHERE id = $1`, [id]);
    const chenId = (await t.db.query(`SELECT id FROM app_user WHERE username = 'card.chen'`)).rows[0].id;
    expect(offered.rows[0]).toEqual({ state: 'offered', offered_to: chenId });
    // card.zhang comes online; card.chen does not answer. STAT ECG: the offer lapses after 2 minutes.
    const zhang = new Listener(t.url, await t.login('card.zhang'));
    await zhang.connected();
    clock.advance(1 * MINUTE);
    expect(await timers().tick()).toBe(0);
    clock.advance(1 * MINUTE + 1000);
    expect(await timers().tick()).toBe(1);
    await router().settle();
    const moved = await t.db.query(
      `SELECT state, offered_to, snapshot->'declinedBy' AS declined FROM referral WHERE id = $1`,
      [id],
    );
    const zhangId = (await t.db.query(`SELECT id FROM app_user WHERE username = 'card.zhang'`)).rows[0].id;
    expect(moved.rows[0].offered_to).toBe(zhangId);
    await chen.waitFor((e) => e.event === 'offer.withdrawn' && e.payload.referralId === id);
    await zhang.waitFor((e) => e.event === 'offer.made' && e.payload.referralId === id);
    chen.close();
    zhang.close();
  });

  it('warns and escalates to the coordinator as the report deadline nears and passes', async () => {
    const coordinator = new Listener(t.url, await t.login('coord.liu'));
    await coordinator.connected();
    const wang = await t.login('rad.wang');
    const [id] = await submitReferrals(t, 1, 'IMAGING', 'STAT');
    const claimed = await api(t, 'POST', '/api/referrals/claim-next', { token: wang });
    expect(claimed.body.id).toBe(id);
    // STAT imaging: warning at 45 minutes, report due at 60.
    clock.advance(46 * MINUTE);
    await timers().tick();
    await coordinator.waitFor(
      (e) => e.event === 'turnaround.warning' && e.payload.referralId === id && e.payload.timer === 'report_warning',
    );
    clock.advance(15 * MINUTE);
    await timers().tick();
    await coordinator.waitFor(
      (e) => e.event === 'turnaround.warning' && e.payload.referralId === id && e.payload.timer === 'report_deadline',
    );
    const { rows } = await t.db.query(`SELECT snapshot->>'escalatedAt' AS escalated FROM referral WHERE id = $1`, [id]);
    expect(rows[0].escalated).not.toBeNull();
    coordinator.close();
  });

  it('fires a timer that fell due while the API was down, once, after a restart', async () => {
    const [id] = await submitReferrals(t, 1, 'IMAGING', 'URGENT');
    const due = await t.db.query(`SELECT kind, due_at FROM scheduled_job WHERE referral_id = $1 ORDER BY due_at`, [id]);
    expect(due.rows.map((r) => r.kind)).toEqual(['accept_deadline', 'report_warning', 'report_deadline']);
    await t.app.get(OutboxService).drain();
    // Stop this API node, let the accept deadline (60 minutes for URGENT imaging) pass, start a new node.
    await t.app.close();
    clock.advance(61 * MINUTE);
    const restarted = await startTestApp({}, { overrides: { clock }, databaseUrl: t.databaseUrl });
    try {
      // The new node's own poller may get there first; either way the timer fires exactly once.
      await restarted.app.get(TimersService).tick();
      const { rows } = await restarted.db.query(
        `SELECT event FROM referral_event WHERE referral_id = $1 AND event = 'acceptance_overdue'`,
        [id],
      );
      expect(rows).toHaveLength(1);
      expect(await restarted.app.get(TimersService).tick()).toBe(0);
      const left = await restarted.db.query(`SELECT kind FROM scheduled_job WHERE referral_id = $1 ORDER BY kind`, [
        id,
      ]);
      expect(left.rows.map((r) => r.kind)).toEqual(['report_deadline', 'report_warning']);
    } finally {
      await restarted.app.close();
      await restarted.db.end();
    }
  });
});

describe('a STAT offer goes round until someone accepts', () => {
  let t: TestApp;
  const clock = new ManualClock();
  beforeAll(async () => {
    t = await startTestApp({}, { overrides: { clock } });
  });
  afterAll(async () => {
    await t.close();
  });

  it('re-offers a STAT ECG to the next reader after each decline or lapse, and again once everyone has said no', async () => {
    const chen = new Listener(t.url, await t.login('card.chen'));
    const zhang = new Listener(t.url, await t.login('card.zhang'));
    await Promise.all([chen.connected(), zhang.connected()]);
    const token = { chen: await t.login('card.chen'), zhang: await t.login('card.zhang') };
    const ids = (await t.db.query(`SELECT id, username FROM app_user WHERE username IN ('card.chen', 'card.zhang')`))
      .rows as { id: string; username: string }[];
    const who = (userId: string | null) => ids.find((u) => u.id === userId)?.username.replace('card.', '');
    const router = t.app.get(RouterService);
    const [id] = await submitReferrals(t, 1, 'ECG', 'STAT');
    const offeredTo = async () => {
      await router.settle();
      const { rows } = await t.db.query(`SELECT state, offered_to FROM referral WHERE id = $1`, [id]);
      return { state: rows[0].state as string, to: who(rows[0].offered_to) };
    };
    const decline = async () => {
      const now = await offeredTo();
      const res = await api(t, 'POST', `/api/referrals/${id}/events`, {
        token: token[now.to as 'chen' | 'zhang'],
        body: { type: 'decline' },
      });
      expect(res.status).toBe(200);
      return now.to;
    };
    const first = await decline();
    const second = await decline();
    expect(second).not.toBe(first);
    // Both on duty have declined: a STAT ECG does not sit in the queue, it is offered again.
    const third = await offeredTo();
    expect(third).toEqual({ state: 'offered', to: first });
    const listener = third.to === 'chen' ? chen : zhang;
    await listener.waitFor((e) => e.event === 'offer.made' && e.payload.referralId === id);
    // Nobody answers: after the 2-minute STAT offer timeout it goes to the other reader, and back again.
    clock.advance(2 * MINUTE + 1000);
    expect(await t.app.get(TimersService).tick()).toBe(1);
    await expect(offeredTo()).resolves.toEqual({ state: 'offered', to: second });
    clock.advance(2 * MINUTE + 1000);
    expect(await t.app.get(TimersService).tick()).toBe(1);
    await expect(offeredTo()).resolves.toEqual({ state: 'offered', to: first });
    // Someone accepts: the round stops.
    const accepted = await api(t, 'POST', `/api/referrals/${id}/events`, {
      token: token[first as 'chen' | 'zhang'],
      body: { type: 'accept' },
    });
    expect(accepted.status).toBe(200);
    await expect(offeredTo()).resolves.toEqual({ state: 'accepted', to: undefined });
    chen.close();
    zhang.close();
  });
});
