import { useEffect, useId, useState, type FormEvent } from 'react';
import { useI18n } from '../../i18n/i18n';
import type { StaffRole } from '@zhiyin/workflow';
import { ErrorMessage } from '../../lib/errors';
import { useAction } from '../../lib/useAction';
import { getSecondFactorPolicy, putSecondFactorPolicy } from './api';

// The roles as the administrator reads them here: the most powerful account first.
const ROLE_ORDER: readonly StaffRole[] = ['admin', 'coordinator', 'specialist', 'community_doctor'];

/** The administrator chooses the roles that must sign in with a second factor (GET/PUT /api/settings/second-factor). */
export function SecondFactorPolicySection() {
  const { t } = useI18n();
  const ids = useId();
  const [required, setRequired] = useState<readonly StaffRole[]>();
  const { error, run, fail } = useAction();
  const [saved, setSaved] = useState(false);

  useEffect(() => {
    getSecondFactorPolicy().then((p) => setRequired(p.requiredRoles), fail);
  }, []);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSaved(false);
    return run(async () => {
      const p = await putSecondFactorPolicy({ requiredRoles: required ?? [] });
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
            {ROLE_ORDER.map((role) => (
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
