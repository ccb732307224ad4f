import { useState, type ReactNode } from 'react';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { useErrorText, type ErrorWording } from '../../lib/errors';
import { useAction } from '../../lib/useAction';
import { zh } from './messages';

/** A message key of this area, if the dictionary has it (for keys built from API vocabulary). */
export function adminKey(key: string): MessageKey | undefined {
  return key in zh ? (key as MessageKey) : undefined;
}

/** The field an API refusal names (`details.fields[0]`, first word), if any. */
export function errorField(err: unknown): string | undefined {
  if (!(err instanceof ApiError)) return undefined;
  const fields = err.details?.fields;
  if (!Array.isArray(fields) || typeof fields[0] !== 'string') return undefined;
  return fields[0].split(/[ .]/)[0];
}

/**
 * An admin editor's sending and its errors: busy while it sends (one send at a time), errors per field
 * (shown at the field, the first one focused) and for the form as a whole. `ids` is the editor's
 * useId() prefix of its fields' ids; `fields` the fields an API refusal may name.
 */
export function useFieldErrors<K extends string>(ids: string, fields: readonly K[] | Record<K, unknown>) {
  const errorText = useErrorText(ADMIN_ERRORS);
  const [errors, setErrors] = useState<Partial<Record<K, string>>>({});
  const { busy, error, run, reset } = useAction();
  const focus = (field: string) => document.getElementById(`${ids}-${field}`)?.focus();
  const known = (field: string | undefined): field is K =>
    field !== undefined && (Array.isArray(fields) ? fields.includes(field) : field in fields);
  return {
    busy,
    errors,
    /** the refusal of the form as a whole: one that names no field of this form */
    submitError: known(errorField(error)) ? undefined : error,
    /** Shows the errors found before sending; true when there are any (the first field is focused). */
    refuse: (found: Partial<Record<K, string>>): boolean => {
      setErrors(found);
      reset();
      const first = Object.keys(found)[0];
      if (first) focus(first);
      return first !== undefined;
    },
    /** Sends: an API refusal is shown at the field it names (focused), or for the whole form. */
    send: (fn: () => Promise<unknown>): Promise<boolean> =>
      run(async () => {
        try {
          await fn();
        } catch (err) {
          const field = errorField(err);
          if (known(field)) {
            setErrors({ [field]: errorText(err) } as Partial<Record<K, string>>);
            focus(field);
          }
          throw err;
        }
      }),
  };
}

/** What the admin screens say of the API's reasons beyond the common texts. */
export const ADMIN_ERRORS: ErrorWording = { reasonKeys: ['admin.reason.', 'admin.users.password.'] };

/** The outcome of the last action, announced politely. */
export function StatusNote({ text }: { text: string | null }) {
  return (
    <p className={text ? 'notice admin-status' : 'admin-status'} role="status">
      {text ?? ''}
    </p>
  );
}

/** A labelled control with an optional hint and error, wired with aria-describedby. */
export function Field({
  id,
  label,
  hint,
  error,
  children,
}: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: (a11y: { id: string; 'aria-invalid'?: true; 'aria-describedby'?: string }) => ReactNode;
}) {
  const describedBy = [hint ? `${id}-hint` : '', error ? `${id}-err` : ''].filter(Boolean).join(' ') || undefined;
  return (
    <div className={`field${error ? ' invalid' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children({ id, ...(error ? { 'aria-invalid': true as const } : {}), 'aria-describedby': describedBy })}
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-err`}>
          {error}
        </p>
      )}
    </div>
  );
}

/**
 * An editor's buttons: save, cancel and, for a record that exists, activate or deactivate it, with
 * deactivation confirmed in place first. `toggle` is left out where the record cannot be switched.
 */
export function EditorActions({
  busy,
  onCancel,
  toggle,
}: {
  busy: boolean;
  onCancel: () => void;
  toggle?: {
    active: boolean;
    confirming: boolean;
    setConfirming: (confirming: boolean) => void;
    onToggle: () => void;
    activate: string;
    deactivate: string;
    confirmText: string;
  };
}) {
  const { t } = useI18n();
  return (
    <>
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? t('common.saving') : t('common.save')}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t('common.cancel')}
        </button>
        {toggle && !toggle.confirming && (
          <button
            type="button"
            className={toggle.active ? 'secondary admin-danger' : 'secondary'}
            disabled={busy}
            onClick={() => (toggle.active ? toggle.setConfirming(true) : toggle.onToggle())}
          >
            {toggle.active ? toggle.deactivate : toggle.activate}
          </button>
        )}
      </div>
      {toggle?.confirming && (
        <div className="warning admin-confirm" role="alert">
          <p>{toggle.confirmText}</p>
          <div className="actions">
            <button type="button" className="admin-danger-solid" disabled={busy} onClick={toggle.onToggle}>
              {toggle.deactivate}
            </button>
            <button type="button" className="secondary" onClick={() => toggle.setConfirming(false)}>
              {t('common.cancel')}
            </button>
          </div>
        </div>
      )}
    </>
  );
}
