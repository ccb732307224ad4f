import { Readable } from 'node:stream';
import { Controller, Get, Header, Query, StreamableFile } from '@nestjs/common';
import { AUDIT_EXPORT_MAX_ROWS, type AuditTrailPage } from '@zhiyin/contracts';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { Roles } from '#src/common/decorators.js';
import { ApiView } from '#src/common/openapi/api-view.decorator.js';
import { AppError } from '#src/common/errors.js';
import { AUDIT_OUTCOMES, type AuditOutcome } from './audit-event.entity.js';
import { AuditService } from './audit.service.js';
import { AuditExportService } from './audit-export.service.js';
import type { AuditFilter } from './audit.repository.js';
import { IsBoundedInt, IsRowId, IsTimestamp } from '#src/common/validation/decorators.js';

/** The filters of the trail, shared by the page and the CSV export. */
export class AuditQueryDto {
  @ApiPropertyOptional() @IsOptional() @IsString() actorId?: string;
  @ApiPropertyOptional({ description: "the actor's user name" })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  actor?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() patientId?: string;
  @ApiPropertyOptional() @IsOptional() @IsUUID() facilityId?: string;
  @ApiPropertyOptional({ description: 'an exact action, or a prefix ending in "." such as "user."' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_.]{1,64}$/, { message: 'action must be lower-case letters, digits, dots and underscores' })
  action?: string;
  @ApiPropertyOptional({ example: 'user' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-z0-9_]{1,32}$/, { message: 'resourceType must be lower-case letters, digits and underscores' })
  resourceType?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) resourceId?: string;
  @ApiPropertyOptional({ enum: AUDIT_OUTCOMES }) @IsOptional() @IsIn(AUDIT_OUTCOMES) outcome?: AuditOutcome;
  @ApiPropertyOptional({ description: 'a referral number, e.g. ZY26120600001: rows about it and its studies' })
  @IsOptional()
  @IsString()
  @Matches(/^[Zz][Yy]\d{6,14}$/, { message: 'referralNumber must be a referral number such as ZY26120600001' })
  referralNumber?: string;
  @ApiPropertyOptional({ description: "a patient's MRN (exact): rows about that patient" })
  @IsOptional()
  @IsString()
  @Matches(/^[A-Za-z0-9._-]{1,64}$/, { message: 'mrn may contain letters, digits, dot, dash and underscore' })
  mrn?: string;
  @ApiPropertyOptional({ description: "part of a patient's name, in Chinese characters or pinyin, or the initials" })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  patientName?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() from?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() to?: string;
}

/** The trail page: the filters, and where and how much to read. */
export class AuditPageQueryDto extends AuditQueryDto {
  @ApiPropertyOptional({ description: 'rows older than this id (the previous page’s nextBefore)' })
  @IsOptional()
  @IsRowId()
  before?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoundedInt({ min: 1, max: 500 }) limit?: number;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(
    private readonly audit: AuditService,
    private readonly exporter: AuditExportService,
  ) {}

  /**
   * The audit trail, newest first, for administrators, with beside each row's ids the names they stand
   * for: the actor, the centre, the referral number, the patient's MRN and name. `nextBefore` pages to
   * older rows; null on the last page. The read is audited (`audit.search`).
   */
  @Get()
  @Roles('admin')
  @ApiView('AuditTrailPage')
  list(@Query() q: AuditPageQueryDto): Promise<AuditTrailPage> {
    const { before, limit, ...filters } = q;
    return this.audit.search(toFilter(filters), before, limit ?? 100);
  }

  /**
   * The same rows as CSV (UTF-8 with a byte-order mark, RFC 4180, formula-like cells neutralised), at
   * most AUDIT_EXPORT_MAX_ROWS (also sent as X-Export-Max-Rows; a last line says when it was cut),
   * streamed as it is read. The export is audited (`audit.export`).
   */
  @Get('export.csv')
  @Roles('admin')
  @Header('content-type', 'text/csv; charset=utf-8')
  @Header('x-export-max-rows', String(AUDIT_EXPORT_MAX_ROWS))
  @Header('cache-control', 'no-store')
  async exportCsv(@Query() q: AuditQueryDto): Promise<StreamableFile> {
    const lines = await this.exporter.start(toFilter(q));
    const day = new Date().toISOString().slice(0, 10);
    return new StreamableFile(Readable.from(lines, { objectMode: false }), {
      disposition: `attachment; filename="audit-${day}.csv"`,
    });
  }

  /**
   * Recomputes the tamper-evident chain over the whole trail: `ok`, the rows checked, the chain's head
   * (its place and hash: keep it outside the database to detect a rewritten chain later) and the first
   * row that does not verify, with why.
   */
  @Get('verify')
  @Roles('admin')
  @ApiView('AuditChainReport')
  verify() {
    return this.audit.verifyChain();
  }

  /** The actions and record types in the trail, for the filters. */
  @Get('vocabulary')
  @Roles('admin')
  @ApiView('AuditVocabularyView')
  vocabulary() {
    return this.audit.vocabulary();
  }
}

/** The query's filters as the repository takes them; a range that ends before it starts is refused. */
function toFilter(q: AuditQueryDto): AuditFilter {
  const from = q.from ? new Date(q.from) : undefined;
  const to = q.to ? new Date(q.to) : undefined;
  if (from && to && from > to)
    throw new AppError('VALIDATION_FAILED', 'from must not be after to.', { fields: ['from', 'to'] });
  return { ...q, from, to };
}
