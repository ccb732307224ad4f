import { useCallback, useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { flushSync } from 'react-dom';
import { useI18n } from '../i18n/i18n';
import { keepTabInside, returnFocusOnClose } from './focus';

// The app's own confirmation before a step that matters (WAI-ARIA alert dialog pattern), instead of
// the browser's window.confirm: drawn and worded like the rest of the app in its chosen language,
// modal (the page underneath is inert), the focus on the confirm button, Tab kept inside, Escape or
// "cancel" gives up, and the focus goes back to the button that asked.

export interface ConfirmRequest {
  /** a short question, the dialog's name */
  title: string;
  /** what happens on confirming, read out with the title */
  text: ReactNode;
  /** the confirm button: the action itself ("签署"), not "OK" */
  confirmLabel: string;
  /** the button that gives up; "取消" unless that would read like the action (cancelling a referral) */
  cancelLabel?: string;
  /** a step that cannot be undone: the confirm button is drawn as a warning */
  danger?: boolean;
}

/** Shown while mounted; `onClose(true)` once confirmed, `onClose(false)` when given up (Escape, cancel). */
export function ConfirmDialog({
  title,
  text,
  confirmLabel,
  cancelLabel,
  danger,
  children,
  onClose,
  testId = 'confirm-dialog',
  confirmTestId = 'confirm-ok',
}: ConfirmRequest & {
  /** more about what is confirmed, below the text */
  children?: ReactNode;
  onClose: (confirmed: boolean) => void;
  testId?: string;
  confirmTestId?: string;
}) {
  const { t } = useI18n();
  const id = useId();
  const ok = useRef<HTMLButtonElement>(null);
  const settled = useRef(false);
  const finish = (confirmed: boolean) => {
    if (settled.current) return;
    settled.current = true;
    onClose(confirmed);
  };
  // Opened as a modal when attached (after its buttons, so the confirm button can take the focus);
  // closed when detached, and the focus goes back to what had it before.
  const open = useCallback((el: HTMLDialogElement | null) => {
    if (!el) return undefined;
    const restore = returnFocusOnClose(el);
    el.showModal();
    ok.current?.focus();
    return () => {
      if (el.open) el.close();
      restore?.();
    };
  }, []);

  return (
    <dialog
      ref={open}
      className="confirm-dialog"
      role="alertdialog"
      aria-labelledby={`${id}-t`}
      aria-describedby={`${id}-d`}
      onKeyDown={(e) => {
        // Escape gives up at once, with the key itself, rather than when the browser's close event comes
        // later: a key pressed right after (Enter on the button again) finds the page as it will stay.
        if (e.key === 'Escape') {
          e.preventDefault();
          finish(false);
        } else keepTabInside(e, e.currentTarget);
      }}
      // Any other way it closes.
      onClose={() => finish(false)}
      data-testid={testId}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          finish(true);
        }}
      >
        <h2 id={`${id}-t`}>{title}</h2>
        <div id={`${id}-d`}>
          <p>{text}</p>
          {children}
        </div>
        <div className="actions">
          <button type="submit" ref={ok} className={danger ? 'danger' : undefined} data-testid={confirmTestId}>
            {confirmLabel}
          </button>
          <button type="button" className="secondary" onClick={() => finish(false)}>
            {cancelLabel ?? t('common.cancel')}
          </button>
        </div>
      </form>
    </dialog>
  );
}

/**
 * `await confirm({...})` where window.confirm was: resolves true once confirmed, false when given up.
 * Render the returned element anywhere in the component.
 */
export function useConfirm(): [(request: ConfirmRequest) => Promise<boolean>, ReactNode] {
  const [pending, setPending] = useState<{ request: ConfirmRequest; resolve: (ok: boolean) => void; key: number }>();
  const count = useRef(0);
  const current = useRef(pending);
  current.current = pending;
  // A page left with the question open: whoever asked gets "no".
  useEffect(() => () => current.current?.resolve(false), []);

  const confirm = useCallback(
    (request: ConfirmRequest) =>
      new Promise<boolean>((resolve) => {
        current.current?.resolve(false);
        setPending({ request, resolve, key: ++count.current });
      }),
    [],
  );
  const element = pending ? (
    <ConfirmDialog
      key={pending.key}
      {...pending.request}
      onClose={(ok) => {
        // Closed (and the focus back on its button) before the action starts, so the action's busy
        // state cannot leave the focus nowhere.
        flushSync(() => setPending(undefined));
        pending.resolve(ok);
      }}
    />
  ) : null;
  return [confirm, element];
}
