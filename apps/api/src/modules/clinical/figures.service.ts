import { Injectable } from '@nestjs/common';
import type { CentreFigures, CriticalFigures, ServiceFigures, WeeklyFiguresView } from '@zhiyin/contracts';
import { DISPOSITIONS, PRIORITIES, SERVICES, type Disposition, type Priority, type Service } from '@zhiyin/workflow';
import { AppError } from '#src/common/errors.js';
import { FiguresRepository } from './figures.repository.js';

/** Monday 00:00 in China Standard Time (UTC+8) of an ISO 8601 week, and the Monday after. */
export function isoWeekRange(week: string): { start: Date; end: Date } {
  const m = /^(\d{4})-W(\d{2})$/.exec(week);
  if (!m) throw new AppError('VALIDATION_FAILED', 'week must look like 2026-W48.', { fields: ['week'] });
  const year = Number(m[1]);
  const w = Number(m[2]);
  // ISO week 1 contains 4 January.
  const jan4 = new Date(Date.UTC(year, 0, 4));
  const mondayWeek1 = new Date(jan4.getTime() - ((jan4.getUTCDay() + 6) % 7) * 86_400_000);
  const monday = new Date(mondayWeek1.getTime() + (w - 1) * 7 * 86_400_000);
  const lastWeek = new Date(Date.UTC(year, 11, 28)); // 28 December is always in the last ISO week
  const weeksInYear =
    Math.round(
      (lastWeek.getTime() - ((lastWeek.getUTCDay() + 6) % 7) * 86_400_000 - mondayWeek1.getTime()) / (7 * 86_400_000),
    ) + 1;
  if (w > weeksInYear)
    throw new AppError('VALIDATION_FAILED', `${year} has ${weeksInYear} ISO weeks.`, { fields: ['week'] });
  const start = new Date(monday.getTime() - 8 * 3600_000);
  return { start, end: new Date(start.getTime() + 7 * 86_400_000) };
}

/** A centre or service with no critical result that week. */
const NO_CRITICAL: CriticalFigures = {
  count: 0,
  escalated: 0,
  open: 0,
  confirmMinutes: { median: null, longest: null, n: 0 },
};

const round1 = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);

// The figures the network reviews every week, per community centre: what was referred, how fast
// it was accepted and reported (median and 90th percentile, minutes from submission), limits
// missed, dispositions and referrals back down. The cohort is the referrals submitted that week.
@Injectable()
export class FiguresService {
  constructor(private readonly figures: FiguresRepository) {}

  async weekly(week: string): Promise<WeeklyFiguresView> {
    const { start, end } = isoWeekRange(week);
    const rows = await this.figures.centreWeek(start, end);
    const critical = await this.criticalResults(start, end, 'r.origin_facility_id');
    const criticalByService = await this.criticalResults(start, end, 'c.service');
    const centres = rows.map((r): CentreFigures => ({
      code: r.code,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      referrals: {
        total: r.total,
        byService: Object.fromEntries(SERVICES.map((s) => [s, r[`service_${s}`] as number])) as Record<Service, number>,
        byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, r[`priority_${p}`] as number])) as Record<
          Priority,
          number
        >,
      },
      turnaroundMinutes: {
        toAcceptance: { median: round1(r.accept_p50), p90: round1(r.accept_p90), n: r.accept_n as number },
        toSignedReport: { median: round1(r.report_p50), p90: round1(r.report_p90), n: r.report_n as number },
      },
      limitsMissed: { acceptance: r.missed_acceptance as number, report: r.missed_report as number },
      dispositions: Object.fromEntries(DISPOSITIONS.map((d) => [d, r[`disposition_${d}`] as number])) as Record<
        Disposition,
        number
      >,
      referredBackDown: r.referred_back_down as number,
      criticalResults: critical.get(r.facility_id) ?? NO_CRITICAL,
    }));
    const services = (await this.byService(start, end)).map((s): ServiceFigures => ({
      ...s,
      criticalResults: criticalByService.get(s.service) ?? NO_CRITICAL,
    }));
    return { week, start: start.toISOString(), end: end.toISOString(), timeZone: 'Asia/Shanghai', centres, services };
  }

  /**
   * The network's week per reading service: referrals, turnaround (median, 90th percentile) and the share of
   * reports signed within the limit, among the referrals whose report was signed or whose limit passed.
   */
  private async byService(start: Date, end: Date) {
    const rows = await this.figures.serviceWeek(start, end, SERVICES);
    return SERVICES.map((service) => {
      const r = rows.find((x) => x.service === service) ?? {};
      const settled = Number(r.settled ?? 0);
      return {
        service,
        referrals: Number(r.total ?? 0),
        turnaroundMinutes: {
          toAcceptance: { median: round1(r.accept_p50), p90: round1(r.accept_p90), n: Number(r.accept_n ?? 0) },
          toSignedReport: { median: round1(r.report_p50), p90: round1(r.report_p90), n: Number(r.report_n ?? 0) },
        },
        limitsMissed: { acceptance: Number(r.missed_acceptance ?? 0), report: Number(r.missed_report ?? 0) },
        // null when nothing was reported and no limit passed yet
        withinLimitShare: settled > 0 ? Math.round((Number(r.within_limit ?? 0) / settled) * 1000) / 1000 : null,
      };
    });
  }

  /**
   * Critical results raised in the week, grouped by `by`: how many, how many escalated, and the minutes from raising
   * to the read-back that settled them (the doctor's, or the one taken on a coordinator's call).
   */
  private async criticalResults(start: Date, end: Date, by: 'r.origin_facility_id' | 'c.service') {
    const rows = await this.figures.criticalWeek(start, end, by);
    return new Map(
      rows.map((r): [string, CriticalFigures] => [
        String(r.key),
        {
          count: Number(r.total),
          escalated: Number(r.escalated),
          open: Number(r.open),
          confirmMinutes: { median: round1(r.median), longest: round1(r.longest), n: Number(r.settled) },
        },
      ]),
    );
  }

  toCsv(figures: WeeklyFiguresView): string {
    const header = [
      'week',
      'centre_code',
      'centre_name_zh',
      'centre_name_en',
      'referrals',
      ...SERVICES.map((s) => `service_${s}`),
      ...PRIORITIES.map((p) => `priority_${p}`),
      'accept_median_min',
      'accept_p90_min',
      'report_median_min',
      'report_p90_min',
      'acceptance_limit_missed',
      'report_limit_missed',
      ...DISPOSITIONS.map((d) => `disposition_${d}`),
      'referred_back_down',
      'critical_results',
      'critical_escalated',
      'critical_confirm_median_min',
      'critical_confirm_longest_min',
    ];
    const cell = (v: string | number | null | undefined) => {
      const s = v === null || v === undefined ? '' : String(v);
      return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    };
    const lines = figures.centres.map((c) =>
      [
        figures.week,
        c.code,
        c.nameZh,
        c.nameEn,
        c.referrals.total,
        ...SERVICES.map((s) => c.referrals.byService[s]),
        ...PRIORITIES.map((p) => c.referrals.byPriority[p]),
        c.turnaroundMinutes.toAcceptance.median,
        c.turnaroundMinutes.toAcceptance.p90,
        c.turnaroundMinutes.toSignedReport.median,
        c.turnaroundMinutes.toSignedReport.p90,
        c.limitsMissed.acceptance,
        c.limitsMissed.report,
        ...DISPOSITIONS.map((d) => c.dispositions[d]),
        c.referredBackDown,
        c.criticalResults.count,
        c.criticalResults.escalated,
        c.criticalResults.confirmMinutes.median,
        c.criticalResults.confirmMinutes.longest,
      ]
        .map(cell)
        .join(','),
    );
    // A byte order mark so spreadsheet programs read the Chinese names as UTF-8.
    return `\uFEFF${[header.join(','), ...lines].join('\r\n')}\r\n`;
  }
}
