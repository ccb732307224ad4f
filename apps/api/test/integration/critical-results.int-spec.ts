import { ManualClock } from '#src/common/clock.js';
import { recordConsent } from '../support/referrals.js';
import { CriticalEscalationService } from '#src/modules/critical-results/critical-escalation.service.js';
import { OutboxService } from '#src/modules/realtime/outbox.service.js';
import { Listener } from '../support/realtime.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';

const MINUTE = 60_000;

describe('critical results (危急值): raised, alerted, read back, escalated, closed by a call', () => {
  let t: TestApp;
  const clock = new ManualClock();
  let doc: string;
  let doc2: string;
  let otherCentreDoc: string;
  let coord: string;
  let admin: string;
  const listeners: Listener[] = [];
  const listen = async (token: string) => {
    const l = new Listener(t.url, token);
    listeners.push(l);
    await l.connected();
    return l;
  };
  const sweep = () => t.app.get(CriticalEscalationService).tick();

  /** A STAT ECG referral of HYJQ, submitted and taken by card.chen. */
  async function acceptedEcg(): Promise<{ id: string; number: string; reader: string; otherReader: string }> {
    const { rows } = await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100101'`);
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId: rows[0].id, service: 'ECG', priority: 'STAT', clinicalQuestion: '胸痛 1 小时' },
    });
    expect(created.status).toBe(201);
    // One study is all the rules need to send it.
    await t.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      created.body.id,
    ]);
    await recordConsent(t, doc, created.body.id);
    expect(
      (await api(t, 'POST', `/api/referrals/${created.body.id}/events`, { token: doc, body: { type: 'submit' } }))
        .status,
    ).toBe(200);
    // Nobody is online, so nothing is offered: the reader takes it from the pool.
    const reader = await t.login('card.chen');
    const otherReader = await t.login('card.zhang');
    const claimed = await api(t, 'POST', '/api/referrals/claim-next', { token: reader });
    expect(claimed.body.id).toBe(created.body.id);
    return { id: created.body.id, number: created.body.number, reader, otherReader };
  }

  beforeAll(async () => {
    // The server's time moves only when a test moves it.
    clock.freeze(new Date());
    t = await startTestApp({}, { overrides: { clock } });
    // A second doctor of the same centre: escalation must reach the centre's other doctors.
    await t.db.query(
      `INSERT INTO app_user (username, password_hash, role, facility_id, display_name_zh, display_name_en)
       SELECT 'doc.bjcy2', password_hash, role, facility_id, '周二', 'Zhou Er' FROM app_user WHERE username = 'doc.hyjq'`,
    );
    [doc, doc2, otherCentreDoc, coord, admin] = await Promise.all([
      t.login('doc.hyjq'),
      t.login('doc.bjcy2'),
      t.login('doc.hyqc'),
      t.login('coord.liu'),
      t.login('admin'),
    ]);
  });
  afterAll(async () => {
    for (const l of listeners) l.close();
    await t?.close();
  });

  it('the reader raises a STEMI: the referring doctor is alerted at once, a wrong read-back is refused, the right one confirms', async () => {
    const docSocket = await listen(doc);
    const r = await acceptedEcg();

    // An unknown finding is refused and changes nothing.
    const unknown = await api(t, 'POST', `/api/referrals/${r.id}/critical-results`, {
      token: r.reader,
      body: { findingCode: 'sinus_rhythm' },
    });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('VALIDATION_FAILED');
    await expect(t.db.query('SELECT count(*)::int AS n FROM critical_result')).resolves.toMatchObject({
      rows: [{ n: 0 }],
    });

    const raised = await api(t, 'POST', `/api/referrals/${r.id}/critical-results`, {
      token: r.reader,
      body: { findingCode: 'stemi', note: 'V1-V4 ST 段抬高 0.3 mV' },
    });
    expect(raised.status).toBe(201);
    expect(raised.body).toMatchObject({
      referralId: r.id,
      number: r.number,
      findingCode: 'stemi',
      findingZh: '急性 ST 段抬高型心肌梗死',
      findingEn: 'Acute STEMI',
      state: 'raised',
    });
    // The limit is 10 minutes from the moment it was raised.
    expect(Date.parse(raised.body.confirmDueAt) - Date.parse(raised.body.raisedAt)).toBe(10 * MINUTE);

    await t.app.get(OutboxService).drain();
    const alert = await docSocket.waitFor((e) => e.event === 'critical.raised' && e.payload.referralId === r.id);
    expect(alert.payload).toMatchObject({ criticalResultId: raised.body.id, findingCode: 'stemi', state: 'raised' });
    // It is in the referral's conversation too.
    await docSocket.waitFor((e) => e.event === 'message.posted' && e.payload.referralId === r.id);
    const thread = await api(t, 'GET', `/api/referrals/${r.id}/messages`, { token: doc });
    expect(thread.body.map((m: { body: string }) => m.body).join('\n')).toContain('危急值');
    // It stands out on the doctor's desk list.
    const desk = await api(t, 'GET', '/api/critical-results', { token: doc });
    expect(desk.body.map((c: { id: string }) => c.id)).toContain(raised.body.id);

    // A wrong read-back is refused and changes nothing.
    const wrong = await api(t, 'POST', `/api/critical-results/${raised.body.id}/confirm`, {
      token: doc,
      body: { readBack: 'long_qtc', plannedAction: '复查心电图' },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('READ_BACK_MISMATCH');
    await expect(
      t.db.query('SELECT state FROM critical_result WHERE id = $1', [raised.body.id]),
    ).resolves.toMatchObject({ rows: [{ state: 'raised' }] });

    clock.advance(3 * MINUTE);
    const confirmed = await api(t, 'POST', `/api/critical-results/${raised.body.id}/confirm`, {
      token: doc,
      body: { readBack: '急性 ST 段抬高型心肌梗死', plannedAction: '立即启动胸痛中心绿色通道，转上级医院 PCI' },
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ state: 'confirmed', plannedAction: expect.stringContaining('PCI') });
    expect(Date.parse(confirmed.body.confirmedAt) - Date.parse(confirmed.body.raisedAt)).toBe(3 * MINUTE);
    await t.app.get(OutboxService).drain();
    await docSocket.waitFor((e) => e.event === 'critical.settled' && e.payload.criticalResultId === raised.body.id);

    // Confirmed in time: the sweep never escalates it.
    clock.advance(30 * MINUTE);
    await expect(sweep()).resolves.toBe(0);
    const twice = await api(t, 'POST', `/api/critical-results/${raised.body.id}/confirm`, {
      token: doc,
      body: { readBack: 'stemi', plannedAction: 'x' },
    });
    expect(twice.status).toBe(409);
  });

  it('unconfirmed after the limit it escalates to the centre and the coordinators; the coordinator logs calls and a read-back closes it', async () => {
    const r = await acceptedEcg();
    const [docSocket, doc2Socket, coordSocket, farSocket] = await Promise.all([
      listen(doc),
      listen(doc2),
      listen(coord),
      listen(otherCentreDoc),
    ]);
    const raised = await api(t, 'POST', `/api/referrals/${r.id}/critical-results`, {
      token: r.reader,
      body: { findingCode: 'vt_vf' },
    });
    expect(raised.status).toBe(201);
    const id = raised.body.id as string;

    // Before the limit nothing escalates.
    clock.advance(9 * MINUTE);
    await expect(sweep()).resolves.toBe(0);
    // The coordinator cannot log a call before it is escalated.
    const early = await api(t, 'POST', `/api/critical-results/${id}/calls`, {
      token: coord,
      body: { callee: '周建华', calledAt: clock.now().toISOString(), reached: true, readBack: 'vt_vf' },
    });
    expect(early.status).toBe(409);

    clock.advance(1 * MINUTE + 1000);
    // The sweep also runs by itself every second: whichever ran, it is escalated once.
    await sweep();
    await expect(t.db.query('SELECT state FROM critical_result WHERE id = $1', [id])).resolves.toMatchObject({
      rows: [{ state: 'escalated' }],
    });
    await t.app.get(OutboxService).drain();
    for (const socket of [docSocket, doc2Socket, coordSocket]) {
      const e = await socket.waitFor((x) => x.event === 'critical.escalated' && x.payload.criticalResultId === id);
      expect(e.payload).toMatchObject({ state: 'escalated', findingCode: 'vt_vf', referralId: r.id });
    }
    // Another centre's doctor is told nothing.
    expect(farSocket.events('critical.raised')).toHaveLength(0);
    expect(farSocket.events('critical.escalated')).toHaveLength(0);

    const list = await api(t, 'GET', '/api/critical-results', { token: coord });
    expect(list.body.find((c: { id: string }) => c.id === id)).toMatchObject({ state: 'escalated', number: r.number });

    // A call that reached nobody is logged and leaves it open.
    const noAnswer = await api(t, 'POST', `/api/critical-results/${id}/calls`, {
      token: coord,
      body: { callee: '周建华 138 0000 0000', calledAt: clock.now().toISOString(), reached: false, note: '无人接听' },
    });
    expect(noAnswer.status).toBe(200);
    expect(noAnswer.body).toMatchObject({
      state: 'escalated',
      calls: [{ reached: false, callee: '周建华 138 0000 0000' }],
    });
    // A wrong read-back on the phone is refused.
    const wrong = await api(t, 'POST', `/api/critical-results/${id}/calls`, {
      token: coord,
      body: { callee: '周二', calledAt: clock.now().toISOString(), reached: true, readBack: 'stemi' },
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.error.code).toBe('READ_BACK_MISMATCH');

    clock.advance(2 * MINUTE);
    const calledAt = clock.now().toISOString();
    const closed = await api(t, 'POST', `/api/critical-results/${id}/calls`, {
      token: coord,
      body: {
        callee: '周二（HYJQ 值班医生）',
        calledAt,
        reached: true,
        readBack: 'Ventricular tachycardia / fibrillation',
        note: '立即除颤准备，120 转运',
      },
    });
    expect(closed.status).toBe(200);
    expect(closed.body).toMatchObject({ state: 'closed', readBack: 'Ventricular tachycardia / fibrillation' });
    expect(closed.body.calls).toHaveLength(2);
    expect(closed.body.calls[1]).toMatchObject({ callee: '周二（HYJQ 值班医生）', calledAt, reached: true });
    await t.app.get(OutboxService).drain();
    await coordSocket.waitFor((e) => e.event === 'critical.settled' && e.payload.criticalResultId === id);
    const after = await api(t, 'GET', '/api/critical-results', { token: coord });
    expect(after.body.map((c: { id: string }) => c.id)).not.toContain(id);
    // The referral shows the whole loop, timed.
    const onReferral = await api(t, 'GET', `/api/referrals/${r.id}/critical-results`, { token: doc });
    expect(onReferral.body[0]).toMatchObject({
      state: 'closed',
      escalatedAt: expect.any(String),
      closedAt: expect.any(String),
    });
    expect(Date.parse(onReferral.body[0].escalatedAt)).toBeGreaterThanOrEqual(
      Date.parse(onReferral.body[0].confirmDueAt),
    );

    // Every step is in the audit trail, with the patient named.
    const audit = await t.db.query(
      `SELECT action, outcome, patient_id FROM audit_event WHERE resource_type = 'critical_result' AND resource_id = $1 ORDER BY id`,
      [id],
    );
    expect(audit.rows.map((a) => `${a.action}:${a.outcome}`)).toEqual([
      'critical_result.raise:success',
      // the call tried before the limit: refused, and recorded
      'critical_result.call:denied',
      'critical_result.escalate:success',
      'critical_result.call:success',
      'critical_result.call:denied',
      'critical_result.call:success',
    ]);
    expect(audit.rows.every((a) => a.patient_id)).toBe(true);
  });

  it('only the reader raises, only the referring centre confirms, only a coordinator logs calls: everyone else gets 404', async () => {
    const r = await acceptedEcg();
    const raise = (token: string) =>
      api(t, 'POST', `/api/referrals/${r.id}/critical-results`, { token, body: { findingCode: 'stemi' } });
    for (const token of [r.otherReader, coord, doc, otherCentreDoc]) expect((await raise(token)).status).toBe(404);
    expect((await raise(admin)).status).toBe(403);
    const raised = await raise(r.reader);
    expect(raised.status).toBe(201);
    const id = raised.body.id as string;
    // The same finding twice while the first waits is refused.
    expect((await raise(r.reader)).status).toBe(409);

    const confirm = (token: string) =>
      api(t, 'POST', `/api/critical-results/${id}/confirm`, {
        token,
        body: { readBack: 'stemi', plannedAction: '转诊' },
      });
    for (const token of [otherCentreDoc, r.reader, coord]) expect((await confirm(token)).status).toBe(404);
    const call = (token: string) =>
      api(t, 'POST', `/api/critical-results/${id}/calls`, {
        token,
        body: { callee: 'x', calledAt: clock.now().toISOString(), reached: false },
      });
    for (const token of [doc, otherCentreDoc, r.reader]) expect((await call(token)).status).toBe(404);
    // Another centre neither lists it nor reads it on the referral.
    const far = await api(t, 'GET', '/api/critical-results', { token: otherCentreDoc });
    expect(far.body.map((c: { id: string }) => c.id)).not.toContain(id);
    expect((await api(t, 'GET', `/api/referrals/${r.id}/critical-results`, { token: otherCentreDoc })).status).toBe(
      404,
    );
    // The other doctor of the referring centre may confirm.
    expect((await confirm(doc2)).status).toBe(200);
  });

  it("the administrator edits the list and the limit; readers raise from the network's list", async () => {
    const before = await api(t, 'GET', '/api/settings/critical-results', { token: coord });
    expect(before.body.version).toBe(0);
    const policy = structuredClone(before.body.policy);
    policy.confirmMinutes.ECG = 5;
    policy.findings.ECG.push({
      code: 'hyperkalaemia_ecg',
      label: { 'zh-CN': '高钾血症心电图改变', en: 'Hyperkalaemia ECG changes' },
    });
    expect(
      (await api(t, 'PUT', '/api/settings/critical-results', { token: coord, body: { policy, version: 0 } })).status,
    ).toBe(403);
    const bad = await api(t, 'PUT', '/api/settings/critical-results', {
      token: admin,
      body: { policy: { ...policy, confirmMinutes: { ECG: 0, IMAGING: 10 } }, version: 0 },
    });
    expect(bad.status).toBe(400);
    const saved = await api(t, 'PUT', '/api/settings/critical-results', { token: admin, body: { policy, version: 0 } });
    expect(saved.status).toBe(200);
    expect(saved.body.version).toBe(1);
    const stale = await api(t, 'PUT', '/api/settings/critical-results', { token: admin, body: { policy, version: 0 } });
    expect(stale.status).toBe(409);

    const r = await acceptedEcg();
    const raised = await api(t, 'POST', `/api/referrals/${r.id}/critical-results`, {
      token: r.reader,
      body: { findingCode: 'hyperkalaemia_ecg' },
    });
    expect(raised.status).toBe(201);
    expect(Date.parse(raised.body.confirmDueAt) - Date.parse(raised.body.raisedAt)).toBe(5 * MINUTE);
    const audit = await t.db.query(`SELECT 1 FROM audit_event WHERE action = 'settings.critical_results.update'`);
    expect(audit.rows).toHaveLength(1);
  });

  it('its audit rows are found by the referral number and by the patient’s MRN in the audit search', async () => {
    const r = await acceptedEcg();
    const raised = await api(t, 'POST', `/api/referrals/${r.id}/critical-results`, {
      token: r.reader,
      body: { findingCode: 'stemi' },
    });
    expect(raised.status).toBe(201);
    const confirmed = await api(t, 'POST', `/api/critical-results/${raised.body.id}/confirm`, {
      token: doc,
      body: { readBack: '急性 ST 段抬高型心肌梗死', plannedAction: '立即转运' },
    });
    expect(confirmed.status).toBe(200);
    const { rows } = await t.db.query(
      `SELECT mrn FROM patient p JOIN referral r ON r.patient_id = p.id WHERE r.id = $1`,
      [r.id],
    );
    const search = async (q: string) => {
      const res = await api(t, 'GET', `/api/audit?${q}&action=critical_result.&limit=500`, { token: admin });
      expect(res.status).toBe(200);
      return res.body.items as { action: string; resourceId: string; referral: { number: string } | null }[];
    };
    for (const found of [await search(`referralNumber=${r.number}`), await search(`mrn=${rows[0].mrn}`)]) {
      const mine = found.filter((a) => a.resourceId === raised.body.id).map((a) => a.action);
      expect(mine).toEqual(expect.arrayContaining(['critical_result.raise', 'critical_result.confirm']));
      expect(found.filter((a) => a.resourceId === raised.body.id).every((a) => a.referral?.number === r.number)).toBe(
        true,
      );
    }
  });

  it('escalates a critical result that fell due while the API was down, once, after a restart', async () => {
    const r = await acceptedEcg();
    const raised = await api(t, 'POST', `/api/referrals/${r.id}/critical-results`, {
      token: r.reader,
      body: { findingCode: 'stemi' },
    });
    expect(raised.status).toBe(201);
    // This node stops; the limit passes while no node runs; a new node starts on the same database.
    for (const l of listeners) l.close();
    await t.app.close();
    clock.advance(30 * MINUTE);
    const restarted = await startTestApp({}, { overrides: { clock }, databaseUrl: t.databaseUrl });
    try {
      await restarted.app.get(CriticalEscalationService).tick();
      const { rows } = await restarted.db.query(
        `SELECT c.state, (SELECT count(*)::int FROM audit_event a WHERE a.action = 'critical_result.escalate'
                            AND a.resource_id = c.id::text) AS escalations
           FROM critical_result c WHERE c.id = $1`,
        [raised.body.id],
      );
      expect(rows).toEqual([{ state: 'escalated', escalations: 1 }]);
      await expect(restarted.app.get(CriticalEscalationService).tick()).resolves.toBe(0);
    } finally {
      await restarted.app.close();
      await restarted.db.end();
    }
  });
});
