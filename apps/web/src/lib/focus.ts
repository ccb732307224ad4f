import type { KeyboardEvent } from 'react';

// Keyboard focus around dialogs and forms that open in place (WAI-ARIA dialog and disclosure patterns).

const TABBABLE = 'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])';

/** Tab and Shift+Tab wrap around inside a modal dialog instead of leaving the page's content. */
export function keepTabInside(e: KeyboardEvent, container: HTMLElement | null): void {
  if (e.key !== 'Tab' || !container) return;
  const items = [...container.querySelectorAll<HTMLElement>(TABBABLE)].filter(
    (el) => !el.matches(':disabled') && el.tabIndex >= 0 && el.getClientRects().length > 0,
  );
  if (items.length === 0) return;
  const first = items[0]!;
  const last = items[items.length - 1]!;
  const at = document.activeElement;
  if (e.shiftKey && (at === first || !container.contains(at))) {
    e.preventDefault();
    last.focus();
  } else if (!e.shiftKey && (at === last || !container.contains(at))) {
    e.preventDefault();
    first.focus();
  }
}

/**
 * A ref for a form or panel opened by a button: when it closes while holding the focus (cancelled,
 * done), the focus goes back to what opened it instead of being lost at the top of the page.
 */
export function returnFocusOnClose(el: HTMLElement | null): (() => void) | undefined {
  if (!el) return undefined;
  const at = document.activeElement;
  const opener = at instanceof HTMLElement && at !== document.body ? at : null;
  return () => {
    // Still on the page here (React detaches refs before removing the elements), and if not, the focus is already lost.
    const at = document.activeElement;
    const held = !at || at === document.body || el.contains(at);
    if (opener && held && opener.isConnected) opener.focus();
  };
}

/** A ref for a modal overlay: everything beside it is inert (no focus, no clicks, not read out) while it is shown. */
export function inertSiblings(el: HTMLElement | null): (() => void) | undefined {
  if (!el) return undefined;
  const others = [...(el.parentElement?.children ?? [])].filter(
    (c): c is HTMLElement => c !== el && c instanceof HTMLElement && !c.inert,
  );
  for (const o of others) o.inert = true;
  return () => {
    for (const o of others) o.inert = false;
  };
}
