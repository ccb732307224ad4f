import { useEffect, useId, useMemo, useRef, useState, useSyncExternalStore, type DragEvent } from 'react';
import { Link } from 'react-router';
import { useI18n, type MessageKey } from '../../i18n/i18n';
import { SEXES } from '../patients/api';
import { dicomDate, personNamePair } from '../dicomweb/qido';
import { HeldFile } from './HeldFile';
import { uploadQueue, type UploadItem } from './queue';
import { filesOfDrop, filesOfInput, groupByStudy, scanFile, type ScannedFile } from './scan';

const KNOWN_REFUSALS = new Set([
  'NOT_DICOM',
  'NO_PREAMBLE',
  'EXECUTABLE_PREAMBLE',
  'TRUNCATED',
  'MALFORMED',
  'UNSUPPORTED_TRANSFER_SYNTAX',
  'MISSING_ATTRIBUTE',
  'INVALID_VALUE',
  'PIXEL_LENGTH_MISMATCH',
  'WAVEFORM_LENGTH_MISMATCH',
  'NOT_AN_INSTANCE',
  'NETWORK',
  'PAYLOAD_TOO_LARGE',
  'ECG_FILE_INVALID',
  'ECG_FILE_UNSUPPORTED',
  'DOCUMENT_INVALID',
  'REFERRAL_REQUIRED',
]);

// The modality each converted file is stored with: a waveform, a document, a picture (secondary capture).
const CONVERTED_MODALITY = { aecg: 'ECG', 'scp-ecg': 'ECG', pdf: 'DOC', jpeg: 'OT', png: 'OT' } as const;

// Refusals whose server message names what is wrong in the file: shown after the translated title.
const WITH_REASON = new Set(['ECG_FILE_INVALID', 'ECG_FILE_UNSUPPORTED', 'DOCUMENT_INVALID']);

function bytes(n: number, number: (n: number, o?: Intl.NumberFormatOptions) => string): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 ** 2) return `${number(n / 1024, { maximumFractionDigits: 0 })} KB`;
  if (n < 1024 ** 3) return `${number(n / 1024 ** 2, { maximumFractionDigits: 1 })} MB`;
  return `${number(n / 1024 ** 3, { maximumFractionDigits: 2 })} GB`;
}

/**
 * Drop files or a folder, see what they hold (read in the browser), send them with per-file and
 * overall progress that resumes after a dropped connection. With a referral, what is sent is attached
 * to it and only its uploads are listed; with a patient's record number, files of another patient
 * are pointed out before sending.
 */
export function UploadPanel({ patientMrn, referral }: { patientMrn?: string; referral?: { id: string } }) {
  const { t, name, number } = useI18n();
  const ids = useId();
  const [scanned, setScanned] = useState<ScannedFile[]>([]);
  const [scanning, setScanning] = useState<{ done: number; total: number } | null>(null);
  const [over, setOver] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const folderInput = useRef<HTMLInputElement>(null);
  const allItems = useSyncExternalStore(uploadQueue.subscribe, uploadQueue.items);
  const items = useMemo(
    () => (referral ? allItems.filter((i) => i.referralId === referral.id) : allItems),
    [allItems, referral],
  );

  // Leaving the page keeps uploads going; closing the tab would stop them, so ask first.
  useEffect(() => {
    const warn = (e: BeforeUnloadEvent) => {
      if (uploadQueue.busy()) e.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, []);

  const scan = async (files: { file: File; path: string }[]) => {
    setScanning({ done: 0, total: files.length });
    const out: ScannedFile[] = [];
    for (const [i, f] of files.entries()) {
      out.push(await scanFile(f.file, f.path));
      if (i % 10 === 9 || i === files.length - 1) setScanning({ done: i + 1, total: files.length });
    }
    setScanned((prev) => {
      const seen = new Set(prev.map((p) => `${p.path}|${p.file.size}`));
      return [...prev, ...out.filter((o) => !seen.has(`${o.path}|${o.file.size}`))];
    });
    setScanning(null);
  };

  const onDrop = (e: DragEvent) => {
    e.preventDefault();
    setOver(false);
    void filesOfDrop(e.dataTransfer).then(scan);
  };

  const groups = useMemo(() => groupByStudy(scanned), [scanned]);
  // A cart's file has no patient of its own in Zhiyin: it can only be sent into a referral (whose patient it is).
  const cartFiles = scanned.filter((s) => s.cartFormat && referral);
  const sendable = scanned.filter((s) => s.summary || (s.cartFormat && referral));
  const skipped = scanned
    .filter((s) => s.skipped || (s.cartFormat && !referral))
    .map((s) => (s.skipped ? s : { ...s, skipped: 'REFERRAL_REQUIRED' }));
  const mismatch = patientMrn ? groups.filter((g) => g.patientId !== patientMrn) : [];

  const send = () => {
    uploadQueue.add(sendable, referral ? { referralId: referral.id } : {});
    setScanned([]);
  };

  const total = items.reduce((a, i) => a + i.size, 0);
  const sent = items.reduce((a, i) => a + (i.state === 'stored' ? i.size : Math.min(i.sent, i.size)), 0);
  const counts = {
    stored: items.filter((i) => i.state === 'stored').length,
    failed: items.filter((i) => i.state === 'failed').length,
    held: items.filter((i) => i.state === 'held').length,
    active: items.filter((i) => i.state !== 'stored' && i.state !== 'failed' && i.state !== 'held').length,
  };
  const studies = [...new Set(items.filter((i) => i.studyUid).map((i) => i.studyUid!))];
  const reason = (i: UploadItem) => {
    const code = i.error?.code ?? '';
    if (!KNOWN_REFUSALS.has(code)) return `${code} ${i.error?.message ?? ''}`.trim();
    const title = t(`upload.refused.${code}` as MessageKey);
    return WITH_REASON.has(code) && i.error?.message ? `${title}（${i.error.message}）` : title;
  };

  return (
    <>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="dropzone"
        aria-describedby={`${ids}-dz`}
      >
        <p id={`${ids}-dz`}>{t('upload.dropHere')}</p>
        <div className="actions">
          <button type="button" onClick={() => fileInput.current?.click()}>
            {t('upload.chooseFiles')}
          </button>
          <button type="button" className="secondary" onClick={() => folderInput.current?.click()}>
            {t('upload.chooseFolder')}
          </button>
        </div>
        <input
          ref={fileInput}
          type="file"
          multiple
          hidden
          data-testid="file-input"
          aria-label={t('upload.chooseFiles')}
          onChange={(e) => {
            if (e.target.files) void scan(filesOfInput(e.target.files));
            e.target.value = '';
          }}
        />
        <input
          ref={(el) => {
            folderInput.current = el;
            el?.setAttribute('webkitdirectory', '');
          }}
          type="file"
          multiple
          hidden
          data-testid="folder-input"
          aria-label={t('upload.chooseFolder')}
          onChange={(e) => {
            if (e.target.files) void scan(filesOfInput(e.target.files));
            e.target.value = '';
          }}
        />
      </div>

      {scanning && <p role="status">{t('upload.reading', { done: scanning.done, total: scanning.total })}</p>}

      {scanned.length > 0 && !scanning && (
        <section aria-labelledby={`${ids}-ph`} className="card">
          <h2 id={`${ids}-ph`}>{t('upload.previewTitle')}</h2>
          <p role="status" data-testid="preview-summary">
            {t('upload.previewSummary', {
              files: sendable.length,
              studies: groups.length + cartFiles.length,
              size: bytes(
                sendable.reduce((a, s) => a + s.file.size, 0),
                number,
              ),
            })}
          </p>
          <div className="table-wrap">
            <table className="list" data-testid="preview">
              <thead>
                <tr>
                  <th scope="col">{t('upload.patient')}</th>
                  <th scope="col">{t('upload.study')}</th>
                  <th scope="col">{t('studies.modalities')}</th>
                  <th scope="col">{t('upload.count')}</th>
                  <th scope="col">{t('upload.size')}</th>
                </tr>
              </thead>
              <tbody>
                {groups.map((g) => (
                  <tr key={g.studyUid} data-testid="preview-study">
                    <td>
                      <strong>{name(...personNamePair(g.patientName)) || t('studies.unnamed')}</strong>
                      <br />
                      <span className="muted small mono">{g.patientId}</span>
                      {g.birthDate && <span className="muted small"> · {dicomDate(g.birthDate)}</span>}
                      {g.sex && (
                        <span className="muted small">
                          {' '}
                          · {(SEXES as readonly string[]).includes(g.sex) ? t(`sex.${g.sex as 'F'}`) : g.sex}
                        </span>
                      )}
                    </td>
                    <td>
                      {dicomDate(g.studyDate)} {g.description ?? ''}
                      {g.accession && (
                        <>
                          <br />
                          <span className="muted small mono">{g.accession}</span>
                        </>
                      )}
                    </td>
                    <td>
                      {g.modalities.map((m) => (
                        <span key={m} className="tag" data-testid="preview-modality">
                          {m}
                        </span>
                      ))}
                    </td>
                    <td data-testid="preview-count">
                      {t('upload.countValue', { files: g.files.length, series: g.series.size })}
                    </td>
                    <td>{bytes(g.bytes, number)}</td>
                  </tr>
                ))}
                {cartFiles.map((f) => (
                  <tr key={f.path} data-testid="preview-converted">
                    <td>
                      <strong>{t('upload.referralPatient')}</strong>
                    </td>
                    <td>
                      <span className="mono small">{f.path}</span>
                      <br />
                      <span className="muted small">{t(`upload.cartFormat.${f.cartFormat!}`)}</span>
                    </td>
                    <td>
                      <span className="tag" data-testid="preview-modality">
                        {CONVERTED_MODALITY[f.cartFormat!]}
                      </span>
                    </td>
                    <td>{t('upload.countValue', { files: 1, series: 1 })}</td>
                    <td>{bytes(f.file.size, number)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {mismatch.length > 0 && (
            <p className="warning" role="alert">
              {t('upload.mismatch', {
                mrn: patientMrn!,
                ids: mismatch.map((g) => g.patientId || '—').join(', '),
              })}
            </p>
          )}
          {skipped.length > 0 && (
            <details>
              <summary>{t('upload.skipped', { n: skipped.length })}</summary>
              <ul className="small">
                {skipped.map((s) => (
                  <li key={s.path}>
                    <span className="mono">{s.path}</span> —{' '}
                    {KNOWN_REFUSALS.has(s.skipped!) ? t(`upload.refused.${s.skipped!}` as MessageKey) : s.skipped}
                  </li>
                ))}
              </ul>
            </details>
          )}
          <div className="actions">
            <button type="button" onClick={send} disabled={sendable.length === 0} data-testid="send">
              {t('upload.send', { n: sendable.length })}
            </button>
            <button type="button" className="secondary" onClick={() => setScanned([])}>
              {t('common.cancel')}
            </button>
          </div>
        </section>
      )}

      {items.length > 0 && (
        <section aria-labelledby={`${ids}-uh`} className="card">
          <h2 id={`${ids}-uh`}>{t('upload.progressTitle')}</h2>
          <label className="overall">
            <span>{t('upload.overall', { sent: bytes(sent, number), total: bytes(total, number) })}</span>
            <progress max={total || 1} value={sent} data-testid="overall-progress" />
          </label>
          <p
            role="status"
            data-testid="upload-status"
            data-stored={counts.stored}
            data-failed={counts.failed}
            data-active={counts.active}
            data-held={counts.held}
          >
            {counts.active > 0
              ? t('upload.statusActive', { active: counts.active, stored: counts.stored, failed: counts.failed })
              : t('upload.statusDone', { stored: counts.stored, failed: counts.failed })}
            {counts.held > 0 ? ` · ${t('upload.statusHeld', { n: counts.held })}` : ''}
          </p>
          <ul className="uploads">
            {items.map((i) => (
              <li
                key={i.id}
                className={`upload ${i.state}`}
                data-testid="upload-item"
                data-state={i.state}
                data-path={i.path}
                data-resumed-from={i.resumedFrom ?? ''}
                data-attach={i.attach ?? ''}
              >
                <span className="mono small path">{i.path}</span>
                <progress max={i.size || 1} value={i.state === 'stored' ? i.size : i.sent} aria-label={i.path} />
                <span className="small state">
                  {t(`upload.state.${i.state}`)}
                  {i.resumedFrom !== undefined && i.resumedFrom > 0 && i.state !== 'failed'
                    ? ` · ${t('upload.resumed', { pct: Math.round((i.resumedFrom / (i.size || 1)) * 100) })}`
                    : ''}
                  {i.state === 'failed' ? ` · ${reason(i)}` : ''}
                  {i.attach ? ` · ${t(`referrals.upload.attach.${i.attach}`)}` : ''}
                  {i.attach === 'failed' && i.attachError ? ` (${i.attachError})` : ''}
                  {i.overrideReason && i.state !== 'held' ? ` · ${t('upload.held.confirmed')}` : ''}
                </span>
                {i.state === 'held' && i.mismatch && <HeldFile id={i.id} path={i.path} mismatch={i.mismatch} />}
              </li>
            ))}
          </ul>
          <div className="actions">
            {studies.map((s) => (
              <Link
                key={s}
                className="button secondary"
                to={`/studies/${encodeURIComponent(s)}`}
                data-testid="open-study"
              >
                {t('upload.openStudy')}
              </Link>
            ))}
            {(counts.failed > 0 || items.some((i) => i.attach === 'failed')) && (
              <button type="button" className="secondary" onClick={() => uploadQueue.retryFailed()}>
                {t('upload.retry')}
              </button>
            )}
            {counts.active === 0 && (
              <button type="button" className="secondary" onClick={() => uploadQueue.clearFinished()}>
                {t('upload.clear')}
              </button>
            )}
          </div>
        </section>
      )}
    </>
  );
}
