import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { Roles } from '#src/common/decorators.js';
import { AUDIT_OUTCOMES, type AuditOutcome } from './audit-event.entity.js';
import { AuditService } from './audit.service.js';
import { IsBoundedInt, IsRowId, IsTimestamp } from '#src/common/validation/decorators.js';

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
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() from?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() to?: string;
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
  constructor(private readonly audit: AuditService) {}

  /**
   * The audit trail, newest first, for administrators, with the names of the staff, users and
   * facilities it mentions. `nextBefore` pages to older rows; null on the last page.
   */
  @Get()
  @Roles('admin')
  async list(@Query() q: AuditQueryDto) {
    const limit = q.limit ?? 100;
    const rows = await this.audit.query({
      ...q,
      from: q.from ? new Date(q.from) : undefined,
      to: q.to ? new Date(q.to) : undefined,
      limit,
    });
    const labels = await this.audit.labels(rows);
    return { items: rows, ...labels, nextBefore: rows.length === limit ? rows[rows.length - 1]!.id : null };
  }

  /**
   * Recomputes the tamper-evident chain over the whole trail: `ok`, the rows checked, the chain's head
   * (its place and hash: keep it outside the database to detect a rewritten chain later) and the first
   * row that does not verify, with why.
   */
  @Get('verify')
  @Roles('admin')
  verify() {
    return this.audit.verifyChain();
  }

  /** The actions and record types in the trail, for the filters. */
  @Get('vocabulary')
  @Roles('admin')
  vocabulary() {
    return this.audit.vocabulary();
  }
}
