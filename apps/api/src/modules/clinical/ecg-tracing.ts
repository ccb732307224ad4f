import type { EcgGroup, EcgWaveforms } from '@zhiyin/dicom';

/** One PDF point per millimetre of paper: the tracing is printed at true physical scale. */
export const PT_PER_MM = 72 / 25.4;
/** Paper speed and gain of the printed tracing (the clinical standard the reader's eye is trained on). */
export const MM_PER_SECOND = 25;
export const MM_PER_MILLIVOLT = 10;

/** Where the tracing sits on an A4 landscape page, in millimetres from the top-left corner. */
export const TRACING_LAYOUT = {
  gridLeft: 18,
  gridTop: 44,
  gridWidth: 260,
  rowHeight: 36,
  rows: 4,
  /** the baseline of each row, below the row's top (room for R waves above, S waves below) */
  baselineFromRowTop: 21,
  /** the calibration pulse and the gap after it, before the first lead */
  pulseLead: 10,
} as const;

/** The 3 × 4 arrangement every 12-lead printout uses: each column shows its own 2.5 s of the recording. */
const COLUMNS = [
  ['I', 'II', 'III'],
  ['aVR', 'aVL', 'aVF'],
  ['V1', 'V2', 'V3'],
  ['V4', 'V5', 'V6'],
] as const;
const RHYTHM_LEAD = 'II';

/** The leads of a recording in µV on one time base, as the tracing needs them. */
export interface TracingLeads {
  samplingFrequency: number;
  leads: Map<string, Float32Array>;
}

/**
 * The group to print: the longest group of voltage leads (the rhythm recording, not a median beat), with the
 * limb leads a device did not store derived from I and II (Einthoven and Goldberger), as every 8-lead
 * recorder expects its printer to do.
 */
export function tracingLeads(ecg: EcgWaveforms): TracingLeads | null {
  const voltage = (g: EcgGroup) => g.leads.some((l) => l.isVoltage);
  const group = ecg.groups
    .filter(voltage)
    .sort((a, b) => b.durationSeconds - a.durationSeconds || Number(isMedian(a)) - Number(isMedian(b)))[0];
  if (!group) return null;
  const leads = new Map<string, Float32Array>();
  for (const l of group.leads) if (l.isVoltage && !leads.has(l.label)) leads.set(l.label, l.microvolts);
  const i = leads.get('I');
  const ii = leads.get('II');
  if (i && ii) {
    const derive = (f: (a: number, b: number) => number) => i.map((a, k) => f(a, ii[k] ?? Number.NaN));
    if (!leads.has('III'))
      leads.set(
        'III',
        derive((a, b) => b - a),
      );
    if (!leads.has('aVR'))
      leads.set(
        'aVR',
        derive((a, b) => -(a + b) / 2),
      );
    if (!leads.has('aVL'))
      leads.set(
        'aVL',
        derive((a, b) => a - b / 2),
      );
    if (!leads.has('aVF'))
      leads.set(
        'aVF',
        derive((a, b) => b - a / 2),
      );
  }
  return { samplingFrequency: group.samplingFrequency, leads };
}

function isMedian(g: EcgGroup): boolean {
  return /median|average/i.test(g.label ?? '');
}

/** The drawing calls the tracing needs (a subset of PDFKit's document). */
export interface TracingCanvas {
  moveTo(x: number, y: number): this;
  lineTo(x: number, y: number): this;
  rect(x: number, y: number, w: number, h: number): this;
  stroke(color?: string): this;
  lineWidth(w: number): this;
  lineJoin(j: 'miter' | 'round' | 'bevel'): this;
  lineCap(c: 'butt' | 'round' | 'square'): this;
  clip(): this;
  save(): this;
  restore(): this;
  font(name: string): this;
  fontSize(size: number): this;
  fillColor(color: string): this;
  text(text: string, x: number, y: number, options?: { lineBreak?: boolean; width?: number }): this;
}

const mm = (v: number) => v * PT_PER_MM;

/**
 * Draws the millimetre grid, a 1 mV calibration pulse at the start of each row, the 3 × 4 leads and a lead II
 * rhythm strip, as vector paths at 25 mm/s and 10 mm/mV (1 mm of paper = 72 / 25.4 pt).
 *
 * @param doc - the page to draw on (A4 landscape)
 * @param tracing - the leads in µV
 * @param font - the registered font for the lead labels
 */
export function drawEcgTracing(doc: TracingCanvas, tracing: TracingLeads, font: string): void {
  const L = TRACING_LAYOUT;
  const height = L.rows * L.rowHeight;
  drawGrid(doc, L.gridLeft, L.gridTop, L.gridWidth, height);

  const columnMm = (L.gridWidth - L.pulseLead) / COLUMNS.length;
  const columnSeconds = columnMm / MM_PER_SECOND;
  doc.save();
  doc.rect(mm(L.gridLeft), mm(L.gridTop), mm(L.gridWidth), mm(height)).clip();
  for (let row = 0; row < L.rows; row++) {
    const baseline = L.gridTop + row * L.rowHeight + L.baselineFromRowTop;
    drawPulse(doc, L.gridLeft, baseline);
    const x0 = L.gridLeft + L.pulseLead;
    if (row < 3) {
      COLUMNS.forEach((column, c) => {
        const label = column[row]!;
        const x = x0 + c * columnMm;
        drawLead(doc, tracing, label, x, baseline, c * columnSeconds, columnSeconds);
        drawLabel(doc, font, label, x, baseline);
        // A short bar where one lead ends and the next begins, as on paper.
        if (c > 0)
          doc
            .moveTo(mm(x), mm(baseline - 4))
            .lineTo(mm(x), mm(baseline + 4))
            .lineWidth(0.6)
            .stroke('#000');
      });
    } else {
      drawLead(doc, tracing, RHYTHM_LEAD, x0, baseline, 0, columnSeconds * COLUMNS.length);
      drawLabel(doc, font, RHYTHM_LEAD, x0, baseline);
    }
  }
  doc.restore();
}

function drawGrid(doc: TracingCanvas, left: number, top: number, width: number, height: number): void {
  // Minor lines first, major (every 5 mm) over them, so a crossing shows the major line.
  for (const major of [false, true]) {
    const step = major ? 5 : 1;
    for (let x = 0; x <= width; x += step) doc.moveTo(mm(left + x), mm(top)).lineTo(mm(left + x), mm(top + height));
    for (let y = 0; y <= height; y += step) doc.moveTo(mm(left), mm(top + y)).lineTo(mm(left + width), mm(top + y));
    doc
      .lineWidth(major ? 0.6 : 0.25)
      .lineCap('butt')
      .stroke(major ? '#e07070' : '#f4c2c2');
  }
}

/** 1 mV for 200 ms: 10 mm tall and 5 mm wide, on 2 mm of baseline each side. */
function drawPulse(doc: TracingCanvas, left: number, baseline: number): void {
  const top = baseline - MM_PER_MILLIVOLT;
  doc
    .moveTo(mm(left + 1), mm(baseline))
    .lineTo(mm(left + 3), mm(baseline))
    .lineTo(mm(left + 3), mm(top))
    .lineTo(mm(left + 8), mm(top))
    .lineTo(mm(left + 8), mm(baseline))
    .lineTo(mm(left + 10), mm(baseline))
    .lineWidth(0.6)
    .lineJoin('miter')
    .lineCap('butt')
    .stroke('#000');
}

function drawLabel(doc: TracingCanvas, font: string, label: string, x: number, baseline: number): void {
  doc
    .font(font)
    .fontSize(8)
    .fillColor('#000')
    .text(label, mm(x + 1), mm(baseline - 14), { lineBreak: false });
}

/** One lead from `fromSeconds` for `seconds`, at 25 mm/s and 10 mm/mV; gaps (padding) break the line. */
function drawLead(
  doc: TracingCanvas,
  tracing: TracingLeads,
  label: string,
  x: number,
  baseline: number,
  fromSeconds: number,
  seconds: number,
): void {
  const samples = tracing.leads.get(label);
  if (!samples) return;
  const fs = tracing.samplingFrequency;
  const first = Math.round(fromSeconds * fs);
  const last = Math.min(samples.length, Math.round((fromSeconds + seconds) * fs));
  let pen = false;
  let drawn = false;
  for (let s = first; s < last; s++) {
    const uv = samples[s]!;
    if (!Number.isFinite(uv)) {
      pen = false;
      continue;
    }
    const px = mm(x + ((s - first) / fs) * MM_PER_SECOND);
    const py = mm(baseline - (uv / 1000) * MM_PER_MILLIVOLT);
    if (pen) doc.lineTo(px, py);
    else doc.moveTo(px, py);
    pen = true;
    drawn = true;
  }
  if (drawn) doc.lineWidth(0.6).lineJoin('round').lineCap('round').stroke('#000');
}
