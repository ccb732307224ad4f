import { DISPOSITION_LABELS } from '@zhiyin/workflow';
import { useId } from 'react';
import { useI18n } from '../../i18n/i18n';
import { ErrorMessage } from '../../lib/errors';
import { getReport } from '../../shared/referrals/report';
import { useAction } from '../../lib/useAction';
import { openReportPdf } from './api';

export function ReferralReport({
  referralId,
  report,
  error,
}: {
  referralId: string;
  report: Awaited<ReturnType<typeof getReport>> | undefined;
  error: unknown;
}) {
  const { t, name, dateTime, labelOf } = useI18n();
  const ids = useId();
  const { error: pdfError, run } = useAction();
  const signed = report?.signedAt ? report : null;

  const pdf = () =>
    run(async () => {
      // Opened synchronously (run calls this at once) so the browser does not block it as a pop-up;
      // filled when the PDF arrives.
      const win = window.open('', '_blank');
      try {
        const url = await openReportPdf(referralId);
        if (win) win.location.href = url;
        else window.location.href = url;
      } catch (err) {
        win?.close();
        throw err;
      }
    });

  return (
    <section className="card ref-report" aria-labelledby={`${ids}-h`} data-testid="report">
      <div className="page-head">
        <h2 id={`${ids}-h`}>{t('referrals.report.title')}</h2>
        {signed && (
          <button type="button" className="secondary" onClick={() => void pdf()} data-testid="report-pdf">
            {t('referrals.report.pdf')}
          </button>
        )}
      </div>
      <ErrorMessage error={error ?? pdfError} />
      {!signed && <p className="muted">{report ? t('referrals.report.draft') : t('referrals.report.none')}</p>}
      {signed && (
        <>
          <p className="ok small" data-testid="report-signed">
            {t('referrals.report.signedBy', {
              who: name(signed.signerNameZh ?? '', signed.signerNameEn ?? ''),
              when: dateTime(signed.signedAt!),
            })}
          </p>
          <dl className="ref-plan-facts">
            <div>
              <dt>{t('referrals.report.findings')}</dt>
              <dd className="ref-pre" data-testid="report-findings">
                {signed.findings}
              </dd>
            </div>
            <div>
              <dt>{t('referrals.report.impression')}</dt>
              <dd className="ref-pre" data-testid="report-impression">
                {signed.impression}
              </dd>
            </div>
            {signed.diagnoses.length > 0 && (
              <div>
                <dt>{t('referrals.report.diagnoses')}</dt>
                <dd>
                  <ul className="ref-dx">
                    {signed.diagnoses.map((d) => (
                      <li key={d.code}>
                        <span className="mono">{d.code}</span> {d.label}
                      </li>
                    ))}
                  </ul>
                </dd>
              </div>
            )}
            {signed.disposition && (
              <div>
                <dt>{t('referrals.report.disposition')}</dt>
                <dd data-testid="report-disposition">{labelOf(DISPOSITION_LABELS[signed.disposition])}</dd>
              </div>
            )}
          </dl>
          {signed.addenda.length > 0 && (
            <>
              <h3>{t('referrals.report.addenda')}</h3>
              <ol className="ref-addenda">
                {signed.addenda.map((a) => (
                  <li key={a.id}>
                    <span className="muted small">{dateTime(a.createdAt)}</span>
                    <p className="ref-pre">{a.body}</p>
                  </li>
                ))}
              </ol>
            </>
          )}
        </>
      )}
    </section>
  );
}
