import { decodeEcg, parseFull, type EcgWaveforms } from '@zhiyin/dicom';
import { useEffect, useId, useMemo, useRef, useState, type KeyboardEvent, type PointerEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { authorizedFetch } from '../../lib/api';
import { fetchParts } from '../dicomweb/multipart';
import { EcgPrior } from './EcgPrior';
import { measureIntervals, type EcgIntervals } from './measure';
import { calibrationPath, CSS_PX_PER_MM, layoutPaper, MM_PER_SECOND, ROW_HEIGHT_MM, TOP_MM, tracePath } from './paper';

const ZOOMS = [0.5, 0.75, 1, 1.5, 2, 3];

/** One stored ECG instance, decoded (leads in µV). */
async function loadEcg(studyUid: string, seriesUid: string, sopUid: string, signal: AbortSignal) {
  const path = `/dicomweb/studies/${encodeURIComponent(studyUid)}/series/${encodeURIComponent(seriesUid)}/instances/${encodeURIComponent(sopUid)}`;
  const [part] = await fetchParts(
    (p, init) => authorizedFetch(p, init),
    path,
    'multipart/related; type="application/dicom"',
    signal,
  );
  if (!part) throw new Error('no instance in the answer');
  return decodeEcg(parseFull(part.body));
}

type MeasureKey = 'heartRate' | 'rrMs' | 'prMs' | 'qrsMs' | 'qtMs' | 'qtcMs' | 'axisDeg';
const MEASURES: MeasureKey[] = ['heartRate', 'rrMs', 'prMs', 'qrsMs', 'qtMs', 'qtcMs', 'axisDeg'];
const DEVICE_KEY: Record<MeasureKey, string> = {
  heartRate: 'HR',
  rrMs: 'RR',
  prMs: 'PR',
  qrsMs: 'QRS',
  qtMs: 'QT',
  qtcMs: 'QTc',
  axisDeg: 'QRSAxis',
};

/** The values the specialist confirmed, under the report's names. */
export interface ConfirmedEcgValues {
  heartRate?: number;
  pr?: number;
  qrs?: number;
  qt?: number;
  qtc?: number;
  axis?: number;
}
const REPORT_KEY: Partial<Record<MeasureKey, keyof ConfirmedEcgValues>> = {
  heartRate: 'heartRate',
  prMs: 'pr',
  qrsMs: 'qrs',
  qtMs: 'qt',
  qtcMs: 'qtc',
  axisDeg: 'axis',
};
// What the report accepts (the API's limits); anything else is refused here with a clear mark.
const LIMITS: Record<keyof ConfirmedEcgValues, [number, number]> = {
  heartRate: [10, 350],
  pr: [0, 1000],
  qrs: [0, 400],
  qt: [0, 1000],
  qtc: [0, 1000],
  axis: [-180, 360],
};

function deviceValue(ecg: EcgWaveforms, key: MeasureKey): number | undefined {
  const m = ecg.measurements as Record<string, { value: number } | undefined>;
  if (key === 'heartRate') {
    const rr = m.RR?.value;
    return rr ? 60000 / rr : undefined;
  }
  return m[DEVICE_KEY[key]]?.value;
}

/**
 * A 12-lead ECG on standard paper (25 mm/s, 10 mm/mV) drawn as SVG in millimetres, with zoom,
 * calipers and the measured rate and intervals for the specialist to confirm.
 */
export function EcgViewer({
  studyUid,
  seriesUid,
  sopUid,
  confirmedValues,
  confirmedLoading = false,
  onConfirm,
  signed = false,
}: {
  studyUid: string;
  seriesUid: string;
  sopUid: string;
  /** values confirmed earlier (a saved report draft): shown in the inputs instead of the measured ones */
  confirmedValues?: ConfirmedEcgValues | null;
  /** the saved values are still on their way: nothing can be confirmed over them yet */
  confirmedLoading?: boolean;
  /** receives the confirmed values (for the report's measurements); without it the viewer only shows them */
  onConfirm?: (values: ConfirmedEcgValues) => void;
  /** the report is signed: `confirmedValues` are the ones in it, shown as such and not editable */
  signed?: boolean;
}) {
  const { t, number } = useI18n();
  const ids = useId();
  const [ecg, setEcg] = useState<EcgWaveforms>();
  const [error, setError] = useState<string>();
  const [zoom, setZoom] = useState(1);
  const [calipers, setCalipers] = useState(false);
  const [marks, setMarks] = useState<[number, number] | null>(null); // mm along the paper
  const [active, setActive] = useState<0 | 1>(1);
  const [confirmed, setConfirmed] = useState<Partial<Record<MeasureKey, string>> | null>(null);
  // Only what the specialist typed here: the saved values are read from the props on every render,
  // so they show whichever arrives first, the ECG or the report draft.
  const [edits, setEdits] = useState<Partial<Record<MeasureKey, string>>>({});
  const svg = useRef<SVGSVGElement>(null);

  useEffect(() => {
    const ctrl = new AbortController();
    setEcg(undefined);
    setError(undefined);
    loadEcg(studyUid, seriesUid, sopUid, ctrl.signal).then(setEcg, (err: unknown) => {
      if (!ctrl.signal.aborted) setError((err as Error).message);
    });
    return () => ctrl.abort();
  }, [studyUid, seriesUid, sopUid]);

  const rhythm = useMemo(
    () =>
      ecg?.groups.find((g) => /RHYTHM/i.test(g.label ?? '')) ??
      ecg?.groups.find((g) => g.durationSeconds >= 5) ??
      ecg?.groups[0],
    [ecg],
  );
  const paper = useMemo(() => {
    if (!rhythm) return undefined;
    const leads = new Map<string, Float32Array>();
    for (const l of rhythm.leads) if (!leads.has(l.label)) leads.set(l.label, l.microvolts);
    return layoutPaper(leads, rhythm.samplingFrequency, rhythm.durationSeconds);
  }, [rhythm]);
  const measured: EcgIntervals | undefined = useMemo(
    () =>
      rhythm
        ? measureIntervals(
            rhythm.leads.map((l) => l.microvolts),
            rhythm.samplingFrequency,
            { labels: rhythm.leads.map((l) => l.label) },
          )
        : undefined,
    [rhythm],
  );

  if (error)
    return (
      <p className="error" role="alert">
        {t('ecg.loadFailed', { reason: error })}
      </p>
    );
  if (!ecg || !rhythm || !paper || !measured)
    return (
      <p className="loading" role="status">
        {t('ecg.loading')}
      </p>
    );

  const pxPerMm = CSS_PX_PER_MM * zoom;
  const mmAt = (clientX: number) => {
    const r = svg.current!.getBoundingClientRect();
    return Math.max(0, Math.min(paper.widthMm, (clientX - r.left) / pxPerMm));
  };
  const onPointerDown = (e: PointerEvent<SVGSVGElement>) => {
    if (!calipers) return;
    (e.currentTarget as Element).setPointerCapture(e.pointerId);
    const x = mmAt(e.clientX);
    setMarks([x, x]);
    setActive(1);
  };
  const onPointerMove = (e: PointerEvent<SVGSVGElement>) => {
    if (!calipers || e.buttons !== 1 || !marks) return;
    setMarks([marks[0], mmAt(e.clientX)]);
  };
  const onKey = (e: KeyboardEvent) => {
    if (e.key === '+' || e.key === '=') setZoom((z) => ZOOMS.find((x) => x > z) ?? z);
    else if (e.key === '-') setZoom((z) => [...ZOOMS].reverse().find((x) => x < z) ?? z);
    else if (e.key === 'c' || e.key === 'C') setCalipers((c) => !c);
    else if (calipers && (e.key === 'ArrowLeft' || e.key === 'ArrowRight')) {
      const step = (e.shiftKey ? 0.2 : 1) * (e.key === 'ArrowLeft' ? -1 : 1);
      setMarks((m) => {
        const cur: [number, number] = m ?? [paper.widthMm / 2, paper.widthMm / 2 + 20];
        const next: [number, number] = [...cur];
        next[active] = Math.max(0, Math.min(paper.widthMm, next[active] + step));
        return next;
      });
    } else if (calipers && e.key === 'Tab' && e.shiftKey === false && marks && active === 0) {
      return;
    } else if (calipers && (e.key === ' ' || e.key === 'Enter')) setActive((a) => (a === 0 ? 1 : 0));
    else return;
    e.preventDefault();
  };

  const span = marks ? (Math.abs(marks[1] - marks[0]) / MM_PER_SECOND) * 1000 : 0;
  const fmt = (key: MeasureKey, v: number | undefined) =>
    v === undefined ? '—' : key === 'heartRate' ? number(Math.round(v)) : number(Math.round(v));
  const unit = (key: MeasureKey) =>
    key === 'heartRate' ? t('ecg.unitBpm') : key === 'axisDeg' ? t('ecg.unitDeg') : t('ecg.unitMs');
  const saved = (k: MeasureKey) => {
    const rk = REPORT_KEY[k];
    const v = rk ? confirmedValues?.[rk] : undefined;
    return v === undefined ? undefined : String(v);
  };
  const hasSaved = MEASURES.some((k) => saved(k) !== undefined);
  const valueOf = (k: MeasureKey) =>
    edits[k] ?? saved(k) ?? (measured[k] === undefined ? '' : String(Math.round(measured[k])));
  const invalid = (k: MeasureKey) => {
    const rk = REPORT_KEY[k];
    const text = valueOf(k).trim();
    if (!rk || text === '') return false;
    const n = Number(text);
    return !Number.isFinite(n) || n < LIMITS[rk][0] || n > LIMITS[rk][1];
  };
  const confirm = () => {
    if (confirmedLoading || MEASURES.some(invalid)) return;
    setConfirmed(Object.fromEntries(MEASURES.map((k) => [k, valueOf(k)])));
    const values: ConfirmedEcgValues = {};
    for (const k of MEASURES) {
      const rk = REPORT_KEY[k];
      const text = valueOf(k).trim();
      if (rk && text !== '') values[rk] = Math.round(Number(text));
    }
    onConfirm?.(values);
  };
  const rows = ROW_HEIGHT_MM;
  // Values can be confirmed only where there is a report draft to take them: once the report is signed
  // (or for a viewer who is not reading it) they are shown, not offered for editing.
  const editable = Boolean(onConfirm) && !signed;

  return (
    <div className="ecg" data-testid="ecg-viewer">
      <div className="toolbar" role="toolbar" aria-label={t('ecg.tools')}>
        <span className="inline">
          <span>{t('ecg.zoom')}</span>
          {ZOOMS.map((z) => (
            <button key={z} type="button" className="tool" aria-pressed={zoom === z} onClick={() => setZoom(z)}>
              {Math.round(z * 100)}%
            </button>
          ))}
        </span>
        <button
          type="button"
          className="tool"
          aria-pressed={calipers}
          onClick={() => setCalipers((c) => !c)}
          data-testid="calipers-toggle"
        >
          {t('ecg.calipers')}
        </button>
        <span className="muted small">{t('ecg.paperSpeed')}</span>
      </div>
      {/* The previous recording above, at the same zoom: the same millimetres on both papers. */}
      <EcgPrior studyUid={studyUid} zoom={zoom} load={loadEcg} />
      <div className="ecg-body">
        <div
          className="ecg-paper-wrap"
          tabIndex={0}
          onKeyDown={onKey}
          aria-describedby={`${ids}-keys`}
          aria-label={t('ecg.paperLabel', {
            leads: rhythm.leads.length,
            seconds: number(rhythm.durationSeconds),
          })}
          role="group"
        >
          <svg
            ref={svg}
            className={calipers ? 'ecg-paper calipers' : 'ecg-paper'}
            data-testid="ecg-paper"
            data-px-per-mm={pxPerMm.toFixed(4)}
            data-zoom={zoom}
            data-mm-per-s={MM_PER_SECOND}
            data-mm-per-mv={10}
            width={paper.widthMm * pxPerMm}
            height={paper.heightMm * pxPerMm}
            viewBox={`0 0 ${paper.widthMm} ${paper.heightMm}`}
            onPointerDown={onPointerDown}
            onPointerMove={onPointerMove}
            aria-hidden="true"
          >
            <defs>
              <pattern id={`${ids}-small`} width="1" height="1" patternUnits="userSpaceOnUse">
                <path d="M1 0L0 0 0 1" fill="none" stroke="#f3b8b8" strokeWidth="0.05" />
              </pattern>
              <pattern id={`${ids}-big`} width="5" height="5" patternUnits="userSpaceOnUse">
                <rect width="5" height="5" fill={`url(#${ids}-small)`} />
                <path d="M5 0L0 0 0 5" fill="none" stroke="#e57f7f" strokeWidth="0.12" />
              </pattern>
            </defs>
            <rect width={paper.widthMm} height={paper.heightMm} fill="#fff8f6" />
            <rect width={paper.widthMm} height={paper.heightMm} fill={`url(#${ids}-big)`} />
            {paper.rows.map((r, i) => (
              <path
                key={`cal-${i}`}
                d={calibrationPath(r.y)}
                className="cal-pulse"
                data-testid={i === 0 ? 'cal-pulse' : undefined}
                fill="none"
                stroke="#111"
                strokeWidth="0.25"
              />
            ))}
            {paper.traces.map((tr, i) => (
              <g key={`${tr.label}-${i}`}>
                <path d={tracePath(tr, paper.fs)} fill="none" stroke="#111" strokeWidth="0.22" strokeLinejoin="round" />
                <text x={tr.x + 1} y={tr.y - rows * 0.6 + 4} fontSize="3" fill="#111">
                  {tr.label}
                </text>
                {tr.from > 0 && (
                  <path d={`M${tr.x} ${tr.y - 3}L${tr.x} ${tr.y + 3}`} stroke="#111" strokeWidth="0.25" />
                )}
              </g>
            ))}
            {marks &&
              marks.map((m, i) => (
                <line
                  key={i}
                  x1={m}
                  x2={m}
                  y1={TOP_MM}
                  y2={paper.heightMm}
                  stroke={i === active ? '#0b5f6e' : '#1565c0'}
                  strokeWidth="0.3"
                  strokeDasharray="1 0.6"
                />
              ))}
          </svg>
        </div>
        <aside className="ecg-side" aria-labelledby={`${ids}-mh`}>
          {calipers && (
            <p className="caliper-readout" role="status" data-testid="caliper-readout" data-ms={Math.round(span)}>
              {marks && span > 0
                ? t('ecg.caliperValue', { ms: Math.round(span), bpm: Math.round(60000 / span) })
                : t('ecg.caliperHint')}
            </p>
          )}
          <h2 id={`${ids}-mh`}>{t('ecg.measurements')}</h2>
          <p className="muted small" data-testid="ecg-measures-note">
            {signed ? t('ecg.signedNote') : editable ? t('ecg.measuredNote') : t('ecg.measuredOnlyNote')}
          </p>
          <table className="measures">
            <thead>
              <tr>
                <th scope="col">{t('ecg.measure')}</th>
                <th scope="col">{t('ecg.measured')}</th>
                <th scope="col">{t('ecg.device')}</th>
                <th scope="col">{t('ecg.confirmedValue')}</th>
              </tr>
            </thead>
            <tbody>
              {MEASURES.map((key) => {
                const v = measured[key];
                return (
                  <tr key={key}>
                    <th scope="row">
                      {t(`ecg.m.${key}`)} <span className="muted small">({unit(key)})</span>
                    </th>
                    <td data-testid={`ecg-${key}`} data-value={v === undefined ? '' : v.toFixed(1)}>
                      {fmt(key, v)}
                    </td>
                    <td>{fmt(key, deviceValue(ecg, key))}</td>
                    <td>
                      {!editable ? (
                        <span
                          className="num"
                          data-testid={`ecg-confirm-${key}`}
                          data-source={saved(key) !== undefined ? 'saved' : 'measured'}
                        >
                          {confirmedLoading ? '' : valueOf(key) || '—'}
                        </span>
                      ) : (
                        <input
                          className="num"
                          inputMode="numeric"
                          aria-label={`${t(`ecg.m.${key}`)} · ${t('ecg.confirmedValue')}`}
                          value={confirmedLoading ? '' : valueOf(key)}
                          disabled={confirmedLoading}
                          aria-invalid={invalid(key) || undefined}
                          data-testid={`ecg-confirm-${key}`}
                          data-source={
                            confirmedLoading
                              ? 'loading'
                              : edits[key] !== undefined
                                ? 'typed'
                                : saved(key) !== undefined
                                  ? 'saved'
                                  : 'measured'
                          }
                          onChange={(e) => {
                            setEdits((x) => ({ ...x, [key]: e.target.value }));
                            setConfirmed(null);
                          }}
                        />
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
          {editable && (
            <button
              type="button"
              onClick={confirm}
              disabled={confirmedLoading || MEASURES.some(invalid)}
              data-testid="ecg-confirm"
            >
              {t('ecg.confirm')}
            </button>
          )}
          {confirmedLoading && (
            <p className="muted small" role="status">
              {t('ecg.savedLoading')}
            </p>
          )}
          {confirmed ? (
            <p className="ok" role="status">
              {t('ecg.confirmedNote')}
            </p>
          ) : (
            hasSaved &&
            editable &&
            !confirmedLoading && (
              <p className="muted small" data-testid="ecg-saved-note">
                {t('ecg.savedNote')}
              </p>
            )
          )}
          {ecg.statements.length > 0 && (
            <>
              <h3>{t('ecg.deviceStatements')}</h3>
              <ul className="statements">
                {ecg.statements.map((s, i) => (
                  <li key={i}>{s}</li>
                ))}
              </ul>
            </>
          )}
          <p className="muted small">
            {t('ecg.recording', {
              leads: rhythm.leads.length,
              hz: rhythm.samplingFrequency,
              seconds: number(rhythm.durationSeconds),
              beats: measured.beats,
            })}
          </p>
        </aside>
      </div>
      <p id={`${ids}-keys`} className="hint">
        {t('ecg.keys')}
      </p>
    </div>
  );
}
