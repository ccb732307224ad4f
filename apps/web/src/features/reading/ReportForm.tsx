import type { EcgReportMeasurements } from '@zhiyin/contracts';
import { DISPOSITION_LABELS, DISPOSITIONS } from '@zhiyin/workflow';
import { useEffect, useId, useState, type RefObject } from 'react';
import { useI18n } from '../../i18n/i18n';
import { authorizedFetch } from '../../lib/api';
import { ConfirmDialog } from '../../lib/confirm';

import { addAddendum, reportPdfPath } from './api';
import { READING_ERRORS } from './errors';
import { Icd10Picker } from './Icd10Picker';
import { loadKeyImageThumbnail } from './keyImages';
import { KeyImageList, type KeyImageLabels } from '../../shared/key-images/KeyImageList';
import type { KeyImagesState } from '../../shared/key-images/useKeyImages';
import type { useReportDraft } from './useReportDraft';
import { useErrorText } from '../../lib/errors';
import { useAction } from '../../lib/useAction';

type DraftApi = ReturnType<typeof useReportDraft>;

const MEASUREMENT_ORDER = ['heartRate', 'pr', 'qrs', 'qt', 'qtc', 'axis'] as const;

/** The confirmed ECG values as one line: "心率 61 次/分 · PR 151 ms · …". */
export function MeasurementSummary({ m }: { m: EcgReportMeasurements | null }) {
  const { t } = useI18n();
  if (!m) return <p className="muted small">{t('reading.noMeasurements')}</p>;
  const parts = MEASUREMENT_ORDER.filter((k) => m[k] !== undefined).map((k) => (
    <span key={k} data-testid={`report-m-${k}`} data-value={m[k]}>
      {t(`reading.m.${k}`, { v: String(m[k]) })}
    </span>
  ));
  return (
    <p className="reading-measures" data-testid="report-measurements">
      {parts.reduce<React.ReactNode[]>((acc, p, i) => (i ? [...acc, ' · ', p] : [p]), [])}
    </p>
  );
}

/**
 * The structured report: findings, impression, ICD-10 diagnoses, disposition, the confirmed ECG
 * values; saved as a draft while typed, signed once after a confirmation, then addenda only.
 */
export function ReportForm({
  referralId,
  report,
  editable,
  canSign,
  canAddendum,
  isEcg,
  keyImages,
  onSign,
  signing,
  signError,
  findingsRef,
  signRequest,
}: {
  referralId: string;
  report: DraftApi;
  editable: boolean;
  canSign: boolean;
  canAddendum: boolean;
  isEcg: boolean;
  /** the report's key images (imaging), listed with their measurements */
  keyImages?: KeyImagesState;
  onSign: () => Promise<void>;
  signing: boolean;
  signError: string | undefined;
  findingsRef: RefObject<HTMLTextAreaElement | null>;
  /** bumped by the Ctrl+Enter shortcut: opens the confirmation */
  signRequest: number;
}) {
  const { t, dateTime, name, labelOf } = useI18n();
  const id = useId();
  const { draft, update, status, view } = report;
  const [asking, setAsking] = useState(false);
  const errorText = useErrorText(READING_ERRORS);
  const [addendum, setAddendum] = useState('');
  const addendumAction = useAction();
  const pdfAction = useAction();
  const signed = Boolean(view?.signedAt);
  const keyImageLabels: KeyImageLabels = {
    title: t('reading.keyImages.title'),
    none: t('reading.keyImages.none'),
    caption: (k) =>
      [
        t('reading.keyImages.caption', {
          series: String(k.seriesNumber ?? '—'),
          image: String(k.instanceNumber ?? '—'),
        }),
        k.frame > 1 ? t('reading.keyImages.frame', { frame: String(k.frame) }) : '',
      ]
        .filter(Boolean)
        .join(' / '),
    remove: t('reading.keyImages.remove'),
    removeLabel: (caption) => t('reading.keyImages.removeLabel', { caption }),
    thumbnail: (caption) => t('reading.keyImages.thumbnail', { caption }),
    noMeasurements: t('reading.keyImages.noMeasurements'),
    error: errorText,
  };

  const askToSign = () => {
    if (!canSign || signed) return;
    void report.saveNow();
    setAsking(true);
  };
  useEffect(() => {
    if (signRequest > 0) askToSign();
  }, [signRequest]);

  const openPdf = () =>
    pdfAction.run(async () => {
      // The PDF needs the bearer token, so it is fetched here and shown from a blob; the window is
      // opened at once (run calls this synchronously) so that the browser does not block it.
      const win = window.open('', '_blank');
      try {
        const res = await authorizedFetch(reportPdfPath(referralId), { headers: { accept: 'application/pdf' } });
        if (!res.ok) throw new Error(String(res.status));
        const url = URL.createObjectURL(await res.blob());
        if (win) win.location.href = url;
        else window.location.href = url;
        setTimeout(() => URL.revokeObjectURL(url), 60_000);
      } catch (err) {
        win?.close();
        throw err;
      }
    });

  const saveText: Record<typeof status, string> = {
    idle: '',
    dirty: t('reading.unsaved'),
    saving: t('common.saving'),
    saved: view ? t('reading.savedAt', { time: dateTime(view.updatedAt) }) : t('reading.saved'),
    failed: t('reading.saveFailed'),
  };

  if (signed && view) {
    return (
      <section className="card reading-report" aria-labelledby={`${id}-h`} data-testid="signed-report">
        <h2 id={`${id}-h`}>{t('reading.report')}</h2>
        <p className="ok" role="status" data-testid="signed-note">
          {t('reading.signedBy', {
            name: name(view.signerNameZh ?? '', view.signerNameEn ?? ''),
            time: dateTime(view.signedAt!),
          })}
        </p>
        {isEcg && <MeasurementSummary m={view.measurements} />}
        <h3>{t('reading.findings')}</h3>
        <p className="reading-pre">{view.findings}</p>
        <h3>{t('reading.impression')}</h3>
        <p className="reading-pre">{view.impression}</p>
        {view.diagnoses.length > 0 && (
          <>
            <h3>{t('reading.diagnoses')}</h3>
            <ul data-testid="diagnoses">
              {view.diagnoses.map((d) => (
                <li key={d.code} data-code={d.code}>
                  <span className="mono">{d.code}</span> {d.label}
                </li>
              ))}
            </ul>
          </>
        )}
        {view.disposition && (
          <p>
            <strong>{t('reading.disposition')}</strong> {labelOf(DISPOSITION_LABELS[view.disposition])}
          </p>
        )}
        {keyImages && (
          <KeyImageList
            keyImages={keyImages}
            editable={false}
            labels={keyImageLabels}
            loadThumbnail={loadKeyImageThumbnail}
          />
        )}
        <p>
          <button type="button" className="secondary" onClick={() => void openPdf()} data-testid="report-pdf">
            {t('reading.pdf')}
          </button>
        </p>
        {pdfAction.error !== undefined && (
          <p className="error" role="alert">
            {t('reading.pdfFailed')}
          </p>
        )}
        {view.addenda.length > 0 && (
          <>
            <h3>{t('reading.addenda')}</h3>
            <ol className="reading-addenda">
              {view.addenda.map((a) => (
                <li key={a.id}>
                  <span className="muted small">{dateTime(a.createdAt)}</span>
                  <p className="reading-pre">{a.body}</p>
                </li>
              ))}
            </ol>
          </>
        )}
        {canAddendum && (
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (!addendum.trim()) return;
              void addendumAction.run(async () => {
                report.setView(await addAddendum(referralId, addendum.trim()));
                setAddendum('');
              });
            }}
          >
            <label htmlFor={`${id}-add`}>{t('reading.addAddendum')}</label>
            <textarea id={`${id}-add`} rows={2} value={addendum} onChange={(e) => setAddendum(e.target.value)} />
            {addendumAction.error !== undefined && (
              <p className="error" role="alert">
                {errorText(addendumAction.error)}
              </p>
            )}
            <button type="submit" className="secondary" disabled={addendumAction.busy || !addendum.trim()}>
              {t('reading.addAddendumButton')}
            </button>
          </form>
        )}
      </section>
    );
  }

  return (
    <section className="card reading-report" aria-labelledby={`${id}-h`} data-testid="report-form">
      <div className="reading-report-head">
        <h2 id={`${id}-h`}>{t('reading.report')}</h2>
        <span
          className={`reading-save ${status}`}
          role="status"
          aria-live="polite"
          data-testid="save-status"
          data-status={status}
        >
          {saveText[status]}
        </span>
      </div>
      {!editable && <p className="muted">{t('reading.readOnly')}</p>}
      {report.saveError !== undefined && status === 'failed' && (
        <p className="error" role="alert">
          {errorText(report.saveError)}{' '}
          <button type="button" className="secondary" onClick={() => void report.saveNow()}>
            {t('reading.retry')}
          </button>
        </p>
      )}
      {isEcg && (
        <div className="reading-field">
          <span className="reading-label">{t('reading.measurements')}</span>
          <MeasurementSummary m={draft.measurements} />
        </div>
      )}
      <div className="reading-field">
        <label htmlFor={`${id}-f`}>
          {t('reading.findings')} <kbd>F</kbd>
        </label>
        <textarea
          id={`${id}-f`}
          ref={findingsRef}
          rows={5}
          value={draft.findings}
          disabled={!editable}
          onChange={(e) => update({ findings: e.target.value })}
          data-testid="findings"
        />
      </div>
      <div className="reading-field">
        <label htmlFor={`${id}-i`}>{t('reading.impression')}</label>
        <textarea
          id={`${id}-i`}
          rows={3}
          value={draft.impression}
          disabled={!editable}
          onChange={(e) => update({ impression: e.target.value })}
          data-testid="impression"
        />
      </div>
      <Icd10Picker value={draft.diagnoses} onChange={(diagnoses) => update({ diagnoses })} disabled={!editable} />
      {keyImages && (
        <KeyImageList
          keyImages={keyImages}
          editable={editable}
          labels={keyImageLabels}
          loadThumbnail={loadKeyImageThumbnail}
        />
      )}
      <fieldset className="field reading-field" disabled={!editable}>
        <legend>{t('reading.disposition')}</legend>
        <div className="choices">
          {DISPOSITIONS.map((d) => (
            <label key={d} className="choice">
              <input
                type="radio"
                name={`${id}-disp`}
                value={d}
                checked={draft.disposition === d}
                onChange={() => update({ disposition: d })}
              />
              {labelOf(DISPOSITION_LABELS[d])}
            </label>
          ))}
        </div>
      </fieldset>
      {signError && (
        <p className="error" role="alert">
          {signError}
        </p>
      )}
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void report.saveNow()} disabled={!editable}>
          {t('reading.saveNow')} <kbd>Ctrl S</kbd>
        </button>
        <button type="button" onClick={askToSign} disabled={!canSign || signing} data-testid="sign">
          {t('reading.sign')} <kbd>Ctrl ↵</kbd>
        </button>
      </div>
      {asking && (
        <ConfirmDialog
          title={t('reading.signConfirmTitle')}
          text={t('reading.signConfirmText')}
          confirmLabel={t('reading.signConfirm')}
          onClose={(ok) => {
            setAsking(false);
            if (ok) void onSign();
          }}
          testId="sign-dialog"
          confirmTestId="sign-confirm"
        >
          {draft.disposition && (
            <p>
              <strong>{t('reading.disposition')}</strong> {labelOf(DISPOSITION_LABELS[draft.disposition])}
            </p>
          )}
        </ConfirmDialog>
      )}
    </section>
  );
}
