import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { IsBoundedInt, IsRowId } from '#src/common/validation/decorators.js';

export class EventsQueryDto {
  @ApiProperty({ description: 'the last event id you have' }) @IsRowId() after: string;
  @ApiPropertyOptional() @IsOptional() @IsBoundedInt({ min: 1, max: 1000 }) limit?: number;
}
