import type { ReferralDetailView } from '@zhiyin/contracts';
import type { ReferralEventType } from '@zhiyin/workflow';
import { useCallback, useEffect, useRef, useState } from 'react';
import { useRealtime, useWatchReferral } from '../../lib/realtime';
import { getReferral, takePrefetchedReferral } from './api';

/** How long a step taken here waits for its own live event before that event would be read as news. */
const ECHO_WINDOW_MS = 15_000;
/** Live events that arrive together (a submission and the offer the router makes) are read once. */
const BURST_MS = 150;

export interface LiveReferral {
  data: ReferralDetailView | undefined;
  error: unknown;
  loading: boolean;
  /**
   * Takes a step on this screen: `run` sends it. Afterwards the referral shown is what `referralOf` finds in
   * the API's answer, or else it is read once; the live event the step causes (one of `events`) is not read
   * a second time. A refused step reads the referral again (it may have moved on) and throws the refusal.
   */
  step<T>(
    events: readonly ReferralEventType[],
    run: () => Promise<T>,
    referralOf?: (answer: T) => ReferralDetailView,
  ): Promise<T>;
  /** Reads the referral again now (a refused step: it may have moved on meanwhile). */
  reload(): void;
}

/**
 * One referral for a whole screen and its panels: read once when the screen opens (GET /api/referrals/:id,
 * one audited read), then once per change: when a live event for it arrives, or after a step taken here.
 * A live event missed while offline comes back through the realtime catch-up and is read like any other.
 */
export function useLiveReferral(id: string): LiveReferral {
  const [state, setState] = useState<{ data: ReferralDetailView | undefined; error: unknown; loading: boolean }>({
    data: undefined,
    error: undefined,
    loading: true,
  });
  const inFlight = useRef<AbortController>(undefined);
  const burst = useRef<ReturnType<typeof setTimeout>>(undefined);
  // Steps taken here whose live event has not come back yet.
  const awaited = useRef<{ events: readonly ReferralEventType[]; until: number }[]>([]);

  const load = useCallback(() => {
    clearTimeout(burst.current);
    inFlight.current?.abort();
    const ctrl = new AbortController();
    inFlight.current = ctrl;
    setState((s) => ({ ...s, loading: true }));
    // The page's first read may be on its way already (asked for while the app started: app/prefetch.ts).
    (takePrefetchedReferral(id) ?? getReferral(id, ctrl.signal)).then(
      (data) => {
        if (!ctrl.signal.aborted) setState((s) => ({ data: newer(s.data, data), error: undefined, loading: false }));
      },
      (error: unknown) => {
        if (!ctrl.signal.aborted) setState((s) => ({ data: s.data, error, loading: false }));
      },
    );
  }, [id]);

  useEffect(() => {
    awaited.current = [];
    setState({ data: undefined, error: undefined, loading: true });
    load();
    return () => {
      inFlight.current?.abort();
      clearTimeout(burst.current);
    };
  }, [load]);

  useWatchReferral(id);
  useRealtime(['referral.changed'], (_event, payload) => {
    if (payload.referralId !== id) return;
    const now = Date.now();
    awaited.current = awaited.current.filter((a) => a.until > now);
    const echo = awaited.current.findIndex((a) => (a.events as readonly string[]).includes(payload.event));
    if (echo >= 0) {
      awaited.current.splice(echo, 1);
      return;
    }
    clearTimeout(burst.current);
    burst.current = setTimeout(load, BURST_MS);
  });

  // A renamed reading centre: the referral it reads shows the new name (no referral event: read it again).
  const shown = useRef(state.data);
  shown.current = state.data;
  useRealtime(['reading_centre.changed'], (_event, payload) => {
    const r = shown.current;
    if (!r || r.direction !== 'up' || r.service !== payload.service) return;
    clearTimeout(burst.current);
    burst.current = setTimeout(load, BURST_MS);
  });

  const step = useCallback(
    async <T>(
      events: readonly ReferralEventType[],
      run: () => Promise<T>,
      referralOf?: (answer: T) => ReferralDetailView,
    ): Promise<T> => {
      // Expected before the step is sent: its live event may arrive before the API's answer does.
      const echo = { events, until: Date.now() + ECHO_WINDOW_MS };
      awaited.current.push(echo);
      let answer: T;
      try {
        answer = await run();
      } catch (err) {
        awaited.current = awaited.current.filter((a) => a !== echo);
        load();
        throw err;
      }
      if (referralOf) {
        const next = referralOf(answer);
        setState((s) => ({ ...s, data: newer(s.data, next), error: undefined }));
      } else load();
      return answer;
    },
    [load],
  );

  return { ...state, step, reload: load };
}

// A read and a step's answer may arrive out of order: the referral never goes back to an older version.
function newer(shown: ReferralDetailView | undefined, arrived: ReferralDetailView): ReferralDetailView {
  return shown && shown.id === arrived.id && shown.rowVersion > arrived.rowVersion ? shown : arrived;
}
