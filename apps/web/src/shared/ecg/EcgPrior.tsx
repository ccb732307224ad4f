import type { EcgWaveforms } from '@zhiyin/dicom';
import { useEffect, useId, useMemo, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { findPriorEcg, type PriorEcg } from './load';
import { calibrationPath, CSS_PX_PER_MM, layoutPaper, MM_PER_SECOND, tracePath } from './paper';

/**
 * The patient's previous ECG above the current one, on the same paper and at the same zoom (25 mm/s, 10 mm/mV): a
 * serial comparison is how a reader tells a "new" change from an "old" one. Shown only when there is one; read-only.
 */
export function EcgPrior({
  studyUid,
  zoom,
  load,
}: {
  studyUid: string;
  zoom: number;
  /** reads and decodes a stored ECG instance (the viewer's own loader) */
  load: (studyUid: string, seriesUid: string, sopUid: string, signal: AbortSignal) => Promise<EcgWaveforms>;
}) {
  const { t, name } = useI18n();
  const ids = useId();
  const [prior, setPrior] = useState<PriorEcg | null>(null);
  const [ecg, setEcg] = useState<EcgWaveforms>();
  useEffect(() => {
    const ctrl = new AbortController();
    setPrior(null);
    setEcg(undefined);
    findPriorEcg(studyUid, ctrl.signal)
      .then(async (found) => {
        if (!found || ctrl.signal.aborted) return;
        setPrior(found);
        const waveforms = await load(found.study.studyInstanceUid, found.seriesUid, found.sopUid, ctrl.signal);
        if (!ctrl.signal.aborted) setEcg(waveforms);
      })
      // No prior (or one that cannot be read) leaves the current ECG alone on the screen.
      .catch(() => undefined);
    return () => ctrl.abort();
  }, [studyUid, load]);
  const paper = useMemo(() => {
    const rhythm =
      ecg?.groups.find((g) => /RHYTHM/i.test(g.label ?? '')) ??
      ecg?.groups.find((g) => g.durationSeconds >= 5) ??
      ecg?.groups[0];
    if (!rhythm) return undefined;
    const leads = new Map<string, Float32Array>();
    for (const l of rhythm.leads) if (!leads.has(l.label)) leads.set(l.label, l.microvolts);
    return layoutPaper(leads, rhythm.samplingFrequency, rhythm.durationSeconds);
  }, [ecg]);
  if (!prior) return null;
  // The study date as stored (a calendar day, not a moment: no time zone moves it).
  const when = prior.study.studyDate ?? t('ecg.prior.noDate');
  const pxPerMm = CSS_PX_PER_MM * zoom;
  return (
    <section className="ecg-prior" aria-labelledby={`${ids}-h`} data-testid="ecg-prior">
      <h3 id={`${ids}-h`} className="small-title" data-testid="ecg-prior-title">
        {t('ecg.prior.title', { date: when })}{' '}
        <span className="muted small">{name(prior.study.centreName, prior.study.centreNameEn)}</span>
      </h3>
      {!paper ? (
        <p className="loading" role="status">
          {t('ecg.loading')}
        </p>
      ) : (
        <div className="ecg-paper-wrap">
          <svg
            className="ecg-paper"
            data-testid="ecg-prior-paper"
            data-px-per-mm={pxPerMm.toFixed(4)}
            data-mm-per-s={MM_PER_SECOND}
            data-mm-per-mv={10}
            width={paper.widthMm * pxPerMm}
            height={paper.heightMm * pxPerMm}
            viewBox={`0 0 ${paper.widthMm} ${paper.heightMm}`}
            role="img"
            aria-label={t('ecg.prior.title', { date: when })}
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
              <path key={`cal-${i}`} d={calibrationPath(r.y)} fill="none" stroke="#111" strokeWidth="0.25" />
            ))}
            {paper.traces.map((tr, i) => (
              <g key={`${tr.label}-${i}`}>
                <path d={tracePath(tr, paper.fs)} fill="none" stroke="#333" strokeWidth="0.22" strokeLinejoin="round" />
                <text x={tr.x + 1} y={tr.y - 14} fontSize="3" fill="#111">
                  {tr.label}
                </text>
              </g>
            ))}
          </svg>
        </div>
      )}
    </section>
  );
}
