import { useEffect, useRef, useSyncExternalStore } from 'react';
import { storedFor, uploadQueue } from './queue';

/** Coalesces a burst of finished uploads (three run at once) into one read. */
const SETTLE_MS = 300;

/**
 * Calls `onStored` once the uploads for a referral have stored more files (a burst of them read once),
 * so a screen can read the referral's studies again while the upload goes on, not only after a reload.
 */
export function useStoredUploads(referralId: string, onStored: () => void): void {
  const stored = useSyncExternalStore(uploadQueue.subscribe, () => storedFor(uploadQueue.items(), referralId));
  const seen = useRef(stored);
  const callback = useRef(onStored);
  callback.current = onStored;
  useEffect(() => {
    if (stored <= seen.current) {
      seen.current = stored;
      return;
    }
    seen.current = stored;
    const timer = setTimeout(() => callback.current(), SETTLE_MS);
    return () => clearTimeout(timer);
  }, [stored]);
}
