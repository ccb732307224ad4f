import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { uidVariant, withAccessionNumber, withUidsReplaced } from '../../../api/test/support/dicom-edit.js';
import { asFileOf, recordConsent } from '../../../api/test/support/referrals.js';
import { stow } from '../../../api/test/support/dicom-files.js';
import { json } from '../support/api.js';
import { ARTIFACTS, startWebTest, type WebTest } from '../support/browser.js';
import { CT_SERIES, CT_STUDY_DIR, REAL_ECG, sample } from '../support/data.js';

// The radiologist's key images: marked (here over the API, as the viewer does), listed in the report form with their
// frame's thumbnail and measurements, signed with the report and printed in its PDF. And the cardiologist's serial
// comparison: the patient's previous ECG shown above the current one at the same scale, with its date.
describe('key images in the report, and the prior ECG beside the current one', () => {
  let w: WebTest;
  let doc: string;

  /** A referral of `mrn` with `files` (recorded for that patient, carrying the referral number), submitted. */
  const refer = async (mrn: string, service: 'ECG' | 'IMAGING', files: string[]) => {
    const { rows } = await w.app.db.query('SELECT id FROM patient WHERE mrn = $1', [mrn]);
    const created = await json(w, 'POST', '/api/referrals', doc, {
      patientId: rows[0].id,
      service,
      ...(service === 'IMAGING' ? { modality: 'CT' } : {}),
      priority: 'URGENT',
      clinicalQuestion: service === 'ECG' ? '胸闷 2 小时，请与既往心电图比较。' : '咳嗽两周，右肺结节？',
    });
    const stored = await stow(
      w.url,
      doc,
      await Promise.all(
        files.map(async (f) => withAccessionNumber(await asFileOf(w.app, sample(f), rows[0].id), created.number)),
      ),
    );
    expect(stored.status).toBe(200);
    await recordConsent(w, doc, created.id);
    await json(w, 'POST', `/api/referrals/${created.id}/events`, doc, { type: 'submit' });
    return { id: created.id as string, number: created.number as string, patientId: rows[0].id as string };
  };

  beforeAll(async () => {
    w = await startWebTest({ TIME_ZONE: 'Asia/Shanghai' });
    doc = await w.app.login('doc.hyjq');
  });
  afterAll(async () => {
    await w?.close();
  });

  it('a radiologist sees the key image in the report form, signs, and the PDF prints it with its measurement', async () => {
    const ct = await refer('BJCY100000', 'IMAGING', [...CT_SERIES, `${CT_STUDY_DIR}/DX_3_001.dcm`]);
    const rad = await w.app.login('rad.li');
    expect((await json(w, 'POST', '/api/referrals/claim-next', rad)).id).toBe(ct.id);
    const [dx] = (
      await w.app.db.query(
        `SELECT st.study_instance_uid AS study, se.series_instance_uid AS series, i.sop_instance_uid AS sop
           FROM instance i JOIN series se ON se.id = i.series_id JOIN study st ON st.id = i.study_id
          WHERE st.referral_id = $1 AND se.modality = 'DX'`,
        [ct.id],
      )
    ).rows;
    await json(w, 'POST', `/api/referrals/${ct.id}/key-images`, rad, {
      studyInstanceUid: dx.study,
      seriesInstanceUid: dx.series,
      sopInstanceUid: dx.sop,
      frame: 1,
      measurements: [{ kind: 'length', label: '结节 Nodule', value: '12.4 mm' }],
    });

    const page = await w.signIn(await w.context(), 'rad.li');
    await page.goto(`/reading/${ct.id}`);
    const item = page.locator(`[data-testid=report-form] [data-testid=key-image][data-sop="${dx.sop}"]`);
    await item.waitFor();
    await expect(item.getByTestId('key-image-measurement').textContent()).resolves.toBe('结节 Nodule: 12.4 mm');
    await expect(item.textContent()).resolves.toMatch(/序列 \d+ \/ 图像 \d+/);
    // The frame's own thumbnail, decoded by the browser.
    await page.waitForFunction(
      () => document.querySelector<HTMLImageElement>('[data-testid=key-image-thumb]')?.naturalWidth ?? 0,
    );
    await item.getByTestId('key-image-remove').waitFor();
    await w.shot(page, '80-report-key-images');

    await page.getByTestId('findings').fill('右肺上叶见一结节，约 12 mm，边界清楚。');
    await page.getByTestId('impression').fill('右肺上叶结节，建议 3 个月后复查。');
    await page.getByLabel('社区诊治').check();
    await page.locator('[data-testid=save-status][data-status=saved]').waitFor();
    await page.getByTestId('sign').click();
    await page.getByTestId('sign-confirm').click();
    await page.getByTestId('signed-note').waitFor();
    // Signed: the key image stays in the report, and can no longer be removed.
    const signedItem = page.locator(`[data-testid=signed-report] [data-testid=key-image][data-sop="${dx.sop}"]`);
    await signedItem.waitFor();
    await expect(signedItem.getByTestId('key-image-remove').count()).resolves.toBe(0);

    // The PDF the reader opens is the one with the key image and its measurement (its bytes taken on the way).
    let captured!: (bytes: Buffer) => void;
    const pdfBytes = new Promise<Buffer>((resolve) => (captured = resolve));
    await page.route(`**/api/referrals/${ct.id}/report/pdf`, async (route) => {
      const res = await route.fetch();
      const body = await res.body();
      captured(body);
      await route.fulfill({ response: res, body });
    });
    await page.getByTestId('report-pdf').click();
    const pdf = await pdfBytes;
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const file = join(ARTIFACTS, 'imaging-report-key-image.pdf');
    writeFileSync(file, pdf);
    const text = execFileSync('pdftotext', ['-enc', 'UTF-8', file, '-']).toString();
    expect(text).toContain('关键图像');
    expect(text).toContain('结节 Nodule: 12.4 mm');
    expect(text).toContain('GMT+8');
    // The page holds an image (the rendered frame).
    const images = execFileSync('pdfimages', ['-list', file]).toString().trim().split('\n').slice(2);
    expect(images.length).toBeGreaterThanOrEqual(1);
  });

  it('a cardiologist reading an ECG sees the patient’s previous ECG above it, same scale, with its date', async () => {
    // The earlier recording: made two years ago, filed under the same patient, linked to no referral.
    const { rows } = await w.app.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`);
    // (The synthetic ECG shares its study with the CT above: given UIDs of its own.)
    const uids = [
      '2.25.130930353935831677017901351937829450278',
      '2.25.217044164208439016250974540202982328426',
      '2.25.11386215562850174464348769577422707771',
    ];
    const prior = await asFileOf(
      w.app,
      withUidsReplaced(
        sample(`${CT_STUDY_DIR}/ECG_4_001.dcm`),
        Object.fromEntries(uids.map((u) => [u, uidVariant(u, 21)])),
      ),
      rows[0].id,
    );
    expect((await stow(w.url, doc, [prior])).status).toBe(200);
    await w.app.db.query(
      `UPDATE study SET patient_id = $1, study_date = '2024-01-15', referral_id = NULL
        WHERE study_instance_uid = $2`,
      [rows[0].id, uidVariant(uids[0]!, 21)],
    );
    const ecg = await refer('BJCY100102', 'ECG', [REAL_ECG]);
    const cardio = await w.app.login('card.chen');
    expect((await json(w, 'POST', '/api/referrals/claim-next', cardio)).id).toBe(ecg.id);

    const page = await w.signIn(await w.context(), 'card.chen');
    await page.goto(`/reading/${ecg.id}`);
    await page.getByTestId('ecg-paper').waitFor();
    await page.getByTestId('ecg-prior-paper').waitFor();
    const title = await page.getByTestId('ecg-prior-title').textContent();
    expect(title).toContain('既往心电图');
    expect(title).toContain('2024-01-15');
    // The same millimetres on both papers: 25 mm/s and 10 mm/mV at the same zoom.
    const scale = async (id: string) => {
      const el = page.getByTestId(id);
      return [
        await el.getAttribute('data-px-per-mm'),
        await el.getAttribute('data-mm-per-s'),
        await el.getAttribute('data-mm-per-mv'),
      ];
    };
    expect(await scale('ecg-prior-paper')).toEqual(await scale('ecg-paper'));
    await expect(scale('ecg-prior-paper')).resolves.toEqual([expect.any(String), '25', '10']);
    // Zooming the current paper zooms the prior with it.
    await page.getByRole('button', { name: '150%' }).click();
    await page.waitForFunction(
      () =>
        document.querySelector('[data-testid=ecg-prior-paper]')?.getAttribute('data-px-per-mm') ===
        document.querySelector('[data-testid=ecg-paper]')?.getAttribute('data-px-per-mm'),
    );
    expect(await scale('ecg-prior-paper')).toEqual(await scale('ecg-paper'));
    await w.shot(page, '81-ecg-prior');
  });
});
