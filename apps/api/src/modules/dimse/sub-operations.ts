import type { RetrieveRow } from '#src/modules/imaging/imaging.repository.js';
import { RETRIEVE_STATUS, type OutgoingInstance } from './qr-retrieve.js';

/** The sub-operation counts of a C-MOVE or C-GET (PS3.4 C.4.2.1.5, C.4.3.1.4) and, at the end, its final status. */
export interface SubOperationCounts {
  remaining: number;
  completed: number;
  failed: number;
  warning: number;
  failedUids: string[];
  finalStatus: number;
  summary: { completed: number; failed: number; warning: number; cancelled: boolean };
}

// C-STORE statuses that count as a warning (PS3.4 B.2.3: coercion, elements discarded, data set does not match).
const isWarning = (s: number) => s === 0x0001 || (s & 0xf000) === 0xb000;

/**
 * Runs the C-STORE sub-operations of one retrieval, one after the other, with a pending response before each
 * (PS3.4 C.4.2.2, C.4.3.2). The final status: success when every one completed; cancelled (0xFE00) after a
 * C-CANCEL, the rest then not sent; otherwise "sub-operations complete, one or more failures or warnings" (0xB000).
 */
export async function runSubOperations(
  rows: RetrieveRow[],
  io: {
    load: (row: RetrieveRow) => Promise<OutgoingInstance>;
    store: (instance: OutgoingInstance) => Promise<number>;
    pending: (counts: SubOperationCounts) => void;
    cancelled: () => boolean;
  },
): Promise<SubOperationCounts> {
  const c: SubOperationCounts = {
    remaining: rows.length,
    completed: 0,
    failed: 0,
    warning: 0,
    failedUids: [],
    finalStatus: RETRIEVE_STATUS.SUCCESS,
    summary: { completed: 0, failed: 0, warning: 0, cancelled: false },
  };
  let cancelled = false;
  for (const row of rows) {
    if (io.cancelled()) {
      cancelled = true;
      break;
    }
    io.pending(c);
    let status: number;
    try {
      status = await io.store(await io.load(row));
    } catch {
      status = RETRIEVE_STATUS.UNABLE_TO_PROCESS;
    }
    c.remaining--;
    if (status === 0x0000) c.completed++;
    else if (isWarning(status)) c.warning++;
    else {
      c.failed++;
      c.failedUids.push(row.sop_instance_uid);
    }
  }
  c.finalStatus = cancelled
    ? RETRIEVE_STATUS.CANCELLED
    : c.failed > 0 || c.warning > 0
      ? RETRIEVE_STATUS.WARNING_SUB_OPERATIONS
      : RETRIEVE_STATUS.SUCCESS;
  // A cancelled retrieval names the instances not sent as failed too (PS3.4 C.4.2.1.4.2 Failed SOP Instance UID List).
  if (cancelled) c.failedUids.push(...rows.slice(rows.length - c.remaining).map((r) => r.sop_instance_uid));
  c.summary = { completed: c.completed, failed: c.failed, warning: c.warning, cancelled };
  return c;
}
