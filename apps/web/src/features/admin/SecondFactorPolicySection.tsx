import { useEffect, useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import { api } from '../../lib/api';
import { ErrorMessage } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

const STAFF_ROLES = ['admin', 'coordinator', 'specialist', 'community_doctor'] as const;
type StaffRole = (typeof STAFF_ROLES)[number];

/** The administrator chooses the roles that must sign in with a second factor (GET/PUT /api/settings/second-factor). */
export function SecondFactorPolicySection() {
  const { t } = useI18n();
  const ids = useId();
  const [required, setRequired] = useState<StaffRole[]>();
  const { error, run, fail } = useAction();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    api<{ requiredRoles: StaffRole[] }>('/api/settings/second-factor').then((p) => setRequired(p.requiredRoles), fail);
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    return run(async () => {
      const p = await api<{ requiredRoles: StaffRole[] }>('/api/settings/second-factor', {
        method: 'PUT',
        body: { requiredRoles: required },
      });
      setRequired(p.requiredRoles);
      setSaved(true);
    });
  };

  return (
    <section aria-labelledby={`${ids}-h`}>
      <h2 id={`${ids}-h`}>{t('mfa.policyTitle')}</h2>
      <p className="muted">{t('mfa.policyHelp')}</p>
      {required && (
        <form onSubmit={(e) => void submit(e)} noValidate>
          <fieldset>
            <legend>{t('mfa.policyRoles')}</legend>
            {STAFF_ROLES.map((role) => (
              <label key={role} className="check">
                <input
                  type="checkbox"
                  checked={required.includes(role)}
                  onChange={(e) =>
                    setRequired(e.target.checked ? [...required, role] : required.filter((r) => r !== role))
                  }
                />{' '}
                {t(`role.${role}`)}
              </label>
            ))}
          </fieldset>
          <button type="submit">{t('mfa.policySave')}</button>
          {saved && (
            <p className="notice" role="status">
              {t('mfa.policySaved')}
            </p>
          )}
        </form>
      )}
      <ErrorMessage error={error} />
    </section>
  );
}
