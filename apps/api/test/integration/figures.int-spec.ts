import { ManualClock } from '#src/common/clock.js';
import { CriticalEscalationService } from '#src/modules/critical-results/critical-escalation.service.js';
import { TimersService } from '#src/modules/referrals/timers.service.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { recordConsent } from '../support/referrals.js';

const MIN = 60_000;

// The weekly figures for a seeded week, against values worked out by hand.
describe('weekly figures per centre', () => {
  let t: TestApp;
  const clock = new ManualClock();
  let doc: string;
  let cardio: string;

  beforeAll(async () => {
    t = await startTestApp({}, { overrides: { clock } });
    [doc, cardio] = await Promise.all([t.login('doc.hyjq'), t.login('card.chen')]);
  });
  afterAll(async () => {
    await t.close();
  });

  async function referral(token: string, mrn: string, service: 'ECG' | 'IMAGING', priority: string): Promise<string> {
    const { rows } = await t.db.query('SELECT id FROM patient WHERE mrn = $1', [mrn]);
    const created = await api(t, 'POST', '/api/referrals', {
      token,
      body: { patientId: rows[0].id, service, priority, clinicalQuestion: '?' },
    });
    await t.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      created.body.id,
    ]);
    await recordConsent(t, token, created.body.id);
    expect(
      (await api(t, 'POST', `/api/referrals/${created.body.id}/events`, { token, body: { type: 'submit' } })).status,
    ).toBe(200);
    return created.body.id;
  }

  /** Accept after `acceptMin`, sign after `reportMin` (both from submission), firing timers on the way. */
  async function read(id: string, acceptMin: number, reportMin: number, disposition: string) {
    const timers = t.app.get(TimersService);
    clock.advance(acceptMin * MIN);
    await timers.tick();
    expect((await api(t, 'POST', '/api/referrals/claim-next', { token: cardio })).body.id).toBe(id);
    await api(t, 'POST', `/api/referrals/${id}/events`, { token: cardio, body: { type: 'start_review' } });
    await api(t, 'PUT', `/api/referrals/${id}/report`, {
      token: cardio,
      body: { findings: '所见', impression: '印象', disposition },
    });
    clock.advance((reportMin - acceptMin) * MIN);
    await timers.tick();
    expect((await api(t, 'POST', `/api/referrals/${id}/report/sign`, { token: cardio })).status).toBe(200);
  }

  it('counts, times (median and 90th percentile), limits missed and dispositions match hand-computed values', async () => {
    // The week before: one referral that must not count in week 48.
    clock.freeze(new Date('2026-11-22T10:00:00+08:00'));
    const old = await referral(doc, 'BJCY100101', 'ECG', 'ROUTINE');
    await api(t, 'POST', `/api/referrals/${old}/events`, {
      token: doc,
      body: { type: 'cancel', reason: 'patient_withdrew' },
    });

    // Week 48 (Monday 23 November 2026, China Standard Time).
    clock.freeze(new Date('2026-11-23T09:00:00+08:00'));
    const a = await referral(doc, 'BJCY100000', 'ECG', 'ROUTINE');
    await read(a, 2, 20, 'manage_in_community');
    const b = await referral(doc, 'BJCY100102', 'ECG', 'ROUTINE');
    await read(b, 4, 30, 'refer_up_outpatient');
    // STAT ECG: accept deadline 5 minutes, report deadline 10 minutes: both missed.
    const c = await referral(doc, 'BJCY100103', 'ECG', 'STAT');
    await read(c, 10, 70, 'manage_in_community');
    // Critical results: a STEMI on the first, read back after 3 minutes; a VT/VF on the STAT one, unconfirmed,
    // escalated at 10 minutes and closed by the coordinator's call at 15.
    const coord = await t.login('coord.liu');
    const raise = (id: string, findingCode: string) =>
      api(t, 'POST', `/api/referrals/${id}/critical-results`, { token: cardio, body: { findingCode } });
    const stemi = await raise(a, 'stemi');
    expect(stemi.status).toBe(201);
    clock.advance(3 * MIN);
    const confirmed = await api(t, 'POST', `/api/critical-results/${stemi.body.id}/confirm`, {
      token: doc,
      body: { readBack: 'stemi', plannedAction: '转诊 PCI' },
    });
    expect(confirmed.status).toBe(200);
    const vt = await raise(c, 'vt_vf');
    clock.advance(11 * MIN);
    await t.app.get(CriticalEscalationService).tick();
    clock.advance(4 * MIN);
    const called = await api(t, 'POST', `/api/critical-results/${vt.body.id}/calls`, {
      token: coord,
      body: { callee: '周建华', calledAt: clock.now().toISOString(), reached: true, readBack: 'vt_vf' },
    });
    expect(called.body.state).toBe('closed');
    // Another centre: one imaging referral nobody has accepted yet.
    await referral(await t.login('doc.hyqc'), 'BJHD107919', 'IMAGING', 'URGENT');

    const res = await api(t, 'GET', '/api/figures/weekly?week=2026-W48', { token: await t.login('coord.liu') });
    expect(res.status).toBe(200);
    expect(res.body.start).toBe('2026-11-22T16:00:00.000Z');
    const jianqiao = res.body.centres.find((x: { code: string }) => x.code === 'HYJQ');
    expect(jianqiao).toEqual({
      code: 'HYJQ',
      nameZh: '武汉市汉阳区建桥街社区卫生服务中心',
      nameEn: 'Jianqiao Community Health Service Centre, Hanyang',
      referrals: { total: 3, byService: { ECG: 3, IMAGING: 0 }, byPriority: { STAT: 1, URGENT: 0, ROUTINE: 2 } },
      // acceptance after 2, 4, 10 min: median 4; p90 = 4 + 0.8 × (10 − 4) = 8.8
      // signed report after 20, 30, 70 min: median 30; p90 = 30 + 0.8 × (70 − 30) = 62
      turnaroundMinutes: { toAcceptance: { median: 4, p90: 8.8, n: 3 }, toSignedReport: { median: 30, p90: 62, n: 3 } },
      limitsMissed: { acceptance: 1, report: 1 },
      dispositions: { manage_in_community: 2, refer_up_outpatient: 1, refer_up_inpatient: 0, refer_up_emergency: 0 },
      referredBackDown: 0,
      // read back after 3 and 15 minutes: median 9, longest 15; one escalated
      criticalResults: { count: 2, escalated: 1, open: 0, confirmMinutes: { median: 9, longest: 15, n: 2 } },
    });
    const qingchuan = res.body.centres.find((x: { code: string }) => x.code === 'HYQC');
    expect(qingchuan.referrals).toEqual({
      total: 1,
      byService: { ECG: 0, IMAGING: 1 },
      byPriority: { STAT: 0, URGENT: 1, ROUTINE: 0 },
    });
    expect(qingchuan.turnaroundMinutes.toAcceptance).toEqual({ median: null, p90: null, n: 0 });
    expect(res.body.centres).toHaveLength(11);
    // The network per service: ECG is the three HYJQ referrals; 2 of the 3 reports were within the limit.
    expect(res.body.services).toEqual([
      {
        service: 'ECG',
        referrals: 3,
        turnaroundMinutes: {
          toAcceptance: { median: 4, p90: 8.8, n: 3 },
          toSignedReport: { median: 30, p90: 62, n: 3 },
        },
        limitsMissed: { acceptance: 1, report: 1 },
        withinLimitShare: 0.667,
        criticalResults: { count: 2, escalated: 1, open: 0, confirmMinutes: { median: 9, longest: 15, n: 2 } },
      },
      {
        service: 'IMAGING',
        referrals: 1,
        turnaroundMinutes: {
          toAcceptance: { median: null, p90: null, n: 0 },
          toSignedReport: { median: null, p90: null, n: 0 },
        },
        limitsMissed: { acceptance: 0, report: 0 },
        withinLimitShare: null,
        criticalResults: { count: 0, escalated: 0, open: 0, confirmMinutes: { median: null, longest: null, n: 0 } },
      },
    ]);

    const before = await api(t, 'GET', '/api/figures/weekly?week=2026-W47', { token: await t.login('admin') });
    expect(before.body.centres.find((x: { code: string }) => x.code === 'HYJQ').referrals.total).toBe(1);
  });

  it('gives the same week as CSV a spreadsheet opens, and refuses a malformed week', async () => {
    const coord = await t.login('coord.liu');
    const res = await fetch(`${t.url}/api/figures/weekly?week=2026-W48&format=csv`, {
      headers: { authorization: `Bearer ${coord}` },
    });
    expect(res.headers.get('content-type')).toMatch(/^text\/csv/);
    const csv = await res.text();
    const lines = csv
      .replace(/^\uFEFF/, '')
      .trim()
      .split('\r\n');
    expect(lines).toHaveLength(12);
    expect(lines[0]).toMatch(/^week,centre_code,centre_name_zh/);
    expect(lines.find((l) => l.includes(',HYJQ,'))).toContain(
      '2026-W48,HYJQ,武汉市汉阳区建桥街社区卫生服务中心,"Jianqiao Community Health Service Centre, Hanyang",3,3,0,1,0,2,4,8.8,30,62,1,1,2,1,0,0,0',
    );
    expect(lines[0]).toMatch(
      /,critical_results,critical_escalated,critical_confirm_median_min,critical_confirm_longest_min$/,
    );
    expect(lines.find((l) => l.includes(',HYJQ,'))).toMatch(/,2,1,9,15$/);
    expect((await api(t, 'GET', '/api/figures/weekly?week=2026-48', { token: coord })).status).toBe(400);
    expect((await api(t, 'GET', '/api/figures/weekly?week=2025-W53', { token: coord })).status).toBe(400); // 2025 has 52 ISO weeks
    expect((await api(t, 'GET', '/api/figures/weekly?week=2026-W53', { token: coord })).status).toBe(200); // 2026 has 53
    expect(
      (await api(t, 'GET', '/api/figures/weekly?week=2026-W48', { token: await t.login('doc.hyjq') })).status,
    ).toBe(403);
  });
});
