import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DISPOSITIONS, PRIORITIES, SERVICES } from '@zhiyin/workflow';
import { DataSource } from 'typeorm';
import { AppError } from '#src/common/errors.js';

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

interface Row {
  facility_id: string;
  code: string;
  name_zh: string;
  name_en: string;
  total: number;
  [k: string]: unknown;
}

/** A centre or service with no critical result that week. */
const NO_CRITICAL = { count: 0, escalated: 0, open: 0, confirmMinutes: { median: null, longest: null, n: 0 } };

const round1 = (v: unknown) => (v === null || v === undefined ? null : Math.round(Number(v) * 10) / 10);

// The figures the network reviews every week, per community centre: what was referred, how fast
// it was accepted and reported (median and 90th percentile, minutes from submission), limits
// missed, dispositions and referrals back down. The cohort is the referrals submitted that week.
@Injectable()
export class FiguresService {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  async weekly(week: string) {
    const { start, end } = isoWeekRange(week);
    const rows = await this.ds.query<Row[]>(
      `WITH cohort AS (
         SELECT r.id, r.origin_facility_id, r.service, r.priority, r.submitted_at
           FROM referral r WHERE r.direction = 'up' AND r.submitted_at >= $1 AND r.submitted_at < $2),
       firsts AS (
         SELECT e.referral_id,
                min(e.at) FILTER (WHERE e.event IN ('accept', 'claim')) AS accepted_at,
                min(e.at) FILTER (WHERE e.event = 'sign_report') AS reported_at,
                bool_or(e.event = 'acceptance_overdue') AS acceptance_missed,
                bool_or(e.event = 'report_overdue') AS report_missed
           FROM referral_event e JOIN cohort c ON c.id = e.referral_id GROUP BY e.referral_id),
       t AS (
         SELECT c.*, extract(epoch FROM f.accepted_at - c.submitted_at) / 60 AS to_accept,
                extract(epoch FROM f.reported_at - c.submitted_at) / 60 AS to_report,
                coalesce(f.acceptance_missed, false) AS acceptance_missed, coalesce(f.report_missed, false) AS report_missed,
                rp.disposition
           FROM cohort c LEFT JOIN firsts f ON f.referral_id = c.id
           LEFT JOIN report rp ON rp.referral_id = c.id AND rp.signed_at IS NOT NULL),
       down AS (
         SELECT destination_facility_id AS facility_id, count(*)::int AS n FROM referral
          WHERE direction = 'down' AND created_at >= $1 AND created_at < $2 GROUP BY 1)
       SELECT f.id AS facility_id, f.code, f.name_zh, f.name_en,
              count(t.id)::int AS total,
              ${SERVICES.map((s) => `count(t.id) FILTER (WHERE t.service = '${s}')::int AS "service_${s}"`).join(', ')},
              ${PRIORITIES.map((p) => `count(t.id) FILTER (WHERE t.priority = '${p}')::int AS "priority_${p}"`).join(', ')},
              percentile_cont(0.5) WITHIN GROUP (ORDER BY t.to_accept) AS accept_p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY t.to_accept) AS accept_p90,
              count(t.to_accept)::int AS accept_n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY t.to_report) AS report_p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY t.to_report) AS report_p90,
              count(t.to_report)::int AS report_n,
              count(t.id) FILTER (WHERE t.acceptance_missed)::int AS missed_acceptance,
              count(t.id) FILTER (WHERE t.report_missed)::int AS missed_report,
              ${DISPOSITIONS.map((d) => `count(t.id) FILTER (WHERE t.disposition = '${d}')::int AS "disposition_${d}"`).join(', ')},
              coalesce(max(down.n), 0)::int AS referred_back_down
         FROM facility f
         LEFT JOIN t ON t.origin_facility_id = f.id
         LEFT JOIN down ON down.facility_id = f.id
        WHERE f.kind = 'community'
        GROUP BY f.id, f.code, f.name_zh, f.name_en
        ORDER BY f.code`,
      [start, end],
    );
    const critical = await this.criticalResults(start, end, 'r.origin_facility_id');
    const criticalByService = await this.criticalResults(start, end, 'c.service');
    const centres = rows.map((r) => ({
      code: r.code,
      nameZh: r.name_zh,
      nameEn: r.name_en,
      referrals: {
        total: r.total,
        byService: Object.fromEntries(SERVICES.map((s) => [s, r[`service_${s}`] as number])),
        byPriority: Object.fromEntries(PRIORITIES.map((p) => [p, r[`priority_${p}`] as number])),
      },
      turnaroundMinutes: {
        toAcceptance: { median: round1(r.accept_p50), p90: round1(r.accept_p90), n: r.accept_n as number },
        toSignedReport: { median: round1(r.report_p50), p90: round1(r.report_p90), n: r.report_n as number },
      },
      limitsMissed: { acceptance: r.missed_acceptance as number, report: r.missed_report as number },
      dispositions: Object.fromEntries(DISPOSITIONS.map((d) => [d, r[`disposition_${d}`] as number])),
      referredBackDown: r.referred_back_down as number,
      criticalResults: critical.get(r.facility_id) ?? NO_CRITICAL,
    }));
    const services = (await this.byService(start, end)).map((s) => ({
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
    const rows = await this.ds.query<Record<string, unknown>[]>(
      `WITH cohort AS (
         SELECT r.id, r.service, r.submitted_at FROM referral r
          WHERE r.direction = 'up' AND r.submitted_at >= $1 AND r.submitted_at < $2),
       t AS (
         SELECT c.service,
                extract(epoch FROM min(e.at) FILTER (WHERE e.event IN ('accept', 'claim')) - c.submitted_at) / 60 AS to_accept,
                extract(epoch FROM min(e.at) FILTER (WHERE e.event = 'sign_report') - c.submitted_at) / 60 AS to_report,
                coalesce(bool_or(e.event = 'acceptance_overdue'), false) AS acceptance_missed,
                coalesce(bool_or(e.event = 'report_overdue'), false) AS report_missed
           FROM cohort c LEFT JOIN referral_event e ON e.referral_id = c.id GROUP BY c.id, c.service, c.submitted_at)
       SELECT s.service, count(t.service)::int AS total,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY t.to_accept) AS accept_p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY t.to_accept) AS accept_p90,
              count(t.to_accept)::int AS accept_n,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY t.to_report) AS report_p50,
              percentile_cont(0.9) WITHIN GROUP (ORDER BY t.to_report) AS report_p90,
              count(t.to_report)::int AS report_n,
              count(*) FILTER (WHERE t.acceptance_missed)::int AS missed_acceptance,
              count(*) FILTER (WHERE t.report_missed)::int AS missed_report,
              count(*) FILTER (WHERE t.to_report IS NOT NULL AND NOT t.report_missed)::int AS within_limit,
              count(*) FILTER (WHERE t.to_report IS NOT NULL OR t.report_missed)::int AS settled
         FROM unnest($3::text[]) AS s(service) LEFT JOIN t ON t.service = s.service
        GROUP BY s.service`,
      [start, end, [...SERVICES]],
    );
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
    const rows = await this.ds.query<Record<string, unknown>[]>(
      `SELECT ${by} AS key, count(*)::int AS total, count(c.escalated_at)::int AS escalated,
              count(*) FILTER (WHERE c.state IN ('raised', 'escalated'))::int AS open,
              percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM COALESCE(c.confirmed_at, c.closed_at) - c.raised_at) / 60) AS median,
              max(extract(epoch FROM COALESCE(c.confirmed_at, c.closed_at) - c.raised_at) / 60) AS longest,
              count(COALESCE(c.confirmed_at, c.closed_at))::int AS settled
         FROM critical_result c JOIN referral r ON r.id = c.referral_id
        WHERE c.raised_at >= $1 AND c.raised_at < $2
        GROUP BY 1`,
      [start, end],
    );
    return new Map(
      rows.map((r) => [
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

  toCsv(figures: Awaited<ReturnType<FiguresService['weekly']>>): string {
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
