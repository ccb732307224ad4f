import { ManualClock } from '../../../api/src/common/clock.js';
import { RouterService } from '../../../api/src/modules/referrals/router.service.js';
import { TimersService } from '../../../api/src/modules/referrals/timers.service.js';
import type { BrowserContext } from 'playwright-core';
import { stow } from '../../../api/test/support/dicom-files.js';
import { withAccessionNumber } from '../../../api/test/support/dicom-edit.js';
import { asFileOf } from '../../../api/test/support/referrals.js';
import { json } from '../support/api.js';
import { startWebTest, type WebTest } from '../support/browser.js';
import { REAL_ECG, sample } from '../support/data.js';
import { recordConsent } from '../../../api/test/support/referrals.js';

const MINUTE = 60_000;

// Records, inside the page, what the alert channels were asked to do: desktop notifications (as
// if the reader had allowed them), tones started through WebAudio, and every tab title.
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

describe('alerts a reader cannot miss', () => {
  let w: WebTest;
  const clock = new ManualClock();
  let stowed = false;

  /** A community doctor's ECG referral with the real 12-lead ECG, submitted. */
  const referEcg = async (priority: 'STAT' | 'URGENT', question: string, doc?: string) => {
    doc ??= await w.app.login('doc.hyjq');
    const { rows } = await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`);
    const created = await json(w, 'POST', '/api/referrals', doc, {
      patientId: rows[0].id,
      service: 'ECG',
      priority,
      clinicalQuestion: question,
    });
    // The first referral gets the real ECG by STOW-RS; the rules only need a study count for the others
    // (one study belongs to one referral).
    if (!stowed) {
      // the real ECG as recorded for this patient (the sample is anonymised)
      const ecg = await asFileOf(w.app, sample(REAL_ECG), rows[0].id);
      const stored = await stow(w.url, doc, [withAccessionNumber(ecg, created.number)]);
      expect(stored.status).toBe(200);
      stowed = true;
    } else {
      await w.app.db.query(`UPDATE referral SET snapshot = jsonb_set(snapshot, '{studyCount}', '1') WHERE id = $1`, [
        created.id,
      ]);
    }
    await recordConsent(w, doc, created.id);
    await json(w, 'POST', `/api/referrals/${created.id}/events`, doc, { type: 'submit' });
    return { id: created.id as string, number: created.number as string };
  };

  const spiedContext = async (): Promise<BrowserContext> => {
    const ctx = await w.context();
    await ctx.addInitScript(SPY);
    return ctx;
  };

  beforeAll(async () => {
    w = await startWebTest({}, { overrides: { clock } });
  });
  afterAll(async () => {
    await w?.close();
  });

  it('an offer sounds, raises a desktop notification, marks the tab title and names the patient and question', async () => {
    const page = await w.signIn(await spiedContext(), 'card.chen');
    await page.waitForURL('**/reading');
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    // The sound can be turned off and on again; the choice is kept for this user.
    await page.getByTestId('alert-sound').click();
    await expect(page.getByTestId('alert-sound').getAttribute('aria-pressed')).resolves.toBe('true');
    await page.reload();
    await expect(page.getByTestId('alert-sound').getAttribute('aria-pressed')).resolves.toBe('true');
    await page.getByTestId('alert-sound').click();
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    const titleBefore = await page.title();
    expect(titleBefore).not.toMatch(/^\(\d+\)/);

    const ecg = await referEcg('STAT', '胸痛 1 小时，请判读心电图。');
    const offer = page.getByTestId('offer');
    await offer.waitFor();
    await expect(offer.textContent()).resolves.toContain(ecg.number);
    // The card says who and why: sex and age, service and modality, priority, the question.
    await page.getByTestId('offer-question').waitFor();
    await expect(page.getByTestId('offer-question').textContent()).resolves.toContain('胸痛 1 小时');
    await expect(page.getByTestId('offer-patient').textContent()).resolves.toMatch(/^(男|女) · \d+ 岁$/);
    await expect(offer.textContent()).resolves.toContain('心电');
    await expect(offer.textContent()).resolves.toContain('急诊');

    const spied = await page.evaluate(() => (window as unknown as { __alerts: Spied }).__alerts);
    expect(spied.notifications).toEqual([{ title: '新会诊', body: expect.stringContaining(ecg.number) }]);
    expect(spied.tones).toBeGreaterThan(0);
    await expect(page.title()).resolves.toBe(`(1) 新会诊 · ${titleBefore}`);
    await w.shot(page, '60-reader-offer-alert');

    // Answered: the tab title is clean again.
    await page.getByTestId('offer-accept').click();
    await page.waitForURL(`**/reading/${ecg.id}`);
    await page.waitForFunction(() => !document.title.startsWith('('));
  });

  it('with the sound turned off an offer is silent but still notifies and marks the title', async () => {
    const ctx = await spiedContext();
    const page = await w.signIn(ctx, 'card.zhang');
    await page.waitForURL('**/reading');
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    await page.getByTestId('alert-sound').click();
    const ecg = await referEcg('URGENT', '心悸一周。');
    await page.getByTestId('offer').filter({ hasText: ecg.number }).waitFor();
    const spied = await page.evaluate(() => (window as unknown as { __alerts: Spied }).__alerts);
    expect(spied.tones).toBe(0);
    expect(spied.notifications).toHaveLength(1);
    await expect(page.title()).resolves.toMatch(/^\(1\) 新会诊 · /);
    await page.getByTestId('offer-decline').click();
    await page.getByTestId('offer').waitFor({ state: 'detached' });
    // card.zhang goes offline: the next case is card.chen's alone.
    await ctx.close();
    for (let i = 0; i < 100; i++) {
      const { rows } = await w.app.db.query(
        `SELECT 1 FROM presence p JOIN app_user u ON u.id = p.user_id WHERE u.username = 'card.zhang'`,
      );
      if (rows.length === 0) break;
      await new Promise((r) => setTimeout(r, 100));
    }
  });

  it('an overdue STAT ECG shows its time over in the worklist and workspace, and the reader is told', async () => {
    const page = await w.signIn(await spiedContext(), 'card.chen');
    await page.waitForURL('**/reading');
    await page.locator('[data-testid=live][data-live=true]').waitFor();
    const doc = await w.app.login('doc.hyjq');
    const chen = await w.app.login('card.chen');
    // card.chen answers the urgent offer card.zhang declined (declined by both, it waits in the queue).
    const held = await w.app.db.query(
      `SELECT r.id FROM referral r JOIN app_user u ON u.id = r.offered_to WHERE u.username = 'card.chen' AND r.state = 'offered'`,
    );
    for (const r of held.rows) await json(w, 'POST', `/api/referrals/${r.id}/events`, chen, { type: 'decline' });
    // The ECG was sent 13½ minutes ago (the server's clock is set back while it is sent and accepted):
    // its 10-minute limit passed 3½ minutes ago, so whole minutes over read 3 even when the page's
    // last clock tick or the deadline's rounding lag by up to half a minute.
    clock.advance(-13.5 * MINUTE);
    const ecg = await referEcg('STAT', '胸痛 30 分钟。', doc);
    await w.app.app.get(RouterService).settle();
    await expect(w.app.db.query(`SELECT state FROM referral WHERE id = $1`, [ecg.id])).resolves.toMatchObject({
      rows: [{ state: 'offered' }],
    });
    await json(w, 'POST', `/api/referrals/${ecg.id}/events`, chen, { type: 'accept' });
    const sentAt = Date.now();
    const countdown = page.locator(`[data-testid=my-case][data-number="${ecg.number}"] [data-testid=time-left]`);
    await countdown.waitFor();
    const notifiedBefore = await page.evaluate(
      () => (window as unknown as { __alerts: Spied }).__alerts.notifications.length,
    );

    // Now: the warning (7 minutes) and the limit (10 minutes) fall due.
    clock.advance(13.5 * MINUTE);
    await expect(w.app.app.get(TimersService).tick()).resolves.toBeGreaterThanOrEqual(2);
    await page.waitForFunction(
      (n) => (window as unknown as { __alerts: Spied }).__alerts.notifications.length >= n + 2,
      notifiedBefore,
    );
    const told = await page.evaluate(() => (window as unknown as { __alerts: Spied }).__alerts.notifications);
    expect(told.map((n) => n.title)).toEqual(expect.arrayContaining(['即将超时', '已超过时限']));

    await page.locator(`[data-testid=my-case][data-number="${ecg.number}"] [data-urgency=overdue]`).waitFor();
    // 3 minutes over, plus however long this test has taken since
    const overMinutes = async (text: Promise<string | null>) => {
      const m = /已超时 (\d+) 分钟/.exec((await text) ?? '');
      expect(m).not.toBeNull();
      const n = Number(m?.[1]);
      expect(n).toBeGreaterThanOrEqual(3);
      expect(n).toBeLessThanOrEqual(3 + Math.ceil((Date.now() - sentAt) / MINUTE));
    };
    await overMinutes(countdown.textContent());
    await w.shot(page, '61-reader-overdue-stat');
    await page.goto(`/reading/${ecg.id}`);
    const inWorkspace = page.getByTestId('countdown');
    await inWorkspace.waitFor();
    await expect(inWorkspace.getAttribute('data-urgency')).resolves.toBe('overdue');
    await overMinutes(inWorkspace.textContent());
  });
});
