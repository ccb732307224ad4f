import {
  DISPOSITION_LABELS,
  DISPOSITIONS,
  PRIORITIES,
  PRIORITY_LABELS,
  SERVICE_LABELS,
  SERVICES,
  type Service,
} from '@zhiyin/workflow';
import type { CentreFigures, WeeklyFiguresView } from '@zhiyin/contracts';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { useI18n } from '../../i18n/i18n';
import { api, ApiError, authorizedFetch, query } from '../../lib/api';
import { ErrorMessage } from '../../lib/errors';
import { useAsync, usePageTitle } from '../../lib/hooks';
import { HorizontalBars, ShareBars, type Series } from './charts';
import { shortCentreName } from './PoolCard';
import { formatNetworkDateTime, isoWeekOf, shiftWeek } from './time';
import './board.css';
import { useAction } from '../../lib/useAction';

const WEEK = /^\d{4}-W(0[1-9]|[1-4]\d|5[0-3])$/;
const SERVICE_COLORS: Record<Service, string> = { ECG: '#0b5f6e', IMAGING: '#b4531a' };
const DISPOSITION_COLOR = '#4a5b8c';

export default function FiguresPage() {
  const { t, lang, name, number, labelOf } = useI18n();
  usePageTitle('nav.figures');
  const [params, setParams] = useSearchParams();
  const asked = params.get('week') ?? '';
  const week = WEEK.test(asked) ? asked : isoWeekOf(Date.now());
  const download = useAction();
  const [downloaded, setDownloaded] = useState(false);
  const figures = useAsync(
    (signal) => api<WeeklyFiguresView>(`/api/figures/weekly${query({ week })}`, { signal }),
    [week],
  );
  const setWeek = (w: string) => {
    if (!WEEK.test(w)) return;
    download.reset();
    setDownloaded(false);
    setParams({ week: w }, { replace: true });
  };

  function downloadCsv() {
    setDownloaded(false);
    return download.run(async () => {
      const res = await authorizedFetch(`/api/figures/weekly${query({ week, format: 'csv' })}`, {
        headers: { accept: 'text/csv' },
      });
      if (!res.ok) throw new ApiError(res.status, `HTTP_${res.status}`, res.statusText);
      const blob = await res.blob();
      const url = URL.createObjectURL(blob);
      const a = document.createElement('a');
      a.href = url;
      a.download = `zhiyin-${week}.csv`;
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
      setDownloaded(true);
    });
  }

  const data = figures.data?.week === week ? figures.data : undefined;
  const centres = data?.centres ?? [];
  const sum = (f: (c: CentreFigures) => number) => centres.reduce((s, c) => s + f(c), 0);
  const total = sum((c) => c.referrals.total);
  const services = data?.services ?? [];
  const minutes = (v: number | null) => (v === null ? '—' : t('board.fig.minutes', { n: number(v) }));
  const pct = (share: number) => number(share, { style: 'percent', maximumFractionDigits: 0 });
  const serviceSeries: Series[] = SERVICES.map((s) => ({
    key: s,
    label: labelOf(SERVICE_LABELS[s]),
    color: SERVICE_COLORS[s],
  }));
  const dispositionTotals = DISPOSITIONS.map((d) => ({ d, n: sum((c) => c.dispositions[d]) }));
  const backDown = sum((c) => c.referredBackDown);

  return (
    <section className="page wide figures">
      <div className="page-head">
        <h1>{t('nav.figures')}</h1>
        <div className="figures-controls">
          <div>
            <label htmlFor="figures-week">{t('board.fig.week')}</label>
            <input
              id="figures-week"
              type="week"
              value={week}
              onChange={(e) => setWeek(e.target.value)}
              aria-describedby="figures-range"
            />
          </div>
          <button type="button" className="secondary" onClick={() => setWeek(shiftWeek(week, -1))}>
            {t('board.fig.previousWeek')}
          </button>
          <button type="button" className="secondary" onClick={() => setWeek(shiftWeek(week, 1))}>
            {t('board.fig.nextWeek')}
          </button>
          <button type="button" className="secondary" onClick={() => setWeek(isoWeekOf(Date.now()))}>
            {t('board.fig.thisWeek')}
          </button>
          <button type="button" onClick={() => void downloadCsv()} disabled={download.busy}>
            {download.busy ? t('board.fig.downloading') : t('board.fig.downloadCsv')}
          </button>
        </div>
      </div>
      <p className="hint" id="figures-range">
        {data
          ? t('board.fig.range', {
              week,
              from: formatNetworkDateTime(data.start, lang, { dateStyle: 'medium', timeStyle: undefined }),
              to: formatNetworkDateTime(new Date(Date.parse(data.end) - 1).toISOString(), lang, {
                dateStyle: 'medium',
                timeStyle: undefined,
              }),
            })
          : t('board.fig.cohortNote')}
      </p>
      {downloaded && (
        <p className="notice" role="status">
          {t('board.fig.downloaded', { file: `zhiyin-${week}.csv` })}
        </p>
      )}
      <ErrorMessage error={download.error} />
      <ErrorMessage error={figures.error} />
      {figures.loading && !data && (
        <p className="loading" role="status">
          {t('common.loading')}
        </p>
      )}

      {data && (
        <>
          <div className="figures-tiles" data-testid="figures-tiles">
            <div className="figures-tile">
              <span className="figures-value" data-testid="figures-total">
                {number(total)}
              </span>
              <span className="figures-label">{t('board.fig.totalReferrals')}</span>
            </div>
            {services.map((s) => (
              <div className="figures-tile" key={s.service}>
                <span className="figures-value">{s.withinLimitShare === null ? '—' : pct(s.withinLimitShare)}</span>
                <span className="figures-label">
                  {t('board.fig.withinLimitOf', { service: labelOf(SERVICE_LABELS[s.service]) })} ·{' '}
                  {t('board.fig.medianReport', { value: minutes(s.turnaroundMinutes.toSignedReport.median) })}
                </span>
              </div>
            ))}
            <div className="figures-tile">
              <span className="figures-value">
                {number(sum((c) => c.limitsMissed.acceptance + c.limitsMissed.report))}
              </span>
              <span className="figures-label">{t('board.fig.limitsMissed')}</span>
            </div>
            {services.map((s) => (
              <div className="figures-tile" key={`critical-${s.service}`} data-testid={`figures-critical-${s.service}`}>
                <span className="figures-value">{number(s.criticalResults?.count ?? 0)}</span>
                <span className="figures-label">
                  {t('board.fig.criticalOf', { service: labelOf(SERVICE_LABELS[s.service]) })} ·{' '}
                  {t('board.fig.criticalTimes', {
                    median: minutes(s.criticalResults?.confirmMinutes.median ?? null),
                    longest: minutes(s.criticalResults?.confirmMinutes.longest ?? null),
                    escalated: s.criticalResults?.escalated ?? 0,
                  })}
                </span>
              </div>
            ))}
          </div>

          {total === 0 && <p className="notice">{t('board.fig.empty')}</p>}

          <div className="figures-charts">
            <HorizontalBars
              title={t('board.fig.chartReferrals')}
              description={centres
                .map(
                  (c) =>
                    `${name(c.nameZh, c.nameEn)}: ${SERVICES.map((s) => `${labelOf(SERVICE_LABELS[s])} ${c.referrals.byService[s]}`).join(', ')}`,
                )
                .join('; ')}
              rows={centres.map((c) => ({
                label: name(...shortCentreName(c.nameZh, c.nameEn)),
                title: name(c.nameZh, c.nameEn),
                values: c.referrals.byService,
              }))}
              series={serviceSeries}
              mode="stacked"
              integer
              format={(v) => number(v)}
            />
            <div>
              <HorizontalBars
                title={t('board.fig.chartTurnaround')}
                description={services
                  .map(
                    (s) =>
                      `${labelOf(SERVICE_LABELS[s.service])}: ${t('board.fig.toAcceptance')} ${minutes(s.turnaroundMinutes.toAcceptance.median)}, ${t('board.fig.toReport')} ${minutes(s.turnaroundMinutes.toSignedReport.median)}`,
                  )
                  .join('; ')}
                rows={services.map((s) => ({
                  label: labelOf(SERVICE_LABELS[s.service]),
                  values: {
                    accept: s.turnaroundMinutes.toAcceptance.median,
                    report: s.turnaroundMinutes.toSignedReport.median,
                  },
                }))}
                series={[
                  { key: 'accept', label: t('board.fig.toAcceptance'), color: '#5a7d9a' },
                  { key: 'report', label: t('board.fig.toReport'), color: '#0b5f6e' },
                ]}
                mode="grouped"
                labelWidth={110}
                format={(v) => t('board.fig.minutes', { n: number(v) })}
              />
              <ShareBars
                title={t('board.fig.chartWithinLimit')}
                description={services
                  .map(
                    (s) =>
                      `${labelOf(SERVICE_LABELS[s.service])}: ${s.withinLimitShare === null ? t('board.fig.noneSettled') : pct(s.withinLimitShare)}`,
                  )
                  .join('; ')}
                rows={services.map((s) => ({ label: labelOf(SERVICE_LABELS[s.service]), share: s.withinLimitShare }))}
                withinLabel={t('board.fig.within')}
                missedLabel={t('board.fig.missed')}
                noneLabel={t('board.fig.noneSettled')}
                format={pct}
              />
            </div>
            <HorizontalBars
              title={t('board.fig.chartOutcomes')}
              description={[
                ...dispositionTotals.map((x) => `${labelOf(DISPOSITION_LABELS[x.d])} ${x.n}`),
                `${t('board.fig.referredBackDown')} ${backDown}`,
              ].join('; ')}
              rows={[
                ...dispositionTotals.map((x) => ({ label: labelOf(DISPOSITION_LABELS[x.d]), values: { n: x.n } })),
                { label: t('board.fig.referredBackDown'), values: { n: backDown } },
              ]}
              series={[{ key: 'n', label: t('board.fig.count'), color: DISPOSITION_COLOR }]}
              mode="stacked"
              integer
              labelWidth={170}
              format={(v) => number(v)}
            />
          </div>

          <h2 id="figures-table-title">{t('board.fig.tableTitle')}</h2>
          {/* scrolls sideways on a narrow window: focusable, so the keyboard can scroll it */}
          <div className="table-wrap" role="region" aria-labelledby="figures-table-title" tabIndex={0}>
            <table className="list figures-table" data-testid="figures-table">
              <caption className="board-sr">{t('board.fig.tableCaption', { week })}</caption>
              <thead>
                <tr>
                  <th scope="col">{t('board.fig.centre')}</th>
                  <th scope="col">{t('board.fig.referrals')}</th>
                  {SERVICES.map((s) => (
                    <th scope="col" key={s}>
                      {labelOf(SERVICE_LABELS[s])}
                    </th>
                  ))}
                  {PRIORITIES.map((p) => (
                    <th scope="col" key={p}>
                      {labelOf(PRIORITY_LABELS[p])}
                    </th>
                  ))}
                  <th scope="col">{t('board.fig.acceptMedianP90')}</th>
                  <th scope="col">{t('board.fig.reportMedianP90')}</th>
                  <th scope="col">{t('board.fig.missedCol')}</th>
                  {DISPOSITIONS.map((d) => (
                    <th scope="col" key={d}>
                      {labelOf(DISPOSITION_LABELS[d])}
                    </th>
                  ))}
                  <th scope="col">{t('board.fig.referredBackDown')}</th>
                  <th scope="col">{t('board.fig.criticalCol')}</th>
                </tr>
              </thead>
              <tbody>
                {centres.map((c) => (
                  <tr key={c.code}>
                    <th scope="row">{name(c.nameZh, c.nameEn)}</th>
                    <td className="num">{number(c.referrals.total)}</td>
                    {SERVICES.map((s) => (
                      <td className="num" key={s}>
                        {number(c.referrals.byService[s])}
                      </td>
                    ))}
                    {PRIORITIES.map((p) => (
                      <td className="num" key={p}>
                        {number(c.referrals.byPriority[p])}
                      </td>
                    ))}
                    <td className="num">
                      {minutes(c.turnaroundMinutes.toAcceptance.median)} /{' '}
                      {minutes(c.turnaroundMinutes.toAcceptance.p90)}
                    </td>
                    <td className="num">
                      {minutes(c.turnaroundMinutes.toSignedReport.median)} /{' '}
                      {minutes(c.turnaroundMinutes.toSignedReport.p90)}
                    </td>
                    <td className="num">
                      {t('board.fig.missedValue', {
                        acceptance: c.limitsMissed.acceptance,
                        report: c.limitsMissed.report,
                      })}
                    </td>
                    {DISPOSITIONS.map((d) => (
                      <td className="num" key={d}>
                        {number(c.dispositions[d])}
                      </td>
                    ))}
                    <td className="num">{number(c.referredBackDown)}</td>
                    <td className="num" data-testid={`figures-critical-${c.code}`}>
                      {t('board.fig.criticalValue', {
                        n: c.criticalResults?.count ?? 0,
                        escalated: c.criticalResults?.escalated ?? 0,
                        median: minutes(c.criticalResults?.confirmMinutes.median ?? null),
                        longest: minutes(c.criticalResults?.confirmMinutes.longest ?? null),
                      })}
                    </td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row">{t('board.fig.network')}</th>
                  <td className="num">{number(total)}</td>
                  {SERVICES.map((s) => (
                    <td className="num" key={s}>
                      {number(sum((c) => c.referrals.byService[s]))}
                    </td>
                  ))}
                  {PRIORITIES.map((p) => (
                    <td className="num" key={p}>
                      {number(sum((c) => c.referrals.byPriority[p]))}
                    </td>
                  ))}
                  <td className="num" colSpan={2}>
                    {services
                      .map(
                        (s) =>
                          `${labelOf(SERVICE_LABELS[s.service])} ${minutes(s.turnaroundMinutes.toAcceptance.median)} / ${minutes(s.turnaroundMinutes.toSignedReport.median)}`,
                      )
                      .join(' · ')}
                  </td>
                  <td className="num">
                    {t('board.fig.missedValue', {
                      acceptance: sum((c) => c.limitsMissed.acceptance),
                      report: sum((c) => c.limitsMissed.report),
                    })}
                  </td>
                  {dispositionTotals.map((x) => (
                    <td className="num" key={x.d}>
                      {number(x.n)}
                    </td>
                  ))}
                  <td className="num">{number(backDown)}</td>
                  <td className="num">{number(sum((c) => c.criticalResults?.count ?? 0))}</td>
                </tr>
              </tfoot>
            </table>
          </div>
          <p className="hint">{t('board.fig.cohortNote')}</p>
        </>
      )}
    </section>
  );
}
