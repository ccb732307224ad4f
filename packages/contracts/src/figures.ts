/**
 * The figures the network reviews every week (`GET /api/figures/weekly?week=2026-W48`): per community centre and per
 * reading service, for the referrals submitted that week. Minutes are from submission; null where nothing was
 * measured.
 */
import type { Disposition, Priority, Service } from '@zhiyin/workflow';

/** A turnaround: median and 90th percentile in minutes, over `n` referrals. */
export interface TurnaroundFigures {
  readonly median: number | null;
  readonly p90: number | null;
  readonly n: number;
}

/** Both turnarounds the network watches. */
export interface TurnaroundMinutesFigures {
  readonly toAcceptance: TurnaroundFigures;
  readonly toSignedReport: TurnaroundFigures;
}

/** How many referrals missed their acceptance and report limits. */
export interface LimitsMissedFigures {
  readonly acceptance: number;
  readonly report: number;
}

/** Critical results (危急值) raised that week: how many, escalated, still open, and the minutes to read-back. */
export interface CriticalFigures {
  readonly count: number;
  readonly escalated: number;
  readonly open: number;
  readonly confirmMinutes: { readonly median: number | null; readonly longest: number | null; readonly n: number };
}

/** One community centre's week. */
export interface CentreFigures {
  readonly code: string;
  readonly nameZh: string;
  readonly nameEn: string;
  readonly referrals: {
    readonly total: number;
    readonly byService: Readonly<Record<Service, number>>;
    readonly byPriority: Readonly<Record<Priority, number>>;
  };
  readonly turnaroundMinutes: TurnaroundMinutesFigures;
  readonly limitsMissed: LimitsMissedFigures;
  readonly dispositions: Readonly<Record<Disposition, number>>;
  readonly referredBackDown: number;
  readonly criticalResults: CriticalFigures;
}

/** One reading service's week across the network. */
export interface ServiceFigures {
  readonly service: Service;
  readonly referrals: number;
  readonly turnaroundMinutes: TurnaroundMinutesFigures;
  readonly limitsMissed: LimitsMissedFigures;
  /** the share of reports signed within the limit; null when nothing was reported and no limit passed yet */
  readonly withinLimitShare: number | null;
  readonly criticalResults: CriticalFigures;
}

/** `GET /api/figures/weekly`. */
export interface WeeklyFiguresView {
  /** ISO 8601 week, e.g. 2026-W48 */
  readonly week: string;
  /** Monday 00:00 China Standard Time, as an ISO 8601 instant */
  readonly start: string;
  readonly end: string;
  readonly timeZone: string;
  readonly centres: readonly CentreFigures[];
  readonly services: readonly ServiceFigures[];
}
