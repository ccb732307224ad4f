import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DISPOSITIONS, PRIORITIES, SERVICES } from '@zhiyin/workflow';
import { DataSource } from 'typeorm';

/** One community centre's week, as the figures query returns it. */
export interface CentreWeekRow {
  facility_id: string;
  code: string;
  name_zh: string;
  name_en: string;
  total: number;
  [k: string]: unknown;
}

// The SQL of the weekly figures (FiguresService turns the rows into the figures and the CSV).
@Injectable()
export class FiguresRepository {
  constructor(@InjectDataSource() private readonly ds: DataSource) {}

  /** Per community centre: the referrals submitted in [start, end) and what became of them. */
  centreWeek(start: Date, end: Date): Promise<CentreWeekRow[]> {
    return this.ds.query<CentreWeekRow[]>(
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
  }

  /** Per reading service: the same cohort's turnaround and limits. */
  serviceWeek(start: Date, end: Date, services: readonly string[]): Promise<Record<string, unknown>[]> {
    return this.ds.query<Record<string, unknown>[]>(
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
      [start, end, [...services]],
    );
  }

  /** Critical results raised in [start, end), grouped by centre or by service. */
  criticalWeek(start: Date, end: Date, by: 'r.origin_facility_id' | 'c.service'): Promise<Record<string, unknown>[]> {
    return this.ds.query<Record<string, unknown>[]>(
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
  }
}
