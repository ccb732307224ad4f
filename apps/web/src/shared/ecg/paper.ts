// The standard 12-lead paper: 25 mm/s, 10 mm/mV, a 1 mm grid with 5 mm major lines, a 1 mV
// calibration pulse at the start of every row; 3 rows × 4 columns of 2.5 s (I, II, III | aVR, aVL,
// aVF | V1–V3 | V4–V6) and a 10 s rhythm strip of lead II underneath.

export const MM_PER_SECOND = 25;
export const MM_PER_MV = 10;
/** CSS pixels per millimetre at zoom 1 (CSS defines 96 px per inch). */
export const CSS_PX_PER_MM = 96 / 25.4;

export const CAL_WIDTH_MM = 10; // the pulse (0.2 s = 5 mm) with 2.5 mm of baseline either side
export const ROW_HEIGHT_MM = 30;
export const TOP_MM = 2;
export const COLUMN_SECONDS = 2.5;

export const LAYOUT_3X4: string[][] = [
  ['I', 'aVR', 'V1', 'V4'],
  ['II', 'aVL', 'V2', 'V5'],
  ['III', 'aVF', 'V3', 'V6'],
];
export const RHYTHM_LEAD = 'II';

export interface Trace {
  label: string;
  /** microvolts */
  samples: ArrayLike<number>;
  /** first sample of the trace */
  from: number;
  /** one past the last sample */
  to: number;
  /** left edge (mm) and baseline (mm from the top) */
  x: number;
  y: number;
}

export interface Paper {
  widthMm: number;
  heightMm: number;
  rows: { y: number }[];
  traces: Trace[];
  fs: number;
}

function medianOf(samples: ArrayLike<number>, from: number, to: number): number {
  const values: number[] = [];
  const step = Math.max(1, Math.floor((to - from) / 500));
  for (let i = from; i < to; i += step) {
    const v = samples[i]!;
    if (Number.isFinite(v)) values.push(v);
  }
  values.sort((a, b) => a - b);
  return values[values.length >> 1] ?? 0;
}

/** Places the leads on the paper. `leads` maps a lead label to its samples (µV). */
export function layoutPaper(leads: Map<string, ArrayLike<number>>, fs: number, durationSeconds: number): Paper {
  const seconds = Math.min(10, durationSeconds);
  const columnSeconds = Math.min(COLUMN_SECONDS, seconds / 4);
  const perColumn = Math.round(columnSeconds * fs);
  const widthMm = CAL_WIDTH_MM + seconds * MM_PER_SECOND;
  const rows: { y: number }[] = [];
  const traces: Trace[] = [];
  LAYOUT_3X4.forEach((row, r) => {
    const y = TOP_MM + r * ROW_HEIGHT_MM + ROW_HEIGHT_MM * 0.6;
    rows.push({ y });
    row.forEach((label, c) => {
      const samples = leads.get(label);
      if (!samples) return;
      const from = c * perColumn;
      traces.push({
        label,
        samples,
        from,
        to: from + perColumn,
        x: CAL_WIDTH_MM + c * columnSeconds * MM_PER_SECOND,
        y,
      });
    });
  });
  const rhythm = leads.get(RHYTHM_LEAD) ?? leads.values().next().value;
  const rhythmY = TOP_MM + 3 * ROW_HEIGHT_MM + ROW_HEIGHT_MM * 0.6;
  rows.push({ y: rhythmY });
  if (rhythm) {
    traces.push({
      label: leads.has(RHYTHM_LEAD) ? RHYTHM_LEAD : ([...leads.keys()][0] ?? ''),
      samples: rhythm,
      from: 0,
      to: Math.round(seconds * fs),
      x: CAL_WIDTH_MM,
      y: rhythmY,
    });
  }
  return { widthMm, heightMm: TOP_MM + 4 * ROW_HEIGHT_MM + 2, rows, traces, fs };
}

/**
 * An SVG path for a trace in millimetres. Each trace is drawn around its own median, as paper
 * recorders centre each lead; several samples per 0.1 mm are reduced to their min and max so that
 * spikes survive.
 */
export function tracePath(t: Trace, fs: number): string {
  const base = medianOf(t.samples, t.from, t.to);
  const mmPerSample = MM_PER_SECOND / fs;
  const bucket = Math.max(1, Math.floor(0.1 / mmPerSample));
  const parts: string[] = [];
  let first = true;
  const point = (i: number, v: number) => {
    const x = t.x + (i - t.from) * mmPerSample;
    const y = t.y - ((v - base) / 1000) * MM_PER_MV;
    parts.push(`${first ? 'M' : 'L'}${x.toFixed(2)} ${y.toFixed(2)}`);
    first = false;
  };
  const end = Math.min(t.to, t.samples.length);
  for (let i = t.from; i < end; i += bucket) {
    if (bucket === 1) {
      const v = t.samples[i]!;
      if (Number.isFinite(v)) point(i, v);
      else first = true;
      continue;
    }
    let lo = Infinity;
    let hi = -Infinity;
    let loAt = i;
    let hiAt = i;
    for (let k = i; k < Math.min(end, i + bucket); k++) {
      const v = t.samples[k]!;
      if (!Number.isFinite(v)) continue;
      if (v < lo) {
        lo = v;
        loAt = k;
      }
      if (v > hi) {
        hi = v;
        hiAt = k;
      }
    }
    if (lo === Infinity) {
      first = true;
      continue;
    }
    if (loAt <= hiAt) {
      point(loAt, lo);
      if (hiAt !== loAt) point(hiAt, hi);
    } else {
      point(hiAt, hi);
      point(loAt, lo);
    }
  }
  return parts.join('');
}

/** The 1 mV calibration pulse at the start of a row whose baseline is at `y` (mm). */
export function calibrationPath(y: number): string {
  const top = y - MM_PER_MV;
  return `M0 ${y}L2.5 ${y}L2.5 ${top}L7.5 ${top}L7.5 ${y}L${CAL_WIDTH_MM} ${y}`;
}
