import { useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { listFacilities } from './api';
import { DicomAeSection } from './DicomAeSection';
import { GatewayAccountsSection } from './GatewayAccountsSection';
import { ADMIN_ERRORS, StatusNote } from './shared';
import './admin.css';
import { ErrorMessage } from '../../lib/errors';

/**
 * The administrator's DICOM devices and centre gateways: which calling AE titles may send studies and take the
 * worklist (each acts with its centre's scope), and which gateway accounts may forward a centre's studies.
 */
export default function DevicesPage() {
  const { t } = useI18n();
  usePageTitle('nav.devices');
  const facilities = useAsync((signal) => listFacilities(signal), []);
  const [status, setStatus] = useState<string | null>(null);
  const data = facilities.data;
  return (
    <section className="page wide admin-page">
      <h1>{t('nav.devices')}</h1>
      <p className="muted">{t('admin.devices.intro')}</p>
      <StatusNote text={status} />
      <ErrorMessage error={facilities.error} wording={ADMIN_ERRORS} />
      {data && (
        <>
          <DicomAeSection facilities={data.facilities} readingCentres={data.readingCentres} onStatus={setStatus} />
          <GatewayAccountsSection facilities={data.facilities} onStatus={setStatus} />
        </>
      )}
    </section>
  );
}
