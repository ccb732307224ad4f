import { useEffect, useId, useRef, useState } from 'react';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { useShortcuts } from './hooks';

export interface ShortcutDoc {
  keys: string;
  label: MessageKey;
}

/** A small popover listing the shortcuts of the screen; "?" opens it, Escape closes it. */
export function ShortcutHelp({ items }: { items: ShortcutDoc[] }) {
  const { t } = useI18n();
  const [open, setOpen] = useState(false);
  const id = useId();
  const button = useRef<HTMLButtonElement>(null);
  const panel = useRef<HTMLDivElement>(null);
  useShortcuts([{ key: '?', run: () => setOpen((o) => !o) }]);
  useEffect(() => {
    if (!open) return;
    panel.current?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (e: MouseEvent) => {
      if (!panel.current?.contains(e.target as Node) && !button.current?.contains(e.target as Node)) setOpen(false);
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('mousedown', onClick);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('mousedown', onClick);
    };
  }, [open]);
  return (
    <span className="reading-help">
      <button
        ref={button}
        type="button"
        className="secondary"
        aria-expanded={open}
        aria-controls={`${id}-panel`}
        onClick={() => setOpen((o) => !o)}
        data-testid="shortcuts-button"
      >
        {t('reading.shortcuts')} <kbd>?</kbd>
      </button>
      {open && (
        <div
          id={`${id}-panel`}
          ref={panel}
          className="reading-help-panel"
          role="dialog"
          aria-label={t('reading.shortcuts')}
          tabIndex={-1}
          data-testid="shortcuts"
        >
          <h2>{t('reading.shortcuts')}</h2>
          <dl>
            {items.map((s) => (
              <div key={`${s.keys} ${s.label}`}>
                <dt>
                  {s.keys.split(' ').map((k, i) => (
                    <kbd key={i}>{k}</kbd>
                  ))}
                </dt>
                <dd>{t(s.label)}</dd>
              </div>
            ))}
          </dl>
          <p className="hint">{t('reading.shortcutsNote')}</p>
        </div>
      )}
    </span>
  );
}
