import { estimateHeartRate } from '@zhiyin/dicom';

// Global ECG intervals from the 12 leads together, measured on a median beat (robust to an odd
// beat), in the way of the common "global" interval definitions (IEC 60601-2-25 measures intervals
// across all leads: earliest onset to latest offset):
//  - QRS onset/offset where the spatial velocity (sum over leads of |slope|) leaves/returns to its
//    quiet level;
//  - P onset on the spatial magnitude before the QRS, when a P wave is there at all (not in AF);
//  - T end by the tangent method: the tangent at the steepest fall after the T peak, extended to
//    the baseline.
// The values are proposals for the specialist to confirm, never a diagnosis.

export interface EcgIntervals {
  /** beats per minute from all detected beats */
  heartRate: number | undefined;
  rrMs: number | undefined;
  prMs: number | undefined;
  qrsMs: number | undefined;
  qtMs: number | undefined;
  /** Bazett: QT / sqrt(RR in s) */
  qtcMs: number | undefined;
  /** Frontal QRS axis in degrees (-90..+270), from the net QRS areas of leads I and aVF */
  axisDeg: number | undefined;
  beats: number;
  /** R peaks (0-based sample indices) */
  rPeaks: number[];
}

type Leads = readonly ArrayLike<number>[];

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

function smooth(x: Float64Array, width: number): Float64Array {
  const out = new Float64Array(x.length);
  const h = Math.max(0, Math.floor(width / 2));
  let sum = 0;
  let count = 0;
  for (let i = 0; i < x.length + h; i++) {
    if (i < x.length) {
      sum += x[i]!;
      count++;
    }
    if (i - 2 * h - 1 >= 0) {
      sum -= x[i - 2 * h - 1]!;
      count--;
    }
    const at = i - h;
    if (at >= 0 && at < x.length) out[at] = sum / count;
  }
  return out;
}

/**
 * Removes baseline wander: a knot in the PR segment of every beat (the median level 50–70 ms before
 * R, close to isoelectric), joined by straight lines, is subtracted from the lead ("knot
 * interpolation", as in cubic-spline baseline removal, with lines). Without it, a slow wander tilts
 * the median beat and a small P wave drowns in the tilt.
 */
export function removeWander(lead: ArrayLike<number>, rPeaks: number[], fs: number): Float64Array {
  const n = lead.length;
  const out = new Float64Array(n);
  const a = Math.round(0.07 * fs);
  const b = Math.round(0.05 * fs);
  const knots: [number, number][] = [];
  for (const r of rPeaks) {
    if (r - a < 0) continue;
    const values: number[] = [];
    for (let i = r - a; i <= r - b; i++) if (Number.isFinite(lead[i]!)) values.push(lead[i]!);
    if (values.length) knots.push([r - Math.round(0.06 * fs), median(values)]);
  }
  if (knots.length < 2) {
    for (let i = 0; i < n; i++) out[i] = lead[i]!;
    return out;
  }
  let k = 0;
  for (let i = 0; i < n; i++) {
    while (k < knots.length - 2 && i > knots[k + 1]![0]) k++;
    const [x0, y0] = knots[k]!;
    const [x1, y1] = knots[k + 1]!;
    const base = y0 + ((y1 - y0) * (i - x0)) / (x1 - x0);
    out[i] = lead[i]! - base;
  }
  return out;
}

/** The median beat of each lead around the R peaks: `pre` samples before, `post` after. */
export function medianBeats(leads: Leads, rPeaks: number[], pre: number, post: number): Float64Array[] {
  const usable = rPeaks.filter((r) => r - pre >= 0 && r + post < (leads[0]?.length ?? 0));
  return leads.map((lead) => {
    const beat = new Float64Array(pre + post);
    const column: number[] = new Array<number>(usable.length);
    for (let k = 0; k < pre + post; k++) {
      for (let b = 0; b < usable.length; b++) {
        const v = lead[usable[b]! - pre + k]!;
        column[b] = Number.isFinite(v) ? v : 0;
      }
      beat[k] = usable.length ? median(column) : 0;
    }
    return beat;
  });
}

/**
 * The frontal plane axis from the net QRS areas of leads I (0°) and aVF (+90°): in Einthoven's
 * triangle I = |E|cos θ and aVF = (√3/2)|E|sin θ. aVF is derived from II and III when missing.
 */
function qrsAxis(
  beats: Float64Array[],
  labels: readonly string[] | undefined,
  from: number,
  to: number,
  base: number,
): number | undefined {
  if (!labels) return undefined;
  const at = (l: string) => {
    const i = labels.findIndex((x) => x.toUpperCase() === l.toUpperCase());
    return i >= 0 ? beats[i] : undefined;
  };
  const area = (b: Float64Array | undefined) => {
    if (!b) return undefined;
    let sum = 0;
    for (let i = from; i <= to; i++) sum += b[i]! - b[base]!;
    return sum;
  };
  const ii = area(at('II'));
  const iii = area(at('III'));
  const i = area(at('I')) ?? (ii !== undefined && iii !== undefined ? ii - iii : undefined);
  const avf = area(at('aVF')) ?? (ii !== undefined && iii !== undefined ? (ii + iii) / 2 : undefined);
  if (i === undefined || avf === undefined || (i === 0 && avf === 0)) return undefined;
  let deg = (Math.atan2((2 / Math.sqrt(3)) * avf, i) * 180) / Math.PI;
  if (deg <= -90) deg += 360; // report in the usual -90..+270 range, e.g. +200 rather than -160
  return deg;
}

export function measureIntervals(
  leads: Leads,
  fs: number,
  opts: { mainsHz?: number; labels?: readonly string[] } = {},
): EcgIntervals {
  const hr = estimateHeartRate(leads, fs, { mainsHz: opts.mainsHz ?? 50 });
  const none: EcgIntervals = {
    heartRate: hr.bpm,
    rrMs: hr.meanRrMs,
    prMs: undefined,
    qrsMs: undefined,
    qtMs: undefined,
    qtcMs: undefined,
    axisDeg: undefined,
    beats: hr.rPeaks.length,
    rPeaks: hr.rPeaks,
  };
  if (hr.rPeaks.length < 3 || !hr.meanRrMs) return none;
  const ms = (v: number) => Math.round((v * fs) / 1000);
  const rr = hr.meanRrMs;
  const pre = ms(Math.min(450, 0.6 * rr));
  const post = ms(Math.min(700, 0.85 * rr));
  const beats = medianBeats(
    leads.map((l) => removeWander(l, hr.rPeaks, fs)),
    hr.rPeaks,
    pre,
    post,
  );
  const n = pre + post;
  if (beats.length === 0 || n < ms(300)) return none;

  // Mains hum and EMG are smoothed out with a 20 ms boxcar (a zero at 50 Hz) before slopes are taken.
  const filtered = beats.map((b) => smooth(b, ms(20)));

  // Spatial velocity: sum of absolute slopes (µV per ms).
  const velocity = new Float64Array(n);
  for (const b of filtered)
    for (let i = 1; i < n; i++) velocity[i] = velocity[i]! + Math.abs(b[i]! - b[i - 1]!) * (fs / 1000);
  const vel = smooth(velocity, ms(8));

  // The QRS is the steepest part of the beat around R.
  let peak = pre;
  for (let i = pre - ms(60); i <= pre + ms(60); i++) if (i > 0 && i < n && vel[i]! > vel[peak]!) peak = i;
  // The quiet level: low percentile of the velocity over the whole beat (isoelectric segments).
  const sorted = Array.from(vel).sort((a, b) => a - b);
  const quiet = sorted[Math.floor(sorted.length * 0.1)]!;
  const threshold = quiet + 0.12 * (vel[peak]! - quiet);
  let qrsOn = peak;
  while (qrsOn > 1 && vel[qrsOn]! > threshold) qrsOn--;
  let qrsOff = peak;
  while (qrsOff < n - 2 && vel[qrsOff]! > threshold) qrsOff++;
  const out: EcgIntervals = {
    ...none,
    qrsMs: ((qrsOff - qrsOn) * 1000) / fs,
    axisDeg: qrsAxis(filtered, opts.labels, qrsOn, qrsOff, Math.max(0, qrsOn - ms(10))),
  };

  // Spatial magnitude relative to the level at QRS onset (the PR segment, close to isoelectric).
  const magnitude = (ref: number) => {
    const m = new Float64Array(n);
    for (const b of filtered) {
      const base = b[ref]!;
      for (let i = 0; i < n; i++) m[i] = m[i]! + (b[i]! - base) ** 2;
    }
    for (let i = 0; i < n; i++) m[i] = Math.sqrt(m[i]!);
    return m;
  };
  const mag = magnitude(Math.max(0, qrsOn - ms(10)));

  // P wave: a clear hump 40–300 ms before the QRS.
  const pFrom = Math.max(1, qrsOn - ms(300));
  const pTo = qrsOn - ms(40);
  if (pTo > pFrom) {
    let pPeak = pFrom;
    for (let i = pFrom; i <= pTo; i++) if (mag[i]! > mag[pPeak]!) pPeak = i;
    // A P wave is a hump: the magnitude falls clearly on both sides of its peak. In atrial
    // fibrillation the f-waves are not locked to the QRS, so the median beat has no such hump.
    const peakV = mag[pPeak]!;
    let before = Infinity;
    for (let i = pFrom; i <= pPeak; i++) before = Math.min(before, mag[i]!);
    let after = Infinity;
    for (let i = pPeak; i <= qrsOn; i++) after = Math.min(after, mag[i]!);
    if (peakV > 60 && pPeak > pFrom + ms(10) && before < 0.5 * peakV && after < 0.7 * peakV) {
      const level = before + 0.15 * (peakV - before);
      let pOn = pPeak;
      while (pOn > pFrom && mag[pOn]! > level) pOn--;
      if (pOn > pFrom) out.prMs = ((qrsOn - pOn) * 1000) / fs;
    }
  }

  // T wave: largest magnitude from 100 ms after the QRS to the end of the window.
  const tFrom = qrsOff + ms(80);
  const tTo = n - 2;
  if (tTo > tFrom) {
    const magT = magnitude(Math.max(0, qrsOn - ms(10)));
    let tPeak = tFrom;
    for (let i = tFrom; i <= tTo; i++) if (magT[i]! > magT[tPeak]!) tPeak = i;
    // Steepest fall after the peak (before it flattens out).
    let steep = tPeak;
    let slope = 0;
    for (let i = tPeak + 1; i <= tTo; i++) {
      const s = magT[i - 1]! - magT[i]!;
      if (s > slope) {
        slope = s;
        steep = i;
      }
      if (magT[i]! < 0.1 * magT[tPeak]!) break;
    }
    if (slope > 0 && magT[tPeak]! > 30) {
      // Baseline: the magnitude's floor after the T wave (or zero when the window ends first).
      let floor = Infinity;
      for (let i = steep; i <= tTo; i++) floor = Math.min(floor, magT[i]!);
      const tEnd = steep + (magT[steep]! - floor) / slope;
      if (tEnd > tPeak && tEnd < n) {
        out.qtMs = ((tEnd - qrsOn) * 1000) / fs;
        out.qtcMs = out.qtMs / Math.sqrt(rr / 1000);
      }
    }
  }
  return out;
}
