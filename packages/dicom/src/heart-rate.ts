/**
 * Heart rate from one ECG lead: R-peak detection after Pan & Tompkins (IEEE Trans Biomed Eng 1985;32:230-6):
 * smoothing that nulls mains interference, five-point derivative, squaring, moving-window integration, adaptive
 * signal/noise thresholds with a 200 ms refractory period, T-wave rejection and search-back for missed beats.
 * Pure and synchronous: the web ECG viewer runs it on decoded microvolts.
 */

/** Result of {@link estimateHeartRate}. */
export interface HeartRateEstimate {
  /** Beats per minute from the mean R-R interval; undefined with fewer than two beats. */
  bpm: number | undefined;
  /** Sample indices (0-based) of the detected R peaks. */
  rPeaks: number[];
  /** R-R intervals in milliseconds. */
  rrIntervalsMs: number[];
  /** Mean R-R interval in milliseconds; undefined with fewer than two beats. */
  meanRrMs: number | undefined;
}

/** Options of {@link estimateHeartRate}. */
export interface HeartRateOptions {
  /** Mains frequency to suppress, Hz (50 in China and Europe, 60 in the Americas). Default 50. */
  mainsHz?: number;
}

function movingAverage(x: Float64Array, width: number, centred: boolean): Float64Array {
  const n = x.length;
  const out = new Float64Array(n);
  const w = Math.max(1, width);
  let sum = 0;
  const lead = centred ? Math.floor(w / 2) : 0;
  // Window [i - (w - 1 - lead), i + lead], clipped at the ends.
  for (let i = 0; i < n + lead; i++) {
    if (i < n) sum += x[i] as number;
    const drop = i - w;
    if (drop >= 0) sum -= x[drop] as number;
    const at = i - lead;
    if (at >= 0 && at < n) {
      const count = Math.min(i, n - 1) - Math.max(0, drop + 1) + 1;
      out[at] = sum / count;
    }
  }
  return out;
}

function prepareLead(
  lead: ArrayLike<number>,
  n: number,
  fs: number,
  mainsHz: number,
): { band: Float64Array; sq: Float64Array } {
  const x = new Float64Array(n);
  let last = 0;
  for (let i = 0; i < n; i++) {
    const v = lead[i] as number;
    last = Number.isFinite(v) ? v : last;
    x[i] = last;
  }
  // A boxcar one mains period long has zeros at the mains frequency and its harmonics, and keeps the QRS band.
  const smooth = movingAverage(x, Math.round(fs / mainsHz), true);
  // Baseline wander (< 1 Hz) removed by subtracting a 0.6 s moving average.
  const baseline = movingAverage(smooth, Math.round(0.6 * fs), true);
  const band = new Float64Array(n);
  for (let i = 0; i < n; i++) band[i] = (smooth[i] as number) - (baseline[i] as number);
  // Five-point derivative, squared.
  const sq = new Float64Array(n);
  for (let i = 2; i < n - 2; i++) {
    const d =
      (2 * (band[i + 2] as number) + (band[i + 1] as number) - (band[i - 1] as number) - 2 * (band[i - 2] as number)) /
      8;
    sq[i] = d * d;
  }
  return { band, sq };
}

function isLeadList(input: ArrayLike<number> | readonly ArrayLike<number>[]): input is readonly ArrayLike<number>[] {
  return Array.isArray(input) && input.length > 0 && typeof input[0] !== 'number';
}

/**
 * Detects R peaks and derives the heart rate, from one lead or from several leads together. With several leads
 * (e.g. all twelve) the squared slopes are summed before detection (the "spatial velocity"), which finds beats
 * that are small in one lead, such as an aberrant beat with a different axis.
 *
 * @param leadMicrovolts - the samples of one lead (lead II is the usual choice) or an array of leads of equal
 *   length, in microvolts; NaN samples (padding) are treated as the previous value
 * @param samplingFrequency - samples per second
 * @param opts - see {@link HeartRateOptions}
 * @returns the heart rate, R-peak indices and R-R intervals
 */
export function estimateHeartRate(
  leadMicrovolts: ArrayLike<number> | readonly ArrayLike<number>[],
  samplingFrequency: number,
  opts: HeartRateOptions = {},
): HeartRateEstimate {
  const fs = samplingFrequency;
  const leads: readonly ArrayLike<number>[] = isLeadList(leadMicrovolts) ? leadMicrovolts : [leadMicrovolts];
  const n = Math.min(...leads.map((l) => l.length));
  const none: HeartRateEstimate = { bpm: undefined, rPeaks: [], rrIntervalsMs: [], meanRrMs: undefined };
  if (!(fs > 0) || leads.length === 0 || n < fs) return none;

  const prepared = leads.map((l) => prepareLead(l, n, fs, opts.mainsHz ?? 50));
  const sq = new Float64Array(n);
  const band = new Float64Array(n); // sum of |band| over leads: where the R peak is sought
  for (const p of prepared) {
    for (let i = 0; i < n; i++) {
      sq[i] = (sq[i] as number) + (p.sq[i] as number);
      band[i] = (band[i] as number) + Math.abs(p.band[i] as number);
    }
  }
  const win = Math.max(1, Math.round(0.15 * fs));
  const mwi = movingAverage(sq, win, false);

  const refractory = Math.round(0.2 * fs);
  // Candidate peaks: local maxima of the integrated signal, at most one per refractory period (the largest).
  const candidates: number[] = [];
  for (let i = 1; i < n - 1; i++) {
    const v = mwi[i] as number;
    if (v > 0 && v >= (mwi[i - 1] as number) && v > (mwi[i + 1] as number)) {
      const prev = candidates[candidates.length - 1];
      if (prev !== undefined && i - prev < refractory) {
        if (v > (mwi[prev] as number)) candidates[candidates.length - 1] = i;
      } else candidates.push(i);
    }
  }
  if (candidates.length === 0) return none;

  // Initial levels from the first two seconds (Pan & Tompkins' learning phase).
  const learn = Math.min(n, Math.round(2 * fs));
  let maxLearn = 0;
  let sumLearn = 0;
  for (let i = 0; i < learn; i++) {
    maxLearn = Math.max(maxLearn, mwi[i] as number);
    sumLearn += mwi[i] as number;
  }
  let spk = maxLearn / 3;
  let npk = sumLearn / learn / 2;
  const slope = (at: number): number => {
    let m = 0;
    for (let i = Math.max(2, at - win); i <= at; i++) m = Math.max(m, sq[i] as number);
    return m;
  };

  const beats: number[] = [];
  const beatSlopes: number[] = [];
  const rrRecent: number[] = [];
  const accept = (c: number): void => {
    const prev = beats[beats.length - 1];
    if (prev !== undefined) {
      rrRecent.push(c - prev);
      if (rrRecent.length > 8) rrRecent.shift();
    }
    beats.push(c);
    beatSlopes.push(slope(c));
  };

  let ci = 0;
  while (ci < candidates.length) {
    const c = candidates[ci] as number;
    const v = mwi[c] as number;
    const thr1 = npk + 0.25 * (spk - npk);
    const prev = beats[beats.length - 1];
    // Search-back: no beat for 1.66 mean R-R → take the largest skipped candidate above half the threshold.
    if (prev !== undefined && rrRecent.length > 0) {
      const meanRr = rrRecent.reduce((a, b) => a + b, 0) / rrRecent.length;
      if (c - prev > 1.66 * meanRr) {
        let best: number | undefined;
        for (const k of candidates) {
          if (k <= prev + refractory || k >= c) continue;
          if ((mwi[k] as number) > 0.5 * thr1 && (best === undefined || (mwi[k] as number) > (mwi[best] as number)))
            best = k;
        }
        if (best !== undefined) {
          accept(best);
          spk = 0.25 * (mwi[best] as number) + 0.75 * spk;
          continue; // re-examine c against the new beat
        }
      }
    }
    ci++;
    if (prev !== undefined && c - prev < refractory) continue;
    if (v > thr1) {
      // T-wave rejection: within 360 ms of the previous beat and with less than half its slope.
      if (
        prev !== undefined &&
        c - prev < 0.36 * fs &&
        slope(c) < 0.5 * (beatSlopes[beatSlopes.length - 1] as number)
      ) {
        npk = 0.125 * v + 0.875 * npk;
        continue;
      }
      accept(c);
      spk = 0.125 * v + 0.875 * spk;
    } else {
      npk = 0.125 * v + 0.875 * npk;
    }
  }

  // The integrated peak lags the QRS: the R peak is the largest deflection of the filtered signal in the window.
  const rPeaks = beats.map((b) => {
    const from = Math.max(0, b - win - Math.round(0.05 * fs));
    const to = Math.min(n - 1, b);
    let best = from;
    for (let i = from; i <= to; i++) if ((band[i] as number) > (band[best] as number)) best = i;
    return best;
  });
  const rrIntervalsMs: number[] = [];
  for (let i = 1; i < rPeaks.length; i++) {
    rrIntervalsMs.push((((rPeaks[i] as number) - (rPeaks[i - 1] as number)) * 1000) / fs);
  }
  if (rrIntervalsMs.length === 0) return { ...none, rPeaks };
  const meanRrMs = rrIntervalsMs.reduce((a, b) => a + b, 0) / rrIntervalsMs.length;
  return { bpm: 60000 / meanRrMs, rPeaks, rrIntervalsMs, meanRrMs };
}
