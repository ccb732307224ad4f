import type { PatientMismatchDetails } from '@zhiyin/contracts';
import { useId, useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { IdentityCompare } from '../patient-identity/IdentityCompare';
import { uploadQueue } from './queue';

/**
 * A file held because it names another patient than the referral's: both identities side by side, the fields
 * that differ marked; the doctor removes it, or confirms with a reason that it is this patient's and sends it.
 */
export function HeldFile({
  id,
  path,
  mismatch,
  onConfirm = (reason) => uploadQueue.confirm(id, reason),
  onRemove = () => uploadQueue.remove(id),
  removeLabel = 'upload.held.remove',
}: {
  id: number;
  path: string;
  mismatch: PatientMismatchDetails;
  /** sends it again with the reason (default: the upload queue's held file) */
  onConfirm?: (reason: string) => void;
  onRemove?: () => void;
  removeLabel?: 'upload.held.remove' | 'upload.held.skip';
}) {
  const { t } = useI18n();
  const ids = useId();
  const [reason, setReason] = useState('');
  const [tried, setTried] = useState(false);
  const send = () => {
    setTried(true);
    if (reason.trim()) onConfirm(reason.trim());
  };
  return (
    <div className="held-file" role="alert" data-testid="held-file" aria-labelledby={`${ids}-h`}>
      <p id={`${ids}-h`}>
        <strong>{mismatch.verdict === 'unconfirmed' ? t('upload.held.unconfirmed') : t('upload.held.title')}</strong>{' '}
        <span className="mono small">{path}</span>
      </p>
      <IdentityCompare mismatch={mismatch} />
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
        <button type="button" className="secondary" onClick={onRemove} data-testid="held-remove">
          {t(removeLabel)}
        </button>
        <button type="button" onClick={send} data-testid="held-confirm">
          {t('upload.held.confirm')}
        </button>
      </div>
    </div>
  );
}
