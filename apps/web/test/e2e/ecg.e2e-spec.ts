import type { Page } from 'playwright-core';
import { startWebTest, type WebTest } from '../support/browser.js';
import { REAL_ECG, REAL_ECG_BPM, stowFiles, syntheticIndex } from '../support/data.js';

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
    await stowFiles(w.url, await w.app.login('doc.bjcy'), [REAL_ECG]);
    await stowFiles(w.url, await w.app.login('doc.bjhd'), [`synthetic-dataset/${syntheticEcg.file}`]);
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
    await openEcgOf('Anonymous');
    expect(Math.abs((await measuredBpm()) - REAL_ECG_BPM)).toBeLessThan(2);
  });

  it('measures a synthetic ECG’s rate within 2 beats per minute of the generator', async () => {
    await openEcgOf('Zheng');
    const expected = 60000 / syntheticEcg.measurements!.RR!;
    expect(Math.abs((await measuredBpm()) - expected)).toBeLessThan(2);
    await w.shot(page, '20-ecg-synthetic');
  });

  it('draws to scale: a 1 mV calibration pulse is 10 mm at the nominal zoom, and twice that at 200 %', async () => {
    await openEcgOf('Anonymous');
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
    await openEcgOf('Anonymous');
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
});
