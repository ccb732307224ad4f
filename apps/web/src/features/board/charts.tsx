import { useId, type ReactNode } from 'react';

// Small SVG charts drawn by hand: a few bars do not need a charting library (and its weight in the
// bundle). Each chart is an image with a title and a text description for screen readers; the
// figures themselves are also in the table on the same page.

export interface Series {
  key: string;
  label: string;
  color: string;
}

export interface BarRow {
  label: string;
  /** the full name, for the tooltip */
  title?: string;
  values: Record<string, number | null>;
}

const FONT_PX = 12;

function niceMax(v: number): number {
  if (v <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v) return m * p;
  return 10 * p;
}

function ticks(max: number): number[] {
  const step = max / 4;
  return [0, step, 2 * step, 3 * step, max];
}

function Frame({
  title,
  description,
  width,
  height,
  children,
  series,
}: {
  title: string;
  description: string;
  width: number;
  height: number;
  children: ReactNode;
  series?: Series[];
}) {
  const id = useId();
  return (
    <figure className="card figures-chart">
      <figcaption>
        <h3 className="board-sub" id={`${id}-t`}>
          {title}
        </h3>
      </figcaption>
      <svg
        viewBox={`0 0 ${width} ${height}`}
        role="img"
        aria-labelledby={`${id}-t ${id}-d`}
        preserveAspectRatio="xMinYMin meet"
      >
        <desc id={`${id}-d`}>{description}</desc>
        {children}
      </svg>
      {series && series.length > 1 && (
        <ul className="figures-legend" aria-hidden="true">
          {series.map((s) => (
            <li key={s.key}>
              <span className="figures-swatch" style={{ background: s.color }} />
              {s.label}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

/** Horizontal bars, stacked (counts adding up) or grouped (values side by side). */
export function HorizontalBars({
  title,
  description,
  rows,
  series,
  mode,
  format = (v) => String(v),
  labelWidth = 150,
  max,
  integer = false,
}: {
  title: string;
  description: string;
  rows: BarRow[];
  series: Series[];
  mode: 'stacked' | 'grouped';
  format?: (v: number) => string;
  labelWidth?: number;
  max?: number;
  /** counts: whole-number ticks */
  integer?: boolean;
}) {
  const width = 560;
  const barH = mode === 'stacked' ? 18 : 14;
  const rowH = mode === 'stacked' ? 26 : series.length * (barH + 3) + 10;
  const top = 8;
  const axisH = 22;
  const plotW = width - labelWidth - 48;
  const height = top + rows.length * rowH + axisH;
  const largest = Math.max(
    0,
    ...rows.map((r) =>
      mode === 'stacked'
        ? series.reduce((sum, s) => sum + (r.values[s.key] ?? 0), 0)
        : Math.max(0, ...series.map((s) => r.values[s.key] ?? 0)),
    ),
  );
  const top1 = max ?? (integer ? Math.max(4, Math.ceil(largest / 4) * 4) : niceMax(largest));
  const x = (v: number) => labelWidth + (v / top1) * plotW;
  return (
    <Frame title={title} description={description} width={width} height={height} series={series}>
      {ticks(top1).map((tv) => (
        <g key={tv}>
          <line className="figures-grid" x1={x(tv)} x2={x(tv)} y1={top} y2={top + rows.length * rowH} />
          <text x={x(tv)} y={height - 6} textAnchor="middle">
            {format(tv)}
          </text>
        </g>
      ))}
      <line className="figures-axis" x1={labelWidth} x2={labelWidth} y1={top} y2={top + rows.length * rowH} />
      {rows.map((r, i) => {
        const y0 = top + i * rowH;
        let acc = 0;
        const total = series.reduce((sum, s) => sum + (r.values[s.key] ?? 0), 0);
        return (
          <g key={r.label}>
            <text x={labelWidth - 6} y={y0 + rowH / 2 + FONT_PX / 3} textAnchor="end">
              <title>{r.title ?? r.label}</title>
              {r.label}
            </text>
            {series.map((s, j) => {
              const v = r.values[s.key];
              if (mode === 'stacked') {
                const start = acc;
                acc += v ?? 0;
                if (!v) return null;
                return (
                  <rect
                    key={s.key}
                    x={x(start)}
                    y={y0 + (rowH - barH) / 2}
                    width={Math.max(0, x(start + v) - x(start))}
                    height={barH}
                    fill={s.color}
                  >
                    <title>{`${r.title ?? r.label} · ${s.label}: ${format(v)}`}</title>
                  </rect>
                );
              }
              const y = y0 + 5 + j * (barH + 3);
              return (
                <g key={s.key}>
                  {v !== null && v !== undefined && (
                    <rect x={labelWidth} y={y} width={Math.max(1, x(v) - labelWidth)} height={barH} fill={s.color}>
                      <title>{`${r.title ?? r.label} · ${s.label}: ${format(v)}`}</title>
                    </rect>
                  )}
                  <text x={v === null || v === undefined ? labelWidth + 4 : x(v) + 4} y={y + barH - 3}>
                    {v === null || v === undefined ? '—' : format(v)}
                  </text>
                </g>
              );
            })}
            {mode === 'stacked' && total > 0 && (
              <text x={x(total) + 4} y={y0 + rowH / 2 + FONT_PX / 3}>
                {format(total)}
              </text>
            )}
          </g>
        );
      })}
    </Frame>
  );
}

/** One 100 % bar per row: the share within the limit, the rest missed. */
export function ShareBars({
  title,
  description,
  rows,
  withinLabel,
  missedLabel,
  noneLabel,
  format,
}: {
  title: string;
  description: string;
  rows: { label: string; share: number | null }[];
  withinLabel: string;
  missedLabel: string;
  noneLabel: string;
  format: (share: number) => string;
}) {
  const width = 560;
  const labelWidth = 150;
  const plotW = width - labelWidth - 70;
  const rowH = 34;
  const height = 10 + rows.length * rowH;
  const series: Series[] = [
    { key: 'within', label: withinLabel, color: '#1e6b34' },
    { key: 'missed', label: missedLabel, color: '#b3261e' },
  ];
  return (
    <Frame title={title} description={description} width={width} height={height} series={series}>
      {rows.map((r, i) => {
        const y = 8 + i * rowH;
        return (
          <g key={r.label}>
            <text x={labelWidth - 6} y={y + 17} textAnchor="end">
              {r.label}
            </text>
            {r.share === null ? (
              <>
                <rect x={labelWidth} y={y + 4} width={plotW} height={18} fill="#eef2f4" />
                <text x={labelWidth + 6} y={y + 17}>
                  {noneLabel}
                </text>
              </>
            ) : (
              <>
                <rect x={labelWidth} y={y + 4} width={plotW * r.share} height={18} fill="#1e6b34">
                  <title>{`${r.label} · ${withinLabel}: ${format(r.share)}`}</title>
                </rect>
                <rect
                  x={labelWidth + plotW * r.share}
                  y={y + 4}
                  width={plotW * (1 - r.share)}
                  height={18}
                  fill="#b3261e"
                >
                  <title>{`${r.label} · ${missedLabel}: ${format(1 - r.share)}`}</title>
                </rect>
                <text x={labelWidth + plotW + 6} y={y + 17} fontWeight={700}>
                  {format(r.share)}
                </text>
              </>
            )}
          </g>
        );
      })}
    </Frame>
  );
}
