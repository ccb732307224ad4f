import type { Diagnosis, EcgReportMeasurements, ReportView } from '@zhiyin/contracts';
import type { Disposition } from '@zhiyin/workflow';
import { useCallback, useEffect, useRef, useState } from 'react';
import { getReport as loadReport } from '../../shared/referrals/report';
import { saveReport } from './api';

export interface Draft {
  findings: string;
  impression: string;
  diagnoses: Diagnosis[];
  disposition: Disposition | null;
  measurements: EcgReportMeasurements | null;
}

export type SaveStatus = 'idle' | 'dirty' | 'saving' | 'saved' | 'failed';

const EMPTY: Draft = { findings: '', impression: '', diagnoses: [], disposition: null, measurements: null };
const AUTOSAVE_MS = 800;

function fromView(v: ReportView | null): Draft {
  if (!v) return EMPTY;
  return {
    findings: v.findings,
    impression: v.impression,
    diagnoses: [...(v.diagnoses ?? [])],
    disposition: v.disposition,
    measurements: v.measurements,
  };
}

/**
 * The report as the reader types it: every change is saved shortly after typing stops (one save
 * at a time; a change during a save is saved right after it), with the status to show.
 */
export function useReportDraft(referralId: string, editable: boolean) {
  const [view, setView] = useState<ReportView | null>(null);
  const [loaded, setLoaded] = useState(false);
  const [loadError, setLoadError] = useState<unknown>();
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [status, setStatus] = useState<SaveStatus>('idle');
  const [saveError, setSaveError] = useState<unknown>();
  const latest = useRef(draft);
  const dirty = useRef(false);
  const inFlight = useRef<Promise<boolean> | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);

  const reload = useCallback(() => {
    const ctrl = new AbortController();
    loadReport(referralId, ctrl.signal).then(
      (v) => {
        setView(v);
        if (!dirty.current) {
          const d = fromView(v);
          latest.current = d;
          setDraft(d);
        }
        setLoaded(true);
      },
      (err: unknown) => {
        if (!ctrl.signal.aborted) {
          setLoadError(err);
          setLoaded(true);
        }
      },
    );
    return () => ctrl.abort();
  }, [referralId]);
  useEffect(() => {
    dirty.current = false;
    setStatus('idle');
    return reload();
  }, [reload]);

  const saveNow = useCallback(async (): Promise<boolean> => {
    clearTimeout(timer.current);
    if (inFlight.current) await inFlight.current;
    if (!dirty.current) return true;
    dirty.current = false;
    const d = latest.current;
    setStatus('saving');
    const run = saveReport(referralId, {
      findings: d.findings,
      impression: d.impression,
      diagnoses: d.diagnoses,
      ...(d.disposition ? { disposition: d.disposition } : {}),
      ...(d.measurements ? { measurements: d.measurements } : {}),
    }).then(
      (v) => {
        setView(v);
        setSaveError(undefined);
        setStatus(dirty.current ? 'dirty' : 'saved');
        return true;
      },
      (err: unknown) => {
        dirty.current = true;
        setSaveError(err);
        setStatus('failed');
        return false;
      },
    );
    inFlight.current = run;
    const ok = await run;
    inFlight.current = null;
    return ok;
  }, [referralId]);

  const update = useCallback(
    (patch: Partial<Draft>) => {
      if (!editable) return;
      const d = { ...latest.current, ...patch };
      latest.current = d;
      dirty.current = true;
      setDraft(d);
      setStatus('dirty');
      clearTimeout(timer.current);
      timer.current = setTimeout(() => void saveNow(), AUTOSAVE_MS);
    },
    [editable, saveNow],
  );

  // Leaving the page saves what was typed since the last save.
  useEffect(
    () => () => {
      clearTimeout(timer.current);
      if (dirty.current) void saveNow();
    },
    [saveNow],
  );

  return { view, setView, loaded, loadError, draft, update, status, saveError, saveNow, reload };
}
