import { ManualClock } from '../../../api/src/common/clock.js';
import { recordConsent } from '../../../api/test/support/referrals.js';
import { CriticalEscalationService } from '../../../api/src/modules/critical-results/critical-escalation.service.js';
import { json } from '../support/api.js';
import { startWebTest, type WebTest } from '../support/browser.js';

const MINUTE = 60_000;

// Records, inside the page, what the alert channels were asked to do: desktop notifications (as if
// the doctor had allowed them), tones started through WebAudio, and every tab title.
const SPY = () => {
  const spy = { notifications: [] as { title: string; body: string }[], tones: 0, titles: [] as string[] };
  (window as unknown as { __alerts: typeof spy }).__alerts = spy;
  class FakeNotification {
    static permission = 'granted';
    static requestPermission = () => Promise.resolve('granted');
    onclick: unknown = null;
    constructor(title: string, opts: { body?: string } = {}) {
      spy.notifications.push({ title, body: opts.body ?? '' });
    }
    close() {}
  }
  (window as unknown as { Notification: unknown }).Notification = FakeNotification;
  const Real = window.AudioContext;
  window.AudioContext = class extends Real {
    override createOscillator() {
      spy.tones++;
      return super.createOscillator();
    }
  };
  const desc = Object.getOwnPropertyDescriptor(Document.prototype, 'title')!;
  Object.defineProperty(document, 'title', {
    get: () => desc.get!.call(document) as string,
    set: (v: string) => {
      spy.titles.push(v);
      desc.set!.call(document, v);
    },
  });
};

type Spied = { notifications: { title: string; body: string }[]; tones: number; titles: string[] };

describe('a critical STEMI (危急值) from the reader to a closed loop', () => {
  let w: WebTest;
  const clock = new ManualClock();

  beforeAll(async () => {
    w = await startWebTest({}, { overrides: { clock } });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('the reader raises it, the doctor is alerted on every desk page, it escalates after the limit and the coordinator’s call closes it', async () => {
    // The community doctor is at their desk, live.
    const docCtx = await w.context();
    await docCtx.addInitScript(SPY);
    const docPage = await w.signIn(docCtx, 'doc.hyjq');
    await docPage.goto('/desk/referrals');
    await docPage.locator('[data-testid=live][data-live=true]').waitFor();
    const titleBefore = await docPage.title();

    // A STAT ECG, sent and taken by the cardiologist.
    const doc = await w.app.login('doc.hyjq');
    const { rows } = await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100101'`);
    const created = await json(w, 'POST', '/api/referrals', doc, {
      patientId: rows[0].id,
      service: 'ECG',
      priority: 'STAT',
      clinicalQuestion: '胸痛 40 分钟，大汗。',
    });
    await w.app.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
      created.id,
    ]);
    await recordConsent(w.app, doc, created.id);
    await json(w, 'POST', `/api/referrals/${created.id}/events`, doc, { type: 'submit' });
    const claimed = await json(w, 'POST', '/api/referrals/claim-next', await w.app.login('card.chen'));
    expect(claimed.id).toBe(created.id);

    // The reader marks it critical from the workspace, before signing.
    const reader = await w.signIn(await w.context(), 'card.chen');
    await reader.goto(`/reading/${created.id}`);
    await reader.getByTestId('critical-open').click();
    await reader.getByTestId('critical-finding-select').selectOption('stemi');
    await reader.getByTestId('critical-note').fill('V1-V4 ST 段抬高 0.3 mV，建议立即启动胸痛中心流程');
    await reader.getByTestId('critical-raise').click();
    await expect(reader.getByTestId('critical-raised').textContent()).resolves.toContain('急性 ST 段抬高型心肌梗死');
    await w.shot(reader, '70-critical-raised-by-reader');

    // The doctor's page alerts at once: the banner, a tone, a desktop notification, the tab title.
    const item = docPage.locator(`[data-testid=critical-item][data-number="${created.number}"]`);
    await item.waitFor();
    await expect(item.getByTestId('critical-finding').textContent()).resolves.toBe('急性 ST 段抬高型心肌梗死');
    await docPage.waitForFunction(() => (window as unknown as { __alerts: Spied }).__alerts.notifications.length > 0);
    const spied = await docPage.evaluate(() => (window as unknown as { __alerts: Spied }).__alerts);
    expect(spied.notifications).toEqual([{ title: '危急值', body: created.number }]);
    expect(spied.tones).toBeGreaterThan(0);
    await expect(docPage.title()).resolves.toBe(`(1) 危急值 · ${titleBefore}`);
    await w.shot(docPage, '71-critical-doctor-alert');

    // The referral stands out in the desk list.
    await docPage
      .locator(
        `[data-testid=referral-row][data-number="${created.number}"][data-critical=raised] [data-testid=critical-tag]`,
      )
      .waitFor();
    // It stays on every desk page until read back; a wrong read-back is refused.
    await docPage.getByRole('link', { name: '患者' }).first().click();
    await docPage.waitForURL('**/desk/patients');
    await item.waitFor();
    await item.getByTestId('critical-readback-finding').selectOption('vt_vf');
    await item.getByTestId('critical-readback-action').fill('复查心电图');
    await item.getByTestId('critical-readback-submit').click();
    await expect(item.getByTestId('critical-readback-error').textContent()).resolves.toContain('不一致');

    // Nobody confirms. The limit (10 minutes) passes: the sweep escalates it.
    clock.advance(11 * MINUTE);
    // (The sweep also runs by itself every second; this one waits for it.)
    await w.app.app.get(CriticalEscalationService).tick();
    await docPage
      .locator(`[data-testid=critical-item][data-number="${created.number}"][data-state=escalated]`)
      .waitFor();

    // The coordinator sees it escalated and logs the calls.
    const coord = await w.signIn(await w.context(), 'coord.liu');
    await coord.getByTestId('critical-banner').waitFor();
    await expect(coord.getByTestId('critical-banner').textContent()).resolves.toContain(created.number);
    await coord.getByTestId('critical-banner-link').click();
    await coord.waitForURL('**/critical-results');
    const kase = coord.locator(`[data-testid=critical-case][data-number="${created.number}"]`);
    await expect(kase.getAttribute('data-state')).resolves.toBe('escalated');
    // First call: nobody answers.
    await kase.getByTestId('call-callee').fill('周建华 社区值班电话');
    await kase.getByTestId('call-reached').uncheck();
    await kase.getByTestId('call-note').fill('无人接听');
    await kase.getByTestId('call-submit').click();
    await kase.getByTestId('critical-calls').locator('li').first().waitFor();
    await expect(kase.getAttribute('data-state')).resolves.toBe('escalated');
    // Second call: reached, read back right; the loop closes.
    await kase.getByTestId('call-callee').fill('周建华（双井社区）');
    await kase.getByTestId('call-readback').selectOption('stemi');
    await kase.getByTestId('call-note').fill('已呼叫 120，转胸痛中心行急诊 PCI');
    await w.shot(coord, '72-critical-coordinator-call');
    await kase.getByTestId('call-submit').click();
    const closed = coord.locator(
      `[data-testid=critical-settled] [data-testid=critical-case][data-number="${created.number}"]`,
    );
    await closed.waitFor();
    await expect(closed.getAttribute('data-state')).resolves.toBe('closed');
    await expect(closed.getByTestId('critical-calls').locator('li').count()).resolves.toBe(2);

    // The doctor's banner is gone; the record holds every step.
    await docPage.getByTestId('critical-banner').waitFor({ state: 'detached' });
    const stored = await w.app.db.query(
      `SELECT state, escalated_at IS NOT NULL AS escalated, closed_at IS NOT NULL AS closed,
              (SELECT count(*)::int FROM critical_result_call k WHERE k.critical_result_id = c.id) AS calls
         FROM critical_result c WHERE referral_id = $1`,
      [created.id],
    );
    expect(stored.rows).toEqual([{ state: 'closed', escalated: true, closed: true, calls: 2 }]);
  });
});
