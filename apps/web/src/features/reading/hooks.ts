import { useEffect, useRef } from 'react';

/** A shortcut: a key (`n`, `?`, `Enter`) with `mod` for Ctrl (or ⌘ on a Mac). */
export interface Shortcut {
  key: string;
  mod?: boolean;
  /** Also while typing in a field (only sensible with `mod`). */
  inFields?: boolean;
  run: () => void;
}

function typing(target: EventTarget | null): boolean {
  const el = target as HTMLElement | null;
  if (!el || !el.tagName) return false;
  return el.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(el.tagName);
}

/**
 * Keyboard shortcuts while the component is mounted. Single keys are ignored while the reader types
 * in a field; Ctrl/⌘ combinations work everywhere. The list may change on every render.
 */
export function useShortcuts(shortcuts: Shortcut[]): void {
  const ref = useRef(shortcuts);
  ref.current = shortcuts;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.defaultPrevented || e.isComposing || e.altKey) return;
      const mod = e.ctrlKey || e.metaKey;
      for (const s of ref.current) {
        if (s.key.toLowerCase() !== e.key.toLowerCase() || Boolean(s.mod) !== mod) continue;
        if (!s.inFields && typing(e.target)) continue;
        e.preventDefault();
        s.run();
        return;
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}
