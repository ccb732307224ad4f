import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { UserView } from '@zhiyin/contracts';
import { passwordProblem } from '@zhiyin/workflow';
import { useI18n } from '../../i18n/i18n';
import { resetPassword } from './api';
import { adminKey, Field, useAdminErrorText } from './shared';

/** The administrator sets a new password for an account (handed over in person); its sign-ins end. */
export function UserPasswordReset({
  user,
  onCancel,
  onDone,
}: {
  user: UserView;
  onCancel: () => void;
  onDone: (text: string) => void;
}) {
  const { t, name } = useI18n();
  const errorText = useAdminErrorText();
  const ids = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const who = name(user.displayNameZh, user.displayNameEn);
  useEffect(() => heading.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problem = passwordProblem(password, user.username);
    if (problem) {
      setError(t(adminKey(`admin.users.password.${problem}`) ?? 'admin.required'));
      document.getElementById(`${ids}-password`)?.focus();
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      await resetPassword(user.id, password);
      onDone(t('admin.users.passwordReset', { name: who }));
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };

  return (
    <section className="card admin-editor" aria-labelledby={`${ids}-title`}>
      <h2 id={`${ids}-title`} ref={heading} tabIndex={-1}>
        {t('admin.users.resetTitle', { name: who })}
      </h2>
      <p className="muted">{t('admin.users.resetNote')}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <Field
          id={`${ids}-password`}
          label={t('admin.users.newPassword')}
          hint={t('admin.users.passwordHint')}
          error={error}
        >
          {(a11y) => (
            <input
              {...a11y}
              name="newPassword"
              type="password"
              autoComplete="new-password"
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          )}
        </Field>
        <div className="actions">
          <button type="submit" disabled={busy}>
            {busy ? t('common.saving') : t('admin.users.resetPassword')}
          </button>
          <button type="button" className="secondary" onClick={onCancel}>
            {t('common.cancel')}
          </button>
        </div>
      </form>
    </section>
  );
}
