import type { OriginalFile } from '@zhiyin/contracts';
import { useState } from 'react';
import { useI18n } from '../../i18n/i18n';
import { ApiError } from '../../lib/api';
import { downloadOriginal } from './originals';

/** The file the centre sent for this series (before Zhiyin made DICOM of it), for download. */
export function OriginalFileLink({ studyUid, original }: { studyUid: string; original: OriginalFile }) {
  const { t, number } = useI18n();
  const [error, setError] = useState<string | null>(null);
  const kb = number(original.sizeBytes / 1024, { maximumFractionDigits: 0 });
  return (
    <p className="small original-file" data-testid="original-file" data-format={original.format}>
      <button
        type="button"
        className="secondary"
        onClick={() => {
          setError(null);
          downloadOriginal(studyUid, original).catch((e: unknown) =>
            setError(e instanceof ApiError ? e.code : 'NETWORK'),
          );
        }}
        data-testid="download-original"
      >
        {t('study.original.download', { format: t(`study.original.format.${original.format}`), kb })}
      </button>
      {error && (
        <span className="error" role="alert">
          {' '}
          {t('study.original.failed')} ({error})
        </span>
      )}
    </p>
  );
}
