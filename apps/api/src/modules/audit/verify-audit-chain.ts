import type { AuditChainBreak, AuditChainReport } from '@zhiyin/contracts';

/** Runs one SQL statement and returns its rows (a pg client, a pool or a TypeORM DataSource behind it). */
export type RunSql = <T>(sql: string, params?: unknown[]) => Promise<T[]>;

/**
 * Walks the audit trail in chain order and recomputes every row's hash from the row before it (migration
 * 1765090000000-AuditChain). One statement, so one snapshot: rows being written meanwhile are either
 * wholly in it (with the chain head they moved) or not at all. Names the first row that is broken:
 * - `hash_mismatch`: its content or hash was changed after it was written;
 * - `missing_rows_before`: rows before it in the chain are gone;
 * - `unlinked`: it was slipped in without passing the chain trigger;
 * - `missing_rows_at_end`: the last rows of the chain are gone (this names the last row still there).
 */
export async function verifyAuditChain(run: RunSql): Promise<AuditChainReport> {
  const [summary] = await run<{
    checked: string;
    head_seq: string;
    head_hash: string;
    anchor_seq: string;
    bad_id: string | null;
    bad_seq: string | null;
    bad_at: Date | null;
    bad_reason: AuditChainBreak | null;
  }>(
    `WITH chain AS (SELECT seq, head, anchor_seq, anchor_hash FROM audit_chain),
     linked AS (
       SELECT e.id, e.chain_seq, e.hash, e.at,
              audit_event_digest(COALESCE(lag(e.hash) OVER w, (SELECT anchor_hash FROM chain)), e) AS expected,
              COALESCE(lag(e.chain_seq) OVER w, (SELECT anchor_seq FROM chain)) AS prev_seq,
              row_number() OVER w AS n, count(*) OVER () AS total
         FROM audit_event e
       WINDOW w AS (ORDER BY e.chain_seq NULLS LAST, e.id)),
     judged AS (
       SELECT l.*, CASE
                     WHEN l.chain_seq IS NULL OR l.hash IS NULL THEN 'unlinked'
                     WHEN l.chain_seq <> l.prev_seq + 1 THEN 'missing_rows_before'
                     WHEN l.hash <> l.expected THEN 'hash_mismatch'
                     WHEN l.n = l.total AND (l.chain_seq <> c.seq OR l.hash <> c.head) THEN 'missing_rows_at_end'
                   END AS reason
         FROM linked l CROSS JOIN chain c),
     first_bad AS (SELECT id, chain_seq, at, reason FROM judged WHERE reason IS NOT NULL ORDER BY n LIMIT 1)
     SELECT (SELECT count(*) FROM audit_event) AS checked, c.seq AS head_seq, c.head AS head_hash,
            c.anchor_seq, b.id AS bad_id, b.chain_seq AS bad_seq, b.at AS bad_at,
            COALESCE(b.reason, CASE WHEN NOT EXISTS (SELECT 1 FROM audit_event) AND c.seq <> c.anchor_seq
                                    THEN 'missing_rows_at_end' END) AS bad_reason
       FROM chain c LEFT JOIN first_bad b ON true`,
  );
  if (!summary) throw new Error('the audit chain has no head row (audit_chain is empty)');
  return {
    ok: summary.bad_reason === null,
    checked: Number(summary.checked),
    head: { chainSeq: summary.head_seq, hash: summary.head_hash },
    firstBroken: summary.bad_reason
      ? {
          id: summary.bad_id,
          chainSeq: summary.bad_seq,
          at: summary.bad_at ? new Date(summary.bad_at).toISOString() : null,
          reason: summary.bad_reason,
        }
      : null,
  };
}
