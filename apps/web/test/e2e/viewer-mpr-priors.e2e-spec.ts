import { KEY_IMAGE_MAX_PER_REFERRAL } from '@zhiyin/contracts';
import type { Page } from 'playwright-core';
import { stow } from '../../../api/test/support/dicom-files.js';
import { recordConsent } from '../../../api/test/support/referrals.js';
import { api } from '../../../api/test/support/test-app.js';
import { json } from '../support/api.js';
import { startWebTest, type WebTest } from '../support/browser.js';
import { CT_IMAGE_STORAGE, ctPixelElements, dicomFile } from '../support/dicom-file.js';

// The reading room's CT tools a radiologist relies on, on synthetic CT volumes whose geometry the test knows: the three
// MPR planes draw a bright box where its patient coordinates put it, with the right orientation letters; a prior CT of
// the same patient opens beside the current one and follows it by table position (not by slice number); another
// centre's patient of the same name is never offered as a prior; key images are marked and unmarked from the viewer
// and fixed once the report is signed; the overlays state patient, study, series, slice position and thickness,
// window and orientation, and the window presets set their values.

const SIZE = 128;
/** A box of 1000 HU in water (0 HU), in patient coordinates (mm, LPS): off-centre on every axis, so a flip moves it. */
const BOX = { x: [-14, 36], y: [-44, 6], z: [-28, 12] } as const;
const inBox = (x: number, y: number, z: number) =>
  x >= BOX.x[0] && x < BOX.x[1] && y >= BOX.y[0] && y < BOX.y[1] && z >= BOX.z[0] && z < BOX.z[1];

interface Who {
  mrn: string;
  name: string;
  birth: string;
  sex: string;
}

/**
 * An axial CT series of `slices` 128x128 slices (1 mm pixels, columns along +x, rows along +y) from table position
 * `z0` every `spacing` mm, Slice Location = z, the box drawn where its coordinates fall.
 */
function ctVolume(o: {
  uid: string;
  who: Who;
  accession: string;
  studyDate: string;
  slices: number;
  spacing: number;
  z0: number;
  seriesNumber: number;
  description: string;
}): Buffer[] {
  const files: Buffer[] = [];
  for (let k = 0; k < o.slices; k++) {
    const z = o.z0 + k * o.spacing;
    const pixels: number[] = [];
    // Image Position is the first pixel's centre: column c lies at x = -64 + c, row r at y = -64 + r.
    for (let r = 0; r < SIZE; r++)
      for (let c = 0; c < SIZE; c++) pixels.push((inBox(c - 64, r - 64, z) ? 1000 : 0) + 1024);
    files.push(
      dicomFile([
        [0x0008, 0x0016, 'UI', CT_IMAGE_STORAGE],
        [0x0008, 0x0018, 'UI', `${o.uid}.3.${k + 1}`],
        [0x0008, 0x0020, 'DA', o.studyDate],
        [0x0008, 0x0050, 'SH', o.accession],
        [0x0008, 0x0060, 'CS', 'CT'],
        [0x0008, 0x1030, 'LO', 'CT CHEST'],
        [0x0008, 0x103e, 'LO', o.description],
        [0x0010, 0x0010, 'PN', o.who.name],
        [0x0010, 0x0020, 'LO', o.who.mrn],
        [0x0010, 0x0030, 'DA', o.who.birth],
        [0x0010, 0x0040, 'CS', o.who.sex],
        [0x0018, 0x0050, 'DS', String(o.spacing)],
        [0x0020, 0x000d, 'UI', `${o.uid}.1`],
        [0x0020, 0x000e, 'UI', `${o.uid}.2`],
        [0x0020, 0x0011, 'IS', String(o.seriesNumber)],
        [0x0020, 0x0013, 'IS', String(k + 1)],
        [0x0020, 0x0032, 'DS', `-64\\-64\\${z}`],
        [0x0020, 0x0037, 'DS', '1\\0\\0\\0\\1\\0'],
        // Each study its own frame of reference, as two visits on a scanner have.
        [0x0020, 0x0052, 'UI', `${o.uid}.4`],
        [0x0020, 0x1041, 'DS', String(z)],
        ...ctPixelElements(SIZE, '1\\1', pixels),
      ]),
    );
  }
  return files;
}

/** The current CT: 48 slices every 2 mm from -47 mm (box on slices 10-29). */
const CURRENT = { slices: 48, spacing: 2, z0: -47 };
/** The prior CT: 40 slices every 3 mm from -60 mm (another count, spacing and start: index sync would be wrong). */
const PRIOR = { slices: 40, spacing: 3, z0: -60 };

describe('reading room CT: MPR, prior side by side, key images, overlays', () => {
  let w: WebTest;
  type Referred = { id: string; uid: string; study: string };
  let current: Referred;
  let prior: Referred;
  let keyCase: Referred;
  let namesake: Referred;

  const whoOf = async (mrn: string): Promise<Who & { id: string }> => {
    const { rows } = await w.app.db.query(
      `SELECT id, mrn, name_pinyin, sex, to_char(birth_date, 'YYYYMMDD') AS birth FROM patient WHERE mrn = $1`,
      [mrn],
    );
    const [family = '', ...given] = (rows[0].name_pinyin as string).split(' ');
    return { id: rows[0].id, mrn, name: `${family}^${given.join('')}`, birth: rows[0].birth, sex: rows[0].sex };
  };

  /** A submitted CT referral of the patient by `doctor`, with a synthetic volume (UID root `uid`). */
  const refer = async (
    doctor: string,
    who: Who & { id: string },
    uid: string,
    geometry: { slices: number; spacing: number; z0: number },
    studyDate: string,
  ) => {
    const created = await json(w, 'POST', '/api/referrals', doctor, {
      patientId: who.id,
      service: 'IMAGING',
      modality: 'CT',
      priority: 'ROUTINE',
      clinicalQuestion: '咳嗽两周，右肺结节？',
      history: '无',
    });
    const files = ctVolume({
      uid,
      who,
      accession: created.number,
      studyDate,
      seriesNumber: 3,
      description: 'AXIAL 2MM',
      ...geometry,
    });
    const res = await stow(w.url, doctor, files);
    expect(res.status).toBe(200);
    await recordConsent(w, doctor, created.id);
    await json(w, 'POST', `/api/referrals/${created.id}/events`, doctor, { type: 'submit' });
    return { id: created.id as string, uid, study: `${uid}.1` };
  };

  /** The referral handed to rad.li by the coordinator and accepted: rad.li reads it. */
  const readByLi = async (referralId: string) => {
    const coord = await w.app.login('coord.liu');
    const rad = await w.app.login('rad.li');
    const { rows } = await w.app.db.query('SELECT id FROM app_user WHERE username = $1', ['rad.li']);
    await json(w, 'POST', `/api/referrals/${referralId}/events`, coord, { type: 'reassign', specialistId: rows[0].id });
    await json(w, 'POST', `/api/referrals/${referralId}/events`, rad, { type: 'accept' });
  };

  beforeAll(async () => {
    w = await startWebTest({ TIME_ZONE: 'Asia/Shanghai' });
    const doc = await w.app.login('doc.hyjq');
    const wang = await whoOf('BJCY100101');
    // Another centre's patient given the same name (another person: other record, other birth date).
    await w.app.db.query(
      `UPDATE patient SET family_name_zh = o.family_name_zh, given_name_zh = o.given_name_zh,
              name_pinyin = o.name_pinyin, pinyin_initials = o.pinyin_initials
         FROM patient o WHERE o.mrn = $1 AND patient.mrn = $2`,
      ['BJCY100101', 'BJHD108001'],
    );
    const other = await whoOf('BJHD108001');
    prior = await refer(doc, wang, '1.2.826.0.1.3680043.10.999.301', PRIOR, '20250310');
    namesake = await refer(await w.app.login('doc.hyqc'), other, '1.2.826.0.1.3680043.10.999.302', PRIOR, '20260120');
    current = await refer(doc, wang, '1.2.826.0.1.3680043.10.999.303', CURRENT, '20261201');
    await readByLi(current.id);
    keyCase = await refer(doc, await whoOf('BJCY100103'), '1.2.826.0.1.3680043.10.999.304', CURRENT, '20261202');
    await readByLi(keyCase.id);
  });
  afterAll(async () => {
    await w?.close();
  });

  /** The reading page of a referral with its CT series shown (every slice loaded). */
  const open = async (referralId: string) => {
    const page = await w.signIn(await w.context(), 'rad.li');
    page.on('pageerror', (e) => console.error(`page error: ${e.message}`));
    await page.goto(`/reading/${referralId}`);
    await page.locator('[data-testid=image-viewport][data-stack-loaded]').waitFor({ timeout: 30_000 });
    await page.locator('[data-testid=image-viewer][data-loaded=true]').waitFor();
    return page;
  };

  /**
   * Where the volume and the box are drawn on a canvas (CSS px): the bounding boxes of the non-black pixels (the
   * volume: water is grey at W 400 L 40) and of the white ones (the box, 1000 HU).
   */
  const drawn = (page: Page, testId: string) =>
    page.getByTestId(testId).evaluate((el) => {
      const c = el.querySelector('canvas')!;
      const k = c.width / el.clientWidth;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      const bbox = (test: (l: number) => boolean) => {
        let x0 = Infinity;
        let y0 = Infinity;
        let x1 = -Infinity;
        let y1 = -Infinity;
        for (let y = 0; y < c.height; y++)
          for (let x = 0; x < c.width; x++) {
            const o = (y * c.width + x) * 4;
            if (!test(0.299 * d[o]! + 0.587 * d[o + 1]! + 0.114 * d[o + 2]!)) continue;
            x0 = Math.min(x0, x);
            y0 = Math.min(y0, y);
            x1 = Math.max(x1, x + 1);
            y1 = Math.max(y1, y + 1);
          }
        return { x0: x0 / k, y0: y0 / k, x1: x1 / k, y1: y1 / k };
      };
      return { volume: bbox((l) => l > 30), box: bbox((l) => l > 200) };
    }, testId);

  it('MPR draws the box where its coordinates put it in the axial, sagittal and coronal planes, letters right', async () => {
    const page = await open(current.id);
    await page.getByTestId('mpr').click();
    await page.getByTestId('mpr-view').waitFor();
    // Each plane drawn: something white on every canvas (the volume streams in after the viewports are set).
    await page.waitForFunction(
      () =>
        ['axial', 'sagittal', 'coronal'].every((p) => {
          const c = document.querySelector<HTMLCanvasElement>(`[data-testid=mpr-${p}] canvas`);
          if (!c || !c.width) return false;
          const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
          for (let i = 0; i < d.length; i += 4 * 7) if (d[i]! > 200) return true;
          return false;
        }),
      undefined,
      { timeout: 30_000 },
    );
    await w.shot(page, 'viewer-mpr');
    // Volume extent (mm) and box centre as fractions of it, per plane: [horizontal, vertical] on screen.
    // Axial: x to the right (patient left), y down (posterior). Sagittal: y to the right, z up (head).
    // Coronal: x to the right, z up. Volume: x, y -64..64; z -48..48 (slice centres -47..47, 2 mm apart).
    const zTop = CURRENT.z0 + (CURRENT.slices - 0.5) * CURRENT.spacing;
    const zBottom = CURRENT.z0 - 0.5 * CURRENT.spacing;
    const frac = {
      x: ((BOX.x[0] + BOX.x[1]) / 2 + 64) / SIZE,
      y: ((BOX.y[0] + BOX.y[1]) / 2 + 64) / SIZE,
      zDown: (zTop - (BOX.z[0] + BOX.z[1]) / 2) / (zTop - zBottom),
    };
    const expected = {
      axial: { h: frac.x, v: frac.y, aspect: 1, boxW: 50 / SIZE, boxH: 50 / SIZE },
      sagittal: { h: frac.y, v: frac.zDown, aspect: 96 / 128, boxW: 50 / SIZE, boxH: 40 / 96 },
      coronal: { h: frac.x, v: frac.zDown, aspect: 96 / 128, boxW: 50 / SIZE, boxH: 40 / 96 },
    };
    for (const [plane, e] of Object.entries(expected)) {
      const { volume, box } = await drawn(page, `mpr-${plane}`);
      const w0 = volume.x1 - volume.x0;
      const h0 = volume.y1 - volume.y0;
      const where = `${plane}: volume ${JSON.stringify(volume)} box ${JSON.stringify(box)}`;
      // Within 3 px of where the geometry puts it.
      expect([Math.abs((box.x0 + box.x1) / 2 - (volume.x0 + e.h * w0)) < 3, where]).toEqual([true, where]);
      expect([Math.abs((box.y0 + box.y1) / 2 - (volume.y0 + e.v * h0)) < 3, where]).toEqual([true, where]);
      expect([Math.abs(box.x1 - box.x0 - e.boxW * w0) < 3, where]).toEqual([true, where]);
      expect([Math.abs(box.y1 - box.y0 - e.boxH * h0) < 3, where]).toEqual([true, where]);
      // The slice spacing is honoured: 96 mm of slices against 128 mm across.
      expect([Math.abs(h0 / w0 - e.aspect) < 0.03, where]).toEqual([true, where]);
    }
    const markers = async (plane: string) =>
      Promise.all(
        ['top', 'bottom', 'left', 'right'].map((side) => page.getByTestId(`mpr-marker-${plane}-${side}`).textContent()),
      );
    await expect(markers('axial')).resolves.toEqual(['A', 'P', 'R', 'L']);
    await expect(markers('sagittal')).resolves.toEqual(['H', 'F', 'A', 'P']);
    await expect(markers('coronal')).resolves.toEqual(['H', 'F', 'R', 'L']);
    await page.context().close();
  });

  it('the prior CT is listed with its date, opens beside the current one and follows it by table position', async () => {
    const rad = await w.app.login('rad.li');
    const listed = await api(w, 'GET', `/api/referrals/${current.id}/priors`, { token: rad });
    expect(listed.status).toBe(200);
    // The same patient's earlier CT, and not the other centre's patient of the same name.
    const uids = (listed.body as { studyInstanceUid: string }[]).map((p) => p.studyInstanceUid);
    expect(uids).not.toContain(namesake.study);
    expect(uids).toEqual([prior.study]);

    const page = await open(current.id);
    const picker = page.getByTestId('prior-picker');
    const options = await picker.locator('option').allTextContents();
    expect(options).toHaveLength(2);
    expect(options[1]).toContain('2025-03-10');
    expect(options.join(' ')).not.toContain('2026-01-20');
    await picker.selectOption(prior.study);
    const cur = page.getByTestId('comparison-current');
    const pri = page.getByTestId('comparison-prior');
    await cur.locator('[data-testid=image-viewport][data-stack-loaded]').waitFor({ timeout: 30_000 });
    await pri.locator('[data-testid=image-viewport][data-stack-loaded]').waitFor({ timeout: 30_000 });
    await expect(pri.getByTestId('image-viewer').getAttribute('data-slices')).resolves.toBe(String(PRIOR.slices));

    /** Go to slice `k` (0-based) of the current series; the prior must show the slice nearest its table position. */
    const check = async (k: number) => {
      const z = CURRENT.z0 + k * CURRENT.spacing;
      const j = Math.round((z - PRIOR.z0) / PRIOR.spacing);
      const zPrior = PRIOR.z0 + j * PRIOR.spacing;
      expect(j).not.toBe(k);
      await cur.getByTestId('image-viewer').focus();
      await page.keyboard.press('Home');
      for (let i = 0; i < k; i++) await page.keyboard.press('ArrowDown');
      await cur.locator(`[data-testid=image-viewer][data-slice="${k + 1}"]`).waitFor();
      await pri.locator(`[data-testid=image-viewer][data-slice="${j + 1}"]`).waitFor();
      await expect(cur.getByTestId('overlay-series').textContent()).resolves.toContain(`层位置 ${z.toFixed(1)} mm`);
      await expect(pri.getByTestId('overlay-series').textContent()).resolves.toContain(
        `层位置 ${zPrior.toFixed(1)} mm`,
      );
    };
    await check(30);
    await check(5);
    await w.shot(page, 'viewer-prior-side-by-side');
    await page.context().close();
  });

  it('the overlays state patient, study, series, slice and window; presets set their values; keys are listed', async () => {
    const page = await open(current.id);
    const wang = await whoOf('BJCY100101');
    await expect(page.getByTestId('overlay-patient').textContent()).resolves.toContain(wang.name.replace('^', ' '));
    await expect(page.getByTestId('overlay-patient').textContent()).resolves.toContain('2026-12-01');
    const series = page.getByTestId('overlay-series');
    await expect(series.textContent()).resolves.toContain('序列 3 AXIAL 2MM');
    await expect(series.textContent()).resolves.toContain(`图像 1/${CURRENT.slices}`);
    await expect(series.textContent()).resolves.toContain('层位置 -47.0 mm');
    await expect(series.textContent()).resolves.toContain('层厚 2.0 mm');
    await expect(page.getByTestId('overlay-wl').textContent()).resolves.toContain('W 400 L 40');
    const letters = await Promise.all(
      ['top', 'bottom', 'left', 'right'].map((s) =>
        page.locator(`[data-testid=image-viewer] .marker.${s}`).textContent(),
      ),
    );
    expect(letters).toEqual(['A', 'P', 'R', 'L']);

    const viewer = page.getByTestId('image-viewer');
    const presets = [
      ['lung', 1500, -600],
      ['mediastinum', 350, 50],
      ['bone', 2000, 500],
      ['brain', 80, 40],
      ['abdomen', 400, 40],
    ] as const;
    for (const [key, ww, wc] of presets) {
      await page.locator(`[data-preset=${key}]`).click();
      await page.locator(`[data-testid=image-viewer][data-ww="${ww}"][data-wc="${wc}"]`).waitFor();
      await expect(page.getByTestId('overlay-wl').textContent()).resolves.toContain(`W ${ww} L ${wc}`);
    }
    // The number keys choose them too: 1 lung.
    await viewer.focus();
    await page.keyboard.press('1');
    await page.locator('[data-testid=image-viewer][data-ww="1500"][data-wc="-600"]').waitFor();

    // The viewer's keys are written under it, and in the page's shortcut list.
    const hint = page.locator('.clinical-viewer .hint');
    await expect(hint.isVisible()).resolves.toBe(true);
    await expect(hint.textContent()).resolves.toContain('1–5 预设窗');
    await page.getByTestId('shortcuts-button').click();
    const list = await page.getByTestId('shortcuts').textContent();
    for (const k of ['W', 'L', '1–5', 'C', 'M', 'K', 'Esc']) expect(list).toContain(k);
    await w.shot(page, 'viewer-overlays');
    await page.context().close();
  });

  it('key images are marked from the viewer (button and K), shown on the strip, unmarked, and fixed once signed', async () => {
    const page = await open(keyCase.id);
    const viewer = page.getByTestId('image-viewer');
    const strip = page.locator('.key-strip');
    await viewer.focus();
    for (let i = 0; i < 4; i++) await page.keyboard.press('ArrowDown');
    await page.locator('[data-testid=image-viewer][data-slice="5"]').waitFor();
    await page.getByTestId('mark-key-image').click();
    await strip.getByRole('button', { name: '★5' }).waitFor();
    await page.getByTestId('key-star').waitFor();
    const item5 = page.locator(`[data-testid=report-form] [data-testid=key-image][data-sop="${keyCase.uid}.3.5"]`);
    await item5.waitFor();

    await viewer.focus();
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowDown');
    await page.locator('[data-testid=image-viewer][data-slice="8"]').waitFor();
    await page.keyboard.press('k');
    await strip.getByRole('button', { name: '★8' }).waitFor();
    await expect(strip.getByRole('button').allTextContents()).resolves.toEqual(['★5', '★8']);

    // Unmarked from the report form: gone from the strip too.
    await item5.getByTestId('key-image-remove').click();
    await page.waitForFunction(() => document.querySelector('.key-strip')?.textContent === '★8');

    // A report holds 24 key images at most: marked meanwhile (say, in another tab), the 25th is refused (409) and
    // the viewer says why.
    const rad = await w.app.login('rad.li');
    const mark = (n: number) =>
      api(w, 'POST', `/api/referrals/${keyCase.id}/key-images`, {
        token: rad,
        body: {
          studyInstanceUid: keyCase.study,
          seriesInstanceUid: `${keyCase.uid}.2`,
          sopInstanceUid: `${keyCase.uid}.3.${n}`,
          frame: 1,
          measurements: [],
        },
      });
    for (let n = 11; n < 11 + KEY_IMAGE_MAX_PER_REFERRAL - 1; n++) expect((await mark(n)).status).toBe(201);
    await viewer.focus();
    await page.keyboard.press('ArrowUp');
    await page.locator('[data-testid=image-viewer][data-slice="7"]').waitFor();
    await page.keyboard.press('k');
    await expect(page.getByTestId('key-image-error').textContent()).resolves.toBe(
      `一份报告最多 ${KEY_IMAGE_MAX_PER_REFERRAL} 张关键图像，请先移除一张。`,
    );
    expect((await mark(7)).status).toBe(409);
    await strip.getByRole('button', { name: `★${11 + KEY_IMAGE_MAX_PER_REFERRAL - 2}` }).waitFor();

    await page.getByTestId('findings').fill('右肺上叶见一结节，约 12 mm。');
    await page.getByTestId('impression').fill('右肺上叶结节。');
    await page.getByLabel('社区诊治').check();
    await page.locator('[data-testid=save-status][data-status=saved]').waitFor();
    await page.getByTestId('sign').click();
    await page.getByTestId('sign-confirm').click();
    await page.getByTestId('signed-note').waitFor();
    // Signed: the viewer says the key images are fixed and offers no marking; the API refuses a change (409).
    await expect(page.getByTestId('key-images-fixed').textContent()).resolves.toBe('报告已签发，关键图像不能再更改。');
    await expect(page.getByTestId('mark-key-image').count()).resolves.toBe(0);
    const before = await api(w, 'GET', `/api/referrals/${keyCase.id}/key-images`, { token: rad });
    const refused = await mark(6);
    expect(refused.status).toBe(409);
    expect(refused.body.error.details.reason).toBe('report_signed');
    await expect(api(w, 'GET', `/api/referrals/${keyCase.id}/key-images`, { token: rad })).resolves.toMatchObject({
      body: before.body,
    });
    await expect(page.locator('[data-testid=signed-report] [data-testid=key-image-remove]').count()).resolves.toBe(0);
    await page.context().close();
  });
});
