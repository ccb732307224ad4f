import type { KeyImageRef, KeyImageView, MarkKeyImageRequest } from '@zhiyin/contracts';
import { useCallback, useEffect, useMemo, useState } from 'react';

/** The calls the list needs (the caller's API client: this folder stays free of the app's session and i18n). */
export interface KeyImagesClient {
  list(referralId: string, signal?: AbortSignal): Promise<KeyImageView[]>;
  mark(referralId: string, req: MarkKeyImageRequest): Promise<KeyImageView>;
  remove(referralId: string, keyImageId: string): Promise<void>;
}

export interface KeyImagesState {
  list: KeyImageView[];
  loading: boolean;
  error: unknown;
  /** the frames marked, for the viewer to show as key images */
  refs: KeyImageRef[];
  mark: (req: MarkKeyImageRequest) => Promise<KeyImageView>;
  remove: (id: string) => Promise<void>;
  reload: () => void;
}

/**
 * The key images of a referral's report, shared by the viewer (which marks them) and the report form (which lists
 * them): one list, read again after every change so both show what the server holds.
 */
export function useKeyImages(referralId: string, client: KeyImagesClient): KeyImagesState {
  const [state, setState] = useState<{ list: KeyImageView[]; loading: boolean; error: unknown }>({
    list: [],
    loading: true,
    error: undefined,
  });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    const ctrl = new AbortController();
    setState((s) => ({ ...s, loading: true, error: undefined }));
    client.list(referralId, ctrl.signal).then(
      (list) => {
        if (!ctrl.signal.aborted) setState({ list, loading: false, error: undefined });
      },
      (error: unknown) => {
        if (!ctrl.signal.aborted) setState((s) => ({ ...s, loading: false, error }));
      },
    );
    return () => ctrl.abort();
  }, [referralId, client, tick]);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  const refs = useMemo(
    () => state.list.map((k) => ({ sopInstanceUid: k.sopInstanceUid, frame: k.frame })),
    [state.list],
  );
  const mark = useCallback(
    async (req: MarkKeyImageRequest) => {
      try {
        return await client.mark(referralId, req);
      } finally {
        reload();
      }
    },
    [referralId, client, reload],
  );
  const remove = useCallback(
    async (id: string) => {
      try {
        await client.remove(referralId, id);
      } finally {
        reload();
      }
    },
    [referralId, client, reload],
  );
  return { ...state, refs, mark, remove, reload };
}
