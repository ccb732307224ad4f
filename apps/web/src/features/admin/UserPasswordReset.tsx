import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { UserView } from '@zhiyin/contracts';
import { passwordProblem } from '@zhiyin/workflow';
import { useI18n } from '../../i18n/i18n';
import { resetPassword } from './api';
import { ADMIN_ERRORS, adminKey, Field } from './shared';
import { useErrorText } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

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
  const errorText = useErrorText(ADMIN_ERRORS);
  const ids = useId();
  const heading = useRef<HTMLHeadingElement>(null);
  const [password, setPassword] = useState('');
  // A password the rules refuse before sending; the server's refusal is the action's error.
  const [passwordError, setPasswordError] = useState<string>();
  const { busy, error, run } = useAction();
  const who = name(user.displayNameZh, user.displayNameEn);
  useEffect(() => heading.current?.focus(), []);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const problem = passwordProblem(password, user.username);
    setPasswordError(problem ? t(adminKey(`admin.users.password.${problem}`) ?? 'admin.required') : undefined);
    if (problem) {
      document.getElementById(`${ids}-password`)?.focus();
      return;
    }
    return run(async () => {
      await resetPassword(user.id, password);
      onDone(t('admin.users.passwordReset', { name: who }));
    });
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
          error={passwordError ?? (error === undefined ? undefined : errorText(error))}
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
