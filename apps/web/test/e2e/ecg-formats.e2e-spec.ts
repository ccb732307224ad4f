import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { recordConsent } from '../../../api/test/support/referrals.js';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import sharp from 'sharp';
import { api } from '../../../api/test/support/test-app.js';
import { SHARED_DATA, startWebTest, type WebTest } from '../support/browser.js';
import { REAL_ECG_BPM } from '../support/data.js';

const AECG = join(SHARED_DATA, 'ecg/real_mortara_12lead_aecg.xml');

function pdfFile(): Promise<string> {
  return new Promise((resolve) => {
    const doc = new PDFDocument({ size: 'A4', layout: 'landscape' });
    const chunks: Buffer[] = [];
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => {
      const path = join(mkdtempSync(join(tmpdir(), 'zhiyin-ecg-pdf-')), 'ecg-cart.pdf');
      writeFileSync(path, Buffer.concat(chunks));
      resolve(path);
    });
    doc.fontSize(20).text('12-lead ECG');
    doc.end();
  });
}

// A phone photo of a paper ECG: pink grid, a black trace.
async function photoFile(): Promise<string> {
  const svg = Buffer.from(
    `<svg xmlns="http://www.w3.org/2000/svg" width="800" height="300"><rect width="800" height="300" fill="#fde"/>` +
      `<polyline points="0,150 300,150 315,40 330,230 345,150 800,150" stroke="black" fill="none" stroke-width="4"/></svg>`,
  );
  const path = join(mkdtempSync(join(tmpdir(), 'zhiyin-ecg-photo-')), 'IMG_0001.jpg');
  writeFileSync(path, await sharp(svg).jpeg({ quality: 90 }).toBuffer());
  return path;
}

// A centre whose ECG cart writes HL7 aECG (and a PDF printout, and a photo of an older paper ECG): the doctor drops both into the referral
// in the desk, and the cardiologist reads the tracing in the reading room as if the cart spoke DICOM.
describe('ECG carts’ files in the desk and the reading room', () => {
  let w: WebTest;

  beforeAll(async () => {
    w = await startWebTest();
  });
  afterAll(async () => {
    await w?.close();
  });

  it('an aECG, a PDF and a photo uploaded into a referral are converted; the reader sees the tracing measured, opens the PDF and sees the photo', async () => {
    const doc = await w.app.login('doc.hyjq');
    const { rows } = await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100000'`);
    const created = await api(w.app, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId: rows[0].id, service: 'ECG', priority: 'ROUTINE', clinicalQuestion: '心悸，请判读心电图。' },
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;

    const page = await w.signIn(await w.context(), 'doc.hyjq');
    await page.goto(`/referrals/${id}`);
    await page.getByTestId('add-studies').click();
    await page.getByTestId('file-input').setInputFiles([AECG, await pdfFile(), await photoFile()]);
    await page.getByTestId('preview').waitFor();
    // Not refused as "not DICOM": shown as what they will become, for the referral's patient.
    await expect(page.getByTestId('preview-converted').count()).resolves.toBe(3);
    await expect(page.getByTestId('preview-modality').allTextContents()).resolves.toEqual(['ECG', 'DOC', 'OT']);
    await expect(page.getByTestId('preview').textContent()).resolves.toContain('本转诊的患者');
    await w.shot(page, '60-desk-ecg-cart-files');
    await page.getByTestId('send').click();
    await page.locator('[data-testid=upload-status][data-stored="3"][data-active="0"]').waitFor();
    // The referral's study list follows live: wait for the third, then no more.
    await page.getByTestId('referral-study').nth(2).waitFor();
    await expect(page.getByTestId('referral-study').count()).resolves.toBe(3);

    await recordConsent(w.app, doc, id);
    const submitted = await api(w.app, 'POST', `/api/referrals/${id}/events`, { token: doc, body: { type: 'submit' } });
    expect(submitted.status).toBe(200);
    const cardio = await w.app.login('card.chen');
    const claimed = await api(w.app, 'POST', '/api/referrals/claim-next', { token: cardio });
    expect(claimed.body.id).toBe(id);

    const reader = await w.signIn(await w.context(), 'card.chen');
    await reader.goto(`/reading/${id}`);
    await reader.locator('[data-testid=series-link][data-modality=ECG]').click();
    await reader.getByTestId('ecg-paper').waitFor();
    // Measured on the converted samples: the Mortara cart's own rate (RR 982 ms) within 2 beats a minute.
    const bpm = Number(await reader.getByTestId('ecg-heartRate').getAttribute('data-value'));
    expect(Math.abs(bpm - REAL_ECG_BPM)).toBeLessThan(2);
    await w.shot(reader, '61-reading-converted-aecg');
    // The file the cart wrote is there too, byte for byte.
    const link = reader.locator('[data-testid=original-file][data-format=aecg]');
    const [download] = await Promise.all([
      reader.waitForEvent('download'),
      link.getByTestId('download-original').click(),
    ]);
    const saved = await download.path();
    expect(readFileSync(saved).equals(readFileSync(AECG))).toBe(true);

    await reader.locator('[data-testid=series-link][data-modality=DOC]').click();
    const [tab] = await Promise.all([reader.waitForEvent('popup'), reader.getByTestId('open-pdf').click()]);
    await tab.waitForURL(/^blob:/);

    // The photo is an image like any other: drawn in the image viewer, the trace dark on the paper.
    await reader.locator('[data-testid=series-link][data-modality=OT]').click();
    await reader.locator('[data-testid=image-viewer][data-loaded=true]').waitFor();
    const dark = await reader.locator('[data-testid=image-viewer] canvas').evaluate((c: HTMLCanvasElement) => {
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (d[i]! < 60 && d[i + 1]! < 60 && d[i + 2]! < 60) n++;
      return n;
    });
    expect(dark).toBeGreaterThan(500);
    await w.shot(reader, '62-reading-ecg-photo');
  });
});
