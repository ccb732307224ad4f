import type { KeyImageRef, KeyImageView, MarkKeyImageRequest } from '@zhiyin/contracts';
import { useCallback, useMemo } from 'react';
import { useAsync } from '../../lib/hooks';
import { listKeyImages, markKeyImage, removeKeyImage } from './api';

export interface KeyImagesState {
  list: KeyImageView[];
  loading: boolean;
  error: unknown;
  /** the frames marked, for the viewer to show as key images */
  refs: KeyImageRef[];
  mark(req: MarkKeyImageRequest): Promise<KeyImageView>;
  remove(id: string): Promise<void>;
  reload(): void;
}

/**
 * The key images of a referral's report, shared by the viewer (which marks them) and the report form (which lists
 * them): one list, read again after every change so both show what the server holds.
 */
export function useKeyImages(referralId: string): KeyImagesState {
  const state = useAsync((signal) => listKeyImages(referralId, signal), [referralId]);
  const { reload } = state;
  const list = useMemo(() => state.data ?? [], [state.data]);
  const refs = useMemo(() => list.map((k) => ({ sopInstanceUid: k.sopInstanceUid, frame: k.frame })), [list]);
  const mark = useCallback(
    async (req: MarkKeyImageRequest) => {
      try {
        return await markKeyImage(referralId, req);
      } finally {
        reload();
      }
    },
    [referralId, reload],
  );
  const remove = useCallback(
    async (id: string) => {
      try {
        await removeKeyImage(referralId, id);
      } finally {
        reload();
      }
    },
    [referralId, reload],
  );
  return { list, loading: state.loading, error: state.error, refs, mark, remove, reload };
}
