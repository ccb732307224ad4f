import { Controller, Get, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsDate, IsIn, IsInt, IsNumberString, IsOptional, IsString, IsUUID, Max, Min } from 'class-validator';
import { Roles } from '#src/common/decorators.js';
import { AUDIT_OUTCOMES, type AuditOutcome } from './audit-event.entity.js';
import { AuditService } from './audit.service.js';

export class AuditQueryDto {
  @IsOptional() @IsString() actorId?: string;
  @IsOptional() @IsUUID() patientId?: string;
  @IsOptional() @IsUUID() facilityId?: string;
  @IsOptional() @IsString() action?: string;
  @IsOptional() @IsIn(AUDIT_OUTCOMES) outcome?: AuditOutcome;
  @IsOptional() @Type(() => Date) @IsDate() from?: Date;
  @IsOptional() @Type(() => Date) @IsDate() to?: Date;
  @IsOptional() @IsNumberString() before?: string;
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(500) limit?: number;
}

@ApiTags('audit')
@ApiBearerAuth()
@Controller('audit')
export class AuditController {
  constructor(private readonly audit: AuditService) {}

  /** The audit trail, newest first, for administrators. */
  @Get()
  @Roles('admin')
  async list(@Query() q: AuditQueryDto) {
    const rows = await this.audit.query({ ...q, limit: q.limit ?? 100 });
    return { items: rows, nextBefore: rows.length > 0 ? rows[rows.length - 1]!.id : null };
  }
}
