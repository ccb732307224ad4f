import type { Page, Route } from 'playwright-core';
import { withAccessionNumber } from '../../../api/test/support/dicom-edit.js';
import { stow } from '../../../api/test/support/dicom-files.js';
import { asFileOf, recordConsent, referStudy } from '../../../api/test/support/referrals.js';
import { json } from '../support/api.js';
import { startWebTest, type WebTest } from '../support/browser.js';
import { REAL_ECG, REAL_ECG_BPM, sample, stowFiles, stowInstances, syntheticIndex } from '../support/data.js';

/** A response held back until released: one answer arriving after another, on purpose. */
function heldBack() {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  const handler = async (route: Route) => {
    await gate;
    await route.continue();
  };
  return { release, handler };
}

// The ECG viewer against samples whose rate is known: the real Mortara ECG (its device measured
// RR 982 ms) and a synthetic one (the generator wrote its RR), and the paper's scale: at the
// nominal zoom a 1 mV calibration pulse is 10 mm tall and 25 mm of paper is one second.
describe('ECG viewer', () => {
  let w: WebTest;
  let page: Page;
  const synthetic = syntheticIndex()
    .studies.find((s) => s.patient_id === 'BJHD107919')!
    .series.find((s) => s.modality === 'ECG')!;
  const syntheticEcg = synthetic.instances[0]!;

  beforeAll(async () => {
    w = await startWebTest();
    // The real (anonymised) ECG as recorded for 孙娟, whose referral it joins.
    const sunJuan = (await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`)).rows[0].id as string;
    await stowInstances(w.url, await w.app.login('doc.hyjq'), [await asFileOf(w.app, sample(REAL_ECG), sunJuan)]);
    await stowFiles(w.url, await w.app.login('doc.hyqc'), [`synthetic-dataset/${syntheticEcg.file}`]);
    // Each centre refers its ECG to the hub's ECG reading centre, whose cardiologists then see it.
    for (const [doctor, mrn] of [
      ['doc.hyjq', 'BJCY100000'],
      ['doc.hyqc', 'BJHD107919'],
    ] as const) {
      const { rows } = await w.app.db.query(
        `SELECT st.study_instance_uid AS uid, p.id AS patient
           FROM study st JOIN app_user u ON u.facility_id = st.facility_id
           JOIN patient p ON p.home_facility_id = st.facility_id AND p.mrn = $2
          WHERE u.username = $1`,
        [doctor, mrn],
      );
      for (const r of rows) await referStudy(w.app, await w.app.login(doctor), r.uid, 'ECG', { patientId: r.patient });
    }
    page = await w.signIn(await w.context(), 'card.zhang');
  });
  afterAll(async () => {
    await w?.close();
  });

  const openEcgOf = async (patientName: string) => {
    await page.goto(`/studies?modality=ECG&name=${encodeURIComponent(patientName)}`);
    await page.getByTestId('study-link').first().click();
    await page.getByTestId('ecg-paper').waitFor();
  };
  const measuredBpm = async () => Number(await page.getByTestId('ecg-heartRate').getAttribute('data-value'));

  it('measures the real ECG’s rate within 2 beats per minute of the device', async () => {
    await openEcgOf('Sun');
    expect(Math.abs((await measuredBpm()) - REAL_ECG_BPM)).toBeLessThan(2);
  });

  it('measures a synthetic ECG’s rate within 2 beats per minute of the generator', async () => {
    await openEcgOf('Zheng');
    const expected = 60000 / syntheticEcg.measurements!.RR!;
    expect(Math.abs((await measuredBpm()) - expected)).toBeLessThan(2);
    await w.shot(page, '20-ecg-synthetic');
  });

  it('draws to scale: a 1 mV calibration pulse is 10 mm at the nominal zoom, and twice that at 200 %', async () => {
    await openEcgOf('Sun');
    const paper = page.getByTestId('ecg-paper');
    const pulseMm = async () => {
      const pxPerMm = Number(await paper.getAttribute('data-px-per-mm'));
      // The drawn geometry in CSS px (the bounding box would add the stroke's miter joins).
      const heightPx = await page
        .getByTestId('cal-pulse')
        .evaluate((el: SVGGraphicsElement) => el.getBBox().height * el.getScreenCTM()!.d);
      return { pxPerMm, heightPx, heightMm: heightPx / pxPerMm };
    };
    const nominal = await pulseMm();
    // CSS defines 96 px per inch: 1 mm is 3.78 CSS px at 100 %.
    expect(nominal.pxPerMm).toBeCloseTo(96 / 25.4, 3);
    expect(nominal.heightMm).toBeCloseTo(10, 1);
    // 10 s of rhythm strip plus the 10 mm calibration block: 260 mm of paper.
    const width = (await paper.boundingBox())!.width;
    expect(width / nominal.pxPerMm).toBeCloseTo(260, 0);
    await page.getByRole('button', { name: '200%' }).click();
    const doubled = await pulseMm();
    expect(doubled.heightPx).toBeCloseTo(nominal.heightPx * 2, 0);
    expect(doubled.heightMm).toBeCloseTo(10, 1);
    await page.getByRole('button', { name: '100%' }).click();
  });

  it('calipers measure an interval: 25 mm of paper is 1000 ms', async () => {
    await openEcgOf('Sun');
    await page.getByTestId('calipers-toggle').click();
    const paper = page.getByTestId('ecg-paper');
    const pxPerMm = Number(await paper.getAttribute('data-px-per-mm'));
    const box = (await paper.boundingBox())!;
    const y = box.y + box.height * 0.8;
    await page.mouse.move(box.x + 20 * pxPerMm, y);
    await page.mouse.down();
    await page.mouse.move(box.x + 45 * pxPerMm, y, { steps: 5 });
    await page.mouse.up();
    const ms = Number(await page.getByTestId('caliper-readout').getAttribute('data-ms'));
    expect(Math.abs(ms - 1000)).toBeLessThanOrEqual(8);
    await expect(page.getByTestId('caliper-readout').textContent()).resolves.toContain('60 次/分');
    await w.shot(page, '21-ecg-calipers');
    // Keyboard: the active line moves by 1 mm (40 ms) per arrow press.
    await page.locator('.ecg-paper-wrap').focus();
    await page.keyboard.press('ArrowRight');
    const after = Number(await page.getByTestId('caliper-readout').getAttribute('data-ms'));
    expect(Math.abs(after - ms - 40)).toBeLessThanOrEqual(1);
  });

  it('a reopened case shows the measurements saved in the report draft, whether the ECG or the draft arrives first', async () => {
    // An ECG referral given to card.zhang, who has accepted it.
    const doc = await w.app.login('doc.hyjq');
    const coord = await w.app.login('coord.liu');
    const reader = await w.app.login('card.zhang');
    const id = async (sql: string, value: string) => (await w.app.db.query(sql, [value])).rows[0].id as string;
    const patientId = await id('SELECT id FROM patient WHERE mrn = $1', 'BJCY100000');
    const referral = await json(w, 'POST', '/api/referrals', doc, {
      patientId,
      service: 'ECG',
      priority: 'ROUTINE',
      clinicalQuestion: '心悸两周，请判读心电图。',
    });
    // the ECG as recorded for this patient (the sample names another)
    const afib = await asFileOf(w.app, sample('ecg/syn_ecg_afib_utf8.dcm'), patientId);
    const stored = await stow(w.url, doc, [withAccessionNumber(afib, referral.number)]);
    expect(stored.status).toBe(200);
    const event = (body: object, token: string) => json(w, 'POST', `/api/referrals/${referral.id}/events`, token, body);
    await recordConsent(w, doc, referral.id);
    await event({ type: 'submit' }, doc);
    await event(
      { type: 'reassign', specialistId: await id('SELECT id FROM app_user WHERE username = $1', 'card.zhang') },
      coord,
    );
    await event({ type: 'accept' }, reader);

    const reading = await w.signIn(await w.context(), 'card.zhang');
    const input = (key: string) => reading.getByTestId(`ecg-confirm-${key}`);
    const shown = async () => ({
      heartRate: await input('heartRate').inputValue(),
      qrsMs: await input('qrsMs').inputValue(),
      source: await input('qrsMs').getAttribute('data-source'),
    });

    // First opening: nothing saved yet, so the automatic measurements are offered.
    await reading.goto(`/reading/${referral.id}`);
    await reading.locator('[data-testid=ecg-confirm-qrsMs][data-source=measured]').waitFor();
    const automatic = await shown();
    expect(Number(automatic.heartRate)).toBeGreaterThan(30);
    // The cardiologist corrects the rate and the QRS, confirms, and the draft saves them.
    const corrected = {
      heartRate: String(Number(automatic.heartRate) + 7),
      qrsMs: String(Number(automatic.qrsMs) + 16),
    };
    await input('heartRate').fill(corrected.heartRate);
    await input('qrsMs').fill(corrected.qrsMs);
    await reading.getByTestId('ecg-confirm').click();
    await reading.locator('[data-testid=save-status][data-status=saved]').waitFor();
    const { rows } = await w.app.db.query('SELECT measurements FROM report WHERE referral_id = $1', [referral.id]);
    expect(rows[0].measurements).toMatchObject({
      heartRate: Number(corrected.heartRate),
      qrs: Number(corrected.qrsMs),
    });

    // Reopened with the draft held back: the ECG is drawn first, and nothing can be confirmed over
    // the saved values until they are there; then they are shown, not the automatic ones.
    const draft = heldBack();
    const draftUrl = `**/api/referrals/${referral.id}/report`;
    await reading.route(draftUrl, draft.handler);
    await reading.goto(`/reading/${referral.id}`);
    await reading.getByTestId('ecg-paper').waitFor();
    await expect(input('qrsMs').isDisabled()).resolves.toBe(true);
    await expect(reading.getByTestId('ecg-confirm').isDisabled()).resolves.toBe(true);
    draft.release();
    await reading.locator('[data-testid=ecg-confirm-qrsMs][data-source=saved]').waitFor();
    await expect(shown()).resolves.toEqual({ ...corrected, source: 'saved' });
    await reading.getByTestId('ecg-saved-note').waitFor();
    await w.shot(reading, '22-ecg-saved-measurements');
    await reading.unroute(draftUrl);

    // Reopened with the ECG held back: the draft is there first, and the viewer opens on its values.
    const ecg = heldBack();
    const instance = (u: URL) => u.pathname.startsWith('/dicomweb/') && /\/instances\/[^/]+$/.test(u.pathname);
    await reading.route(instance, ecg.handler);
    await reading.goto(`/reading/${referral.id}`);
    await expect(reading.getByTestId('report-m-qrs').getAttribute('data-value')).resolves.toBe(corrected.qrsMs);
    await expect(reading.getByTestId('ecg-paper').count()).resolves.toBe(0);
    ecg.release();
    await reading.getByTestId('ecg-paper').waitFor();
    await expect(shown()).resolves.toEqual({ ...corrected, source: 'saved' });
    await reading.unroute(instance);
  });
});
