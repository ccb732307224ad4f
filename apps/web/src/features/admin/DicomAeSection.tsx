import type { DicomAeView, FacilityView, ReadingCentreView } from '@zhiyin/contracts';
import { useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { useAsync } from '../../lib/hooks';
import { listDicomAes } from './api';
import { DicomAeEditor } from './DicomAeEditor';
import { ADMIN_ERRORS } from './shared';
import { ErrorMessage } from '../../lib/errors';

/** The registered calling AE titles: each centre's modalities and the hub's reading workstations. */
export function DicomAeSection({
  facilities,
  readingCentres,
  onStatus,
}: {
  facilities: readonly FacilityView[];
  readingCentres: readonly ReadingCentreView[];
  onStatus: (text: string) => void;
}) {
  const { t, name } = useI18n();
  const aes = useAsync((signal) => listDicomAes(signal), []);
  const [editing, setEditing] = useState<DicomAeView | 'new' | null>(null);
  const facilityName = (id: string) => {
    const f = facilities.find((x) => x.id === id);
    return f ? name(f.nameZh, f.nameEn) : '—';
  };
  const centreName = (id: string | null) => {
    const c = readingCentres.find((x) => x.id === id);
    return c ? name(c.nameZh, c.nameEn) : '';
  };
  const done = (text: string) => {
    setEditing(null);
    onStatus(text);
    aes.reload();
  };
  const list = aes.data ?? [];

  return (
    <section className="card" aria-labelledby="admin-aes-title" data-testid="dicom-aes">
      <h2 id="admin-aes-title">{t('admin.devices.aes.title')}</h2>
      <p className="muted">{t('admin.devices.aes.intro')}</p>
      {editing === null && (
        <div className="actions">
          <button type="button" onClick={() => setEditing('new')}>
            {t('admin.devices.aes.new')}
          </button>
        </div>
      )}
      {editing !== null && (
        <DicomAeEditor
          key={editing === 'new' ? 'new' : editing.id}
          ae={editing === 'new' ? null : editing}
          facilities={facilities}
          readingCentres={readingCentres}
          onCancel={() => setEditing(null)}
          onDone={done}
        />
      )}
      <ErrorMessage error={aes.error} wording={ADMIN_ERRORS} />
      {list.length === 0 && !aes.loading ? (
        <p className="muted">{t('admin.devices.aes.none')}</p>
      ) : (
        <div className="table-wrap">
          <table className="list">
            <thead>
              <tr>
                <th scope="col">{t('admin.devices.aes.aeTitle')}</th>
                <th scope="col">{t('admin.devices.aes.facility')}</th>
                <th scope="col">{t('admin.devices.aes.kind')}</th>
                <th scope="col">{t('admin.devices.aes.modality')}</th>
                <th scope="col">{t('admin.devices.aes.address')}</th>
                <th scope="col">{t('admin.devices.aes.characterSet')}</th>
                <th scope="col">{t('admin.status')}</th>
                <th scope="col">{t('admin.actions')}</th>
              </tr>
            </thead>
            <tbody>
              {list.map((ae) => (
                <tr key={ae.id} data-testid="dicom-ae-row" className={ae.active ? undefined : 'inactive'}>
                  <th scope="row" className="admin-rowhead">
                    <code>{ae.aeTitle}</code>
                  </th>
                  <td>
                    {facilityName(ae.facilityId)}
                    {ae.readingCentreId && <span className="muted"> · {centreName(ae.readingCentreId)}</span>}
                  </td>
                  <td>{t(`admin.devices.kind.${ae.kind}`)}</td>
                  <td>{ae.modality ?? '—'}</td>
                  <td>{ae.host ? `${ae.host}${ae.port ? `:${ae.port}` : ''}` : t('admin.devices.aes.anyAddress')}</td>
                  <td>
                    {t(ae.characterSet === 'GB18030' ? 'admin.devices.charset.gb18030' : 'admin.devices.charset.utf8')}
                  </td>
                  <td>{ae.active ? t('admin.active') : t('admin.inactive')}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary"
                      aria-label={`${t('common.edit')} ${ae.aeTitle}`}
                      onClick={() => setEditing(ae)}
                    >
                      {t('common.edit')}
                    </button>
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
