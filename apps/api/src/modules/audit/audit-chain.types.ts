/** Why a row of the audit chain does not verify. */
export type AuditChainBreak = 'hash_mismatch' | 'missing_rows_before' | 'unlinked' | 'missing_rows_at_end';

/** The result of walking the audit chain. */
export interface AuditChainReport {
  ok: boolean;
  /** rows read */
  checked: number;
  /** the chain's head as the database records it: the last row's place and hash */
  head: { chainSeq: string; hash: string };
  /** the first row that does not verify; null when the whole chain does */
  firstBroken: { id: string | null; chainSeq: string | null; at: string | null; reason: AuditChainBreak } | null;
}
