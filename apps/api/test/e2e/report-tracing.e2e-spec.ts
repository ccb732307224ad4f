import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { withAccessionNumber } from '../support/dicom-edit.js';
import { sample, stow } from '../support/dicom-files.js';
import { api, startTestApp, type TestApp } from '../support/test-app.js';
import { asFileOf, recordConsent } from '../support/referrals.js';

const ARTIFACTS = fileURLToPath(new URL('../../../../test-artifacts/api/', import.meta.url));
// At 254 dots per inch one millimetre of paper is exactly 10 pixels.
const DPI = 254;
const PX_PER_MM = DPI / 25.4;

type Rgb = [number, number, number];
interface Page {
  width: number;
  height: number;
  at(x: number, y: number): Rgb;
}

/** The page rendered without anti-aliasing, so every pixel is one of the colours drawn. */
function render(file: string, page: number, name: string): Page {
  const out = join(ARTIFACTS, name);
  execFileSync('pdftoppm', [
    '-png',
    '-r',
    String(DPI),
    '-aa',
    'no',
    '-aaVector',
    'no',
    '-f',
    String(page),
    '-l',
    String(page),
    '-singlefile',
    file,
    out,
  ]);
  const png = PNG.sync.read(readFileSync(`${out}.png`));
  return {
    width: png.width,
    height: png.height,
    at: (x, y) => {
      const i = (y * png.width + x) * 4;
      return [png.data[i]!, png.data[i + 1]!, png.data[i + 2]!];
    },
  };
}

const dark = ([r, g, b]: Rgb) => r < 100 && g < 100 && b < 100;
// The grid's pinks (minor #f4c2c2, major #e07070): red well above green and blue.
const gridPink = ([r, g, b]: Rgb) => r > 200 && g < 225 && g > 90 && Math.abs(g - b) < 10 && r - g > 25;

/** Centres of the runs of consecutive indices in a sorted list. */
function runCentres(indices: number[]): number[] {
  const out: number[] = [];
  let start = indices[0]!;
  for (let i = 1; i <= indices.length; i++) {
    if (i === indices.length || indices[i]! !== indices[i - 1]! + 1) {
      out.push((start + indices[i - 1]!) / 2);
      start = indices[i]!;
    }
  }
  return out;
}

/** The runs of `test` pixels down one column, as [first, last] rows. */
function verticalRuns(p: Page, x: number, test: (c: Rgb) => boolean): [number, number][] {
  const runs: [number, number][] = [];
  let start = -1;
  for (let y = 0; y <= p.height; y++) {
    const on = y < p.height && test(p.at(x, y));
    if (on && start < 0) start = y;
    if (!on && start >= 0) {
      runs.push([start, y - 1]);
      start = -1;
    }
  }
  return runs;
}

// The ECG report a community doctor prints: the real 12-lead recording drawn at 25 mm/s and 10 mm/mV on a
// millimetre grid, with a 1 mV calibration pulse that measures 10 mm on paper.
describe('the ECG report prints the 12-lead tracing at true scale', () => {
  let t: TestApp;
  let file: string;
  let text: string;

  beforeAll(async () => {
    t = await startTestApp({ TIME_ZONE: 'Asia/Shanghai' });
    const [doc, cardio] = await Promise.all([t.login('doc.hyjq'), t.login('card.chen')]);
    const patientId = (await t.db.query(`SELECT id FROM patient WHERE mrn = 'BJCY100102'`)).rows[0].id;
    const created = await api(t, 'POST', '/api/referrals', {
      token: doc,
      body: { patientId, service: 'ECG', priority: 'URGENT', clinicalQuestion: '心悸 1 小时' },
    });
    const referralId = created.body.id as string;
    // the real ECG is an anonymised recording: recorded for this patient, as the cart would
    const recorded = await asFileOf(t, sample('ecg/real_mortara_12lead_waveform_ecg.dcm'), patientId as string);
    const ecg = withAccessionNumber(recorded, created.body.number);
    expect((await stow(t.url, doc, [ecg])).status).toBe(200);
    const events = (token: string, type: string) =>
      api(t, 'POST', `/api/referrals/${referralId}/events`, { token, body: { type } });
    await recordConsent(t, doc, referralId);
    expect((await events(doc, 'submit')).status).toBe(200);
    expect((await api(t, 'POST', '/api/referrals/claim-next', { token: cardio })).status).toBe(200);
    expect((await events(cardio, 'start_review')).status).toBe(200);
    const drafted = await api(t, 'PUT', `/api/referrals/${referralId}/report`, {
      token: cardio,
      body: {
        findings: '窦性心律，各导联未见明显 ST-T 改变。',
        impression: '正常心电图',
        diagnoses: [{ code: 'Z01.8', label: '其他特殊检查' }],
        measurements: { heartRate: 61, pr: 161, qrs: 75, qt: 368, qtc: 370, axis: 52, rhythm: '窦性心律' },
        disposition: 'manage_in_community',
      },
    });
    expect(drafted.status).toBe(200);
    expect((await api(t, 'POST', `/api/referrals/${referralId}/report/sign`, { token: cardio })).status).toBe(200);
    const res = await fetch(`${t.url}/api/referrals/${referralId}/report/pdf`, {
      headers: { authorization: `Bearer ${doc}` },
    });
    expect(res.status).toBe(200);
    mkdirSync(ARTIFACTS, { recursive: true });
    file = join(ARTIFACTS, 'ecg-report-tracing.pdf');
    writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    text = execFileSync('pdftotext', ['-enc', 'UTF-8', '-f', '2', '-l', '2', file, '-']).toString();
  });
  afterAll(async () => {
    await t.close();
  });

  it('gives the tracing a landscape page of its own with the scale and the confirmed measurements', () => {
    const info = execFileSync('pdfinfo', ['-f', '2', '-l', '2', file]).toString();
    // A4 landscape: 842 × 595 pt.
    expect(info).toMatch(/Page\s+2 size:\s+841\.89 x 595\.28 pts/);
    for (const s of [
      '十二导联心电图',
      '25 mm/s',
      '10 mm/mV',
      'QTc: 370 ms',
      'PR: 161 ms',
      '心率 HR: 61 bpm',
      'aVR',
      'V6',
    ])
      expect(text).toContain(s);
  });

  it('draws a 1 mV calibration pulse 10 mm tall at the start of each of the four rows', () => {
    const page = render(file, 2, 'ecg-report-tracing');
    // The pulse's rising edge: the leftmost column holding long vertical dark runs (a letter is far shorter).
    let edge = -1;
    for (let x = 0; x < page.width && edge < 0; x++)
      if (verticalRuns(page, x, dark).some(([a, b]) => b - a > 8 * PX_PER_MM)) edge = x;
    expect(edge).toBeGreaterThan(0);
    const pulses = verticalRuns(page, edge, dark).filter(([a, b]) => b - a > 8 * PX_PER_MM);
    expect(pulses).toHaveLength(4);
    for (const [top, bottom] of pulses) {
      // Centre of the pulse's top line (2.5 mm into the pulse) and of the baseline just before it.
      const topLine = verticalRuns(page, edge + Math.round(2.5 * PX_PER_MM), dark).find(
        ([a, b]) => Math.abs(a - top) < 5 && b - a < 6,
      );
      const baseLine = verticalRuns(page, edge - Math.round(1 * PX_PER_MM), dark).find(
        ([a, b]) => Math.abs(b - bottom) < 5 && b - a < 6,
      );
      expect(topLine).toBeDefined();
      expect(baseLine).toBeDefined();
      const height = (baseLine![0] + baseLine![1]) / 2 - (topLine![0] + topLine![1]) / 2;
      expect(Math.abs(height - 10 * PX_PER_MM)).toBeLessThanOrEqual(1);
    }
  });

  it('lays the grid at 1 mm (minor) and 5 mm (major) and draws every lead on it', () => {
    const page = render(file, 2, 'ecg-report-tracing');
    // Vertical grid lines: columns that are pink over most of the grid's height.
    const pinkPerColumn = Array.from({ length: page.width }, (_, x) => {
      let n = 0;
      for (let y = 0; y < page.height; y += 2) if (gridPink(page.at(x, y))) n++;
      return n;
    });
    const tallest = Math.max(...pinkPerColumn);
    const lines = runCentres(pinkPerColumn.flatMap((n, x) => (n > tallest / 2 ? [x] : [])));
    const gaps = lines.slice(1).map((x, i) => x - lines[i]!);
    expect(lines.length).toBeGreaterThan(200);
    for (const g of gaps) expect(Math.abs(g - PX_PER_MM)).toBeLessThanOrEqual(1);
    // The major lines (#e07070) every 5 mm.
    const major = ([r, g]: Rgb) => r > 200 && g < 140 && g > 90;
    const y = Math.round(page.height / 2);
    const majorCols = runCentres(
      Array.from({ length: page.width }, (_, x) => x).filter(
        (x) => major(page.at(x, y)) && major(page.at(x, y + 3)) && major(page.at(x, y - 3)),
      ),
    );
    const majorGaps = majorCols.slice(1).map((x, i) => x - majorCols[i]!);
    expect(majorCols.length).toBeGreaterThan(40);
    const regular = majorGaps.filter((g) => Math.abs(g - 5 * PX_PER_MM) <= 1);
    // A trace may hide a line where it crosses: nearly all gaps are 5 mm, none is shorter.
    expect(regular.length).toBeGreaterThanOrEqual(majorGaps.length * 0.9);
    for (const g of majorGaps) expect(g).toBeGreaterThanOrEqual(5 * PX_PER_MM - 1);

    // Not blank: each of the 4 columns of each of the 4 rows holds a lead's worth of dark ink.
    const firstEdge = lines[0]!;
    const lastEdge = lines[lines.length - 1]!;
    const leadsLeft = firstEdge + 10 * PX_PER_MM;
    const quarter = (lastEdge - leadsLeft) / 4;
    const rows = verticalRuns(page, Math.round(firstEdge + 2.5 * PX_PER_MM), gridPink);
    const gridTop = rows[0]![0];
    for (let row = 0; row < 4; row++) {
      for (let c = 0; c < 4; c++) {
        let ink = 0;
        for (let yy = gridTop + row * 36 * PX_PER_MM; yy < gridTop + (row + 1) * 36 * PX_PER_MM; yy++)
          for (let x = Math.round(leadsLeft + c * quarter + 5); x < leadsLeft + (c + 1) * quarter - 5; x++)
            if (dark(page.at(x, Math.round(yy)))) ink++;
        // A flat line 62.5 mm long is already ~1,000 pixels; a lead label alone is a few hundred.
        expect({ row, c, inked: ink > 1200 }).toEqual({ row, c, inked: true });
      }
    }
  });
});
