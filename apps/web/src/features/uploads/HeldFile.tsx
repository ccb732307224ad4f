import type { PatientIdentityFieldName, PatientMismatchDetails } from '@zhiyin/contracts';
import { useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { uploadQueue } from './queue';

const ROWS: {
  field: PatientIdentityFieldName | 'acquiredAt';
  label: 'name' | 'patientId' | 'sex' | 'birthDate' | 'acquiredAt';
}[] = [
  { field: 'name', label: 'name' },
  { field: 'patientId', label: 'patientId' },
  { field: 'sex', label: 'sex' },
  { field: 'birthDate', label: 'birthDate' },
  { field: 'acquiredAt', label: 'acquiredAt' },
];

/** `Zhao^Jianguo=赵^建国` → `赵建国 (Zhao Jianguo)` */
export function readableName(name: string | null | undefined): string {
  if (!name) return '';
  const [alpha = '', ideo = ''] = name.split('=');
  const a = alpha.split('^').filter(Boolean).join(' ');
  const i = ideo.replace(/\^/g, '');
  return i && a ? `${i} (${a})` : i || a;
}

/**
 * A file held because it names another patient than the referral's: both identities side by side, the fields
 * that differ marked; the doctor removes it, or confirms with a reason that it is this patient's and sends it.
 */
export function HeldFile({ id, path, mismatch }: { id: number; path: string; mismatch: PatientMismatchDetails }) {
  const { t } = useI18n();
  const ids = useId();
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  const sex = (v: string | null | undefined) =>
    v && ['M', 'F', 'O', 'U'].includes(v) ? t(`sex.${v as 'M'}`) : (v ?? '');
  const value = (side: 'file' | 'patient', field: (typeof ROWS)[number]['field']): string => {
    if (field === 'acquiredAt') return side === 'file' ? (mismatch.file.acquiredAt?.replace('T', ' ') ?? '') : '';
    const v = mismatch[side][field];
    if (field === 'name')
      return side === 'patient'
        ? `${v ?? ''}${mismatch.patient.namePinyin ? ` (${mismatch.patient.namePinyin})` : ''}`
        : readableName(v);
    if (field === 'sex') return sex(v);
    return v ?? '';
  };
  const send = () => {
    setTried(true);
    if (reason.trim()) uploadQueue.confirm(id, reason);
  };
  return (
    <div className="held-file" role="alert" data-testid="held-file" aria-labelledby={`${ids}-h`}>
      <p id={`${ids}-h`}>
        <strong>{mismatch.verdict === 'unconfirmed' ? t('upload.held.unconfirmed') : t('upload.held.title')}</strong>{' '}
        <span className="mono small">{path}</span>
      </p>
      <table className="list identity-compare" data-testid="held-identities">
        <thead>
          <tr>
            <th scope="col">{t('upload.held.field')}</th>
            <th scope="col">{t('upload.held.file')}</th>
            <th scope="col">{t('upload.held.patient', { number: mismatch.referralNumber })}</th>
          </tr>
        </thead>
        <tbody>
          {ROWS.map((r) => {
            const differs = r.field !== 'acquiredAt' && mismatch.differing.includes(r.field);
            return (
              <tr key={r.field} className={differs ? 'differs' : undefined} data-field={r.field} data-differs={differs}>
                <th scope="row">
                  {t(`upload.held.${r.label}`)}
                  {differs && <span className="tag warning-tag"> {t('upload.held.differs')}</span>}
                </th>
                <td data-testid="held-file-value">{value('file', r.field) || '—'}</td>
                <td data-testid="held-patient-value">{value('patient', r.field) || '—'}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
      <label htmlFor={`${ids}-r`}>{t('upload.held.reason')}</label>
      <textarea
        id={`${ids}-r`}
        rows={2}
        maxLength={500}
        value={reason}
        onChange={(e) => setReason(e.target.value)}
        aria-invalid={tried && !reason.trim()}
        aria-describedby={`${ids}-rh`}
        data-testid="held-reason"
      />
      <p id={`${ids}-rh`} className={tried && !reason.trim() ? 'error small' : 'muted small'}>
        {tried && !reason.trim() ? t('upload.held.reasonRequired') : t('upload.held.reasonHint')}
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => uploadQueue.remove(id)} data-testid="held-remove">
          {t('upload.held.remove')}
        </button>
        <button type="button" onClick={send} data-testid="held-confirm">
          {t('upload.held.confirm')}
        </button>
      </div>
    </div>
  );
}
