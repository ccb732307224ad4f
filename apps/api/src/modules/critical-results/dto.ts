import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ConfirmCriticalRequest, RaiseCriticalRequest, RecordCriticalCallRequest } from '@zhiyin/contracts';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { IsBoundedInt, IsTimestamp } from '#src/common/validation/decorators.js';

export class RaiseCriticalDto implements RaiseCriticalRequest {
  @ApiProperty({ description: "a code from the service's list of critical findings", example: 'stemi' })
  @IsString()
  @Length(1, 40)
  findingCode: string;

  @ApiPropertyOptional({ description: "the reader's own words: leads, measurements, what to do at once" })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class ConfirmCriticalDto implements ConfirmCriticalRequest {
  @ApiProperty({ description: 'the finding, chosen (its code) or typed (its name), as the doctor reads it back' })
  @IsString()
  @Length(1, 200)
  readBack: string;

  @ApiProperty({ description: 'what the doctor will do now' })
  @IsString()
  @Length(1, 2000)
  plannedAction: string;
}

export class RecordCallDto implements RecordCriticalCallRequest {
  @ApiProperty({ description: 'whom the coordinator called: name, role, number' })
  @IsString()
  @Length(1, 200)
  callee: string;

  @ApiProperty({ description: 'when the call was made (ISO 8601); not in the future' })
  @IsTimestamp()
  calledAt: string;

  @ApiProperty({ description: 'whether a doctor was reached' })
  @IsBoolean()
  reached: boolean;

  @ApiPropertyOptional({ description: 'what the doctor read back (required when reached)' })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  readBack?: string;

  @ApiPropertyOptional({ description: 'what was agreed, or why nobody answered' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  note?: string;
}

export class ListCriticalDto {
  @ApiPropertyOptional({ enum: ['open', 'recent'], description: 'open only, or also those settled in the last day' })
  @IsOptional()
  @IsIn(['open', 'recent'])
  scope?: 'open' | 'recent';
}

export class PutCriticalPolicyDto {
  @ApiProperty({ description: 'confirmMinutes and findings for every service' })
  @IsObject()
  policy: Record<string, unknown>;

  @ApiProperty({ description: 'the version you edited (0 before the first change)' })
  @IsBoundedInt({ min: 0 })
  version: number;
}
