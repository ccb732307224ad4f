/** What the sweeper of orphaned and temporary files found on its last run. */
export interface SweeperRun {
  /** when the run finished */
  at: Date;
  filesRemoved: number;
  bytesRemoved: number;
}

/** Read by the metrics on every scrape; provided by the sweeper where one runs. */
export interface SweeperStats {
  /** the last finished run, or null before the first */
  lastRun(): SweeperRun | null;
}

/** Optional: without a provider the sweeper's metrics are simply absent. */
export const SWEEPER_STATS = Symbol('SWEEPER_STATS');
