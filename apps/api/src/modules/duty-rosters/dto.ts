import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsUUID } from 'class-validator';
import type { CreateDutyShiftRequest, DutyShiftsQuery } from '@zhiyin/contracts';
import { IsTimestamp } from '#src/common/validation/decorators.js';

/** The window of duty shifts to list: from a day ago to a week ahead when not given. */
export class DutyShiftsQueryDto implements DutyShiftsQuery {
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() from?: string;
  @ApiPropertyOptional() @IsOptional() @IsTimestamp() to?: string;
}

export class DutyShiftDto implements CreateDutyShiftRequest {
  @ApiProperty() @IsUUID() userId: string;
  @ApiProperty() @IsTimestamp() startsAt: string;
  @ApiProperty() @IsTimestamp() endsAt: string;
}
