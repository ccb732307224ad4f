import type { NewServiceAccount } from '@zhiyin/contracts';
import { useEffect, useRef, useState } from 'react';
import { useI18n } from '../../i18n/i18n';

/** The new account's credential, once: to be put into the gateway's settings before this box is closed. */
export function GatewayCredential({ account, onClose }: { account: NewServiceAccount; onClose: () => void }) {
  const { t } = useI18n();
  const heading = useRef<HTMLHeadingElement>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => heading.current?.focus(), []);
  const copy = () =>
    void navigator.clipboard?.writeText(account.credential).then(
      () => setCopied(true),
      () => setCopied(false),
    );
  return (
    <section className="card admin-editor" aria-labelledby="admin-credential-title" data-testid="gateway-credential">
      <h3 id="admin-credential-title" ref={heading} tabIndex={-1}>
        {t('admin.devices.gateways.credentialTitle', { name: account.name })}
      </h3>
      <p className="warning">{t('admin.devices.gateways.credentialOnce')}</p>
      <p>
        <code className="admin-secret" data-testid="gateway-credential-value">
          {account.credential}
        </code>
      </p>
      <p className="muted">{t('admin.devices.gateways.credentialHow')}</p>
      <div className="actions">
        <button type="button" className="secondary" onClick={copy}>
          {copied ? t('admin.devices.gateways.copied') : t('admin.devices.gateways.copy')}
        </button>
        <button type="button" onClick={onClose}>
          {t('admin.devices.gateways.stored')}
        </button>
      </div>
    </section>
  );
}
