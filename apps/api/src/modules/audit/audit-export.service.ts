import { Injectable } from '@nestjs/common';
import { AUDIT_EXPORT_MAX_ROWS } from '@zhiyin/contracts';
import { AUDIT_CSV_HEADER, auditCsvRecord, CSV_BOM, csvLine } from './audit-csv.js';
import { AuditRepository, filterKinds, type AuditFilter } from './audit.repository.js';
import { AuditService } from './audit.service.js';

/** Rows read per round trip while streaming: keeps memory flat whatever the export's size. */
const BATCH = 1000;

/**
 * The audit trail as CSV, for the administrator: the same filters and columns as the screen, newest
 * first, at most AUDIT_EXPORT_MAX_ROWS rows. Written batch by batch (keyset paging on the row id, so rows
 * written while it runs never shift or repeat), never held whole in memory.
 */
@Injectable()
export class AuditExportService {
  constructor(
    private readonly repo: AuditRepository,
    private readonly audit: AuditService,
  ) {}

  /**
   * Records the export (before any row leaves, so an interrupted download is on the trail too) and
   * returns the CSV text as it is produced.
   */
  async start(filter: AuditFilter): Promise<AsyncGenerator<string>> {
    await this.audit.record({
      action: 'audit.export',
      resourceType: 'audit_event',
      outcome: 'success',
      details: { filters: filterKinds(filter), maxRows: AUDIT_EXPORT_MAX_ROWS },
    });
    return this.lines(filter);
  }

  private async *lines(filter: AuditFilter): AsyncGenerator<string> {
    yield CSV_BOM + csvLine(AUDIT_CSV_HEADER);
    let written = 0;
    let before: string | undefined;
    for (;;) {
      const want = Math.min(BATCH, AUDIT_EXPORT_MAX_ROWS + 1 - written);
      const rows = await this.repo.page(filter, before, want);
      // One row past the limit tells a truncated export from one that ends exactly at it.
      const keep = rows.slice(0, AUDIT_EXPORT_MAX_ROWS - written);
      if (keep.length) yield keep.map(auditCsvRecord).join('');
      written += keep.length;
      if (written >= AUDIT_EXPORT_MAX_ROWS && rows.length > keep.length) {
        yield csvLine([
          `# 已截断：最多导出 ${AUDIT_EXPORT_MAX_ROWS} 条，请缩小筛选范围 / truncated: at most ${AUDIT_EXPORT_MAX_ROWS} rows per export, narrow the filters`,
        ]);
        return;
      }
      if (rows.length < want) return;
      before = rows[rows.length - 1]!.id;
    }
  }
}
