import type { Diagnosis, Icd10EntryView } from '@zhiyin/contracts';
import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { useI18n } from '../../i18n/i18n';

import { searchIcd10 } from './api';

/**
 * Diagnosis codes: a combobox searching ICD-10 by code or name, Chinese or English (↑↓ to move,
 * Enter to add), and the chosen codes as removable chips.
 */
export function Icd10Picker({
  value,
  onChange,
  disabled,
  inputRef,
}: {
  value: Diagnosis[];
  onChange: (v: Diagnosis[]) => void;
  disabled?: boolean;
  inputRef?: React.Ref<HTMLInputElement>;
}) {
  const { t, name } = useI18n();
  const id = useId();
  const [q, setQ] = useState('');
  const [results, setResults] = useState<Icd10EntryView[]>([]);
  const [open, setOpen] = useState(false);
  // No option is chosen until the reader moves to one: a pre-highlighted first option made ↓ + Enter add
  // the second code instead of the first.
  const [active, setActive] = useState(-1);
  const [searching, setSearching] = useState(false);
  const seq = useRef(0);

  useEffect(() => {
    const needle = q.trim();
    if (!needle) {
      setResults([]);
      return;
    }
    const n = ++seq.current;
    const ctrl = new AbortController();
    setSearching(true);
    const timer = setTimeout(() => {
      searchIcd10(needle, ctrl.signal).then(
        (r) => {
          if (n !== seq.current) return;
          setResults(r);
          setActive(-1);
          setOpen(true);
          setSearching(false);
        },
        () => n === seq.current && setSearching(false),
      );
    }, 150);
    return () => {
      clearTimeout(timer);
      ctrl.abort();
    };
  }, [q]);

  const label = (e: Icd10EntryView) => name(e.zh, e.en);
  const add = (e: Icd10EntryView) => {
    if (!value.some((d) => d.code === e.code)) onChange([...value, { code: e.code, label: label(e) }]);
    setQ('');
    setResults([]);
    setOpen(false);
  };
  const onKey = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'ArrowDown' && results.length) {
      setOpen(true);
      setActive((a) => Math.min(results.length - 1, a + 1));
    } else if (e.key === 'ArrowUp' && results.length) setActive((a) => Math.max(0, a - 1));
    else if (e.key === 'Enter' && open && results[active]) add(results[active]);
    else if (e.key === 'Escape' && open) setOpen(false);
    else return;
    e.preventDefault();
    e.stopPropagation();
  };

  const showList = open && results.length > 0;
  return (
    <div className="reading-icd">
      <label htmlFor={`${id}-q`}>{t('reading.diagnoses')}</label>
      {value.length > 0 && (
        <ul className="reading-chips" aria-label={t('reading.chosenDiagnoses')} data-testid="diagnoses">
          {value.map((d) => (
            <li key={d.code} data-code={d.code}>
              <span className="mono">{d.code}</span> {d.label}
              {!disabled && (
                <button
                  type="button"
                  className="reading-chip-remove"
                  aria-label={t('reading.removeDiagnosis', { code: d.code })}
                  onClick={() => onChange(value.filter((x) => x.code !== d.code))}
                >
                  ×
                </button>
              )}
            </li>
          ))}
        </ul>
      )}
      {!disabled && (
        <div className="reading-combo">
          <input
            id={`${id}-q`}
            ref={inputRef}
            role="combobox"
            aria-expanded={showList}
            aria-controls={`${id}-list`}
            aria-autocomplete="list"
            aria-activedescendant={showList && active >= 0 ? `${id}-opt-${active}` : undefined}
            aria-describedby={`${id}-hint`}
            value={q}
            placeholder={t('reading.icdPlaceholder')}
            onChange={(e) => setQ(e.target.value)}
            onKeyDown={onKey}
            onFocus={() => results.length && setOpen(true)}
            onBlur={() => setTimeout(() => setOpen(false), 150)}
            autoComplete="off"
            data-testid="icd-search"
          />
          {showList && (
            <ul id={`${id}-list`} role="listbox" className="reading-listbox" aria-label={t('reading.icdResults')}>
              {results.map((r, i) => (
                <li
                  key={r.code}
                  id={`${id}-opt-${i}`}
                  role="option"
                  aria-selected={i === active}
                  onMouseDown={(e) => {
                    e.preventDefault();
                    add(r);
                  }}
                  data-testid="icd-option"
                >
                  <span className="mono">{r.code}</span> {label(r)}
                  <span className="muted small">
                    {' '}
                    · {/* the term in the other language beside it */ name(r.en, r.zh)}
                  </span>
                </li>
              ))}
            </ul>
          )}
          <p id={`${id}-hint`} className="hint" aria-live="polite">
            {searching
              ? t('common.loading')
              : q.trim() && results.length === 0 && !searching
                ? t('reading.icdNone')
                : t('reading.icdHint')}
          </p>
        </div>
      )}
    </div>
  );
}
