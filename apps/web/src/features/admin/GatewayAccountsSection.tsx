import type { FacilityView, NewServiceAccount, ServiceAccountView } from '@zhiyin/contracts';
import { useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useAsync } from '../../lib/hooks';
import { listServiceAccounts, revokeServiceAccount } from './api';
import { GatewayAccountEditor } from './GatewayAccountEditor';
import { GatewayCredential } from './GatewayCredential';
import { ADMIN_ERRORS } from './shared';
import { ErrorMessage } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

/**
 * The community centres' gateway accounts. A gateway signs in with a credential, never a person's password; the
 * credential is shown once, when the account is made (only its hash is kept), and revoking stops it at once.
 */
export function GatewayAccountsSection({
  facilities,
  onStatus,
}: {
  facilities: readonly FacilityView[];
  onStatus: (text: string) => void;
}) {
  const { t, name, dateTime } = useI18n();
  const accounts = useAsync((signal) => listServiceAccounts(signal), []);
  const [adding, setAdding] = useState(false);
  const [made, setMade] = useState<NewServiceAccount | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const { error, run } = useAction();
  const facilityName = (id: string) => {
    const f = facilities.find((x) => x.id === id);
    return f ? name(f.nameZh, f.nameEn) : '—';
  };
  const revoke = (a: ServiceAccountView) => {
    return run(async () => {
      await revokeServiceAccount(a.id);
      setConfirming(null);
      onStatus(t('admin.devices.gateways.revoked', { name: a.name }));
      accounts.reload();
    });
  };
  const list = accounts.data ?? [];

  return (
    <section className="card" aria-labelledby="admin-gateways-title" data-testid="gateway-accounts">
      <h2 id="admin-gateways-title">{t('admin.devices.gateways.title')}</h2>
      <p className="muted">{t('admin.devices.gateways.intro')}</p>
      {made && <GatewayCredential account={made} onClose={() => setMade(null)} />}
      {!adding && !made && (
        <div className="actions">
          <button type="button" onClick={() => setAdding(true)}>
            {t('admin.devices.gateways.new')}
          </button>
        </div>
      )}
      {adding && (
        <GatewayAccountEditor
          facilities={facilities}
          onCancel={() => setAdding(false)}
          onDone={(account) => {
            setAdding(false);
            setMade(account);
            onStatus(t('admin.devices.gateways.created', { name: account.name }));
            accounts.reload();
          }}
        />
      )}
      <ErrorMessage error={accounts.error ?? error} wording={ADMIN_ERRORS} />
      {list.length === 0 && !accounts.loading ? (
        <p className="muted">{t('admin.devices.gateways.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('admin.devices.gateways.name')}</th>
                <th scope="col">{t('admin.devices.aes.facility')}</th>
                <th scope="col">{t('admin.devices.gateways.createdAt')}</th>
                <th scope="col">{t('admin.devices.gateways.lastUsedAt')}</th>
                <th scope="col">{t('admin.status')}</th>
                <th scope="col">{t('admin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((a) => (
                <tr key={a.id} data-testid="gateway-account-row" className={a.revokedAt ? 'inactive' : undefined}>
                  <th scope="row" className="admin-rowhead">
                    {a.name}
                  </th>
                  <td>{facilityName(a.facilityId)}</td>
                  <td>{dateTime(a.createdAt)}</td>
                  <td>{a.lastUsedAt ? dateTime(a.lastUsedAt) : t('admin.devices.gateways.never')}</td>
                  <td>
                    {a.revokedAt
                      ? t('admin.devices.gateways.revokedAt', { at: dateTime(a.revokedAt) })
                      : t('admin.active')}
                  </td>
                  <td>
                    {!a.revokedAt && confirming !== a.id && (
                      <button
                        type="button"
                        className="secondary admin-danger"
                        aria-label={`${t('admin.devices.gateways.revoke')} ${a.name}`}
                        onClick={() => setConfirming(a.id)}
                      >
                        {t('admin.devices.gateways.revoke')}
                      </button>
                    )}
                    {confirming === a.id && (
                      <div className="warning admin-confirm" role="alert">
                        <p>{t('admin.devices.gateways.confirmRevoke', { name: a.name })}</p>
                        <div className="actions">
                          <button type="button" className="admin-danger-solid" onClick={() => void revoke(a)}>
                            {t('admin.devices.gateways.revoke')}
                          </button>
                          <button type="button" className="secondary" onClick={() => setConfirming(null)}>
                            {t('common.cancel')}
                          </button>
                        </div>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
