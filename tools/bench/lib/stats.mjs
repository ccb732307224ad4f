// Small statistics helpers.

/**
 * Percentile with linear interpolation between closest ranks; NaN for no samples.
 * @param {number[]} values
 * @param {number} p  0..100
 */
export function percentile(values, p) {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

/** @param {number[]} values */
export function summary(values) {
  const v = values.filter((x) => Number.isFinite(x));
  if (!v.length) return { median: NaN, min: NaN, max: NaN, n: 0 };
  return { median: percentile(v, 50), min: Math.min(...v), max: Math.max(...v), n: v.length };
}

/** @param {number} x @param {number} [digits] */
export function fmt(x, digits) {
  if (x === undefined || x === null || !Number.isFinite(x)) return '—';
  const d = digits ?? (Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : 2);
  return x.toFixed(d);
}

/** "median (min–max)" @param {{ median: number, min: number, max: number }} s @param {number} [digits] */
export function fmtSummary(s, digits) {
  if (!s || !Number.isFinite(s.median)) return '—';
  return `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;
}
