import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { PatientInput, PatientUpdateRequest } from '@zhiyin/contracts';
import { IsBoolean, IsIn, IsOptional, IsString, IsUUID, Length, Matches, MaxLength } from 'class-validator';
import { IsBoundedInt, IsCalendarDate } from '#src/common/validation/decorators.js';
import { SEXES, type Sex } from './patient.entity.js';

export class CreatePatientDto implements PatientInput {
  @ApiProperty({ example: 'BJCY100000', description: 'medical record number at the home facility' })
  @IsString()
  @Length(1, 64)
  @Matches(/^[A-Za-z0-9._-]+$/, { message: 'mrn may contain letters, digits, dot, dash and underscore' })
  mrn: string;

  @ApiProperty({ example: '孙' }) @IsString() @Length(1, 32) familyNameZh: string;
  @ApiProperty({ example: '娟' }) @IsString() @Length(1, 32) givenNameZh: string;

  @ApiPropertyOptional({ example: 'sun juan', description: 'generated from the Chinese name when omitted' })
  @IsOptional()
  @IsString()
  @Matches(/^[a-zA-Z ]{1,128}$/)
  namePinyin?: string;

  @ApiProperty({ enum: SEXES }) @IsIn(SEXES) sex: Sex;
  @ApiProperty({ example: '1958-04-12' }) @IsCalendarDate() birthDate: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^[0-9+\- ]{5,20}$/) phone?: string;
  @ApiPropertyOptional({ description: 'resident ID card number; stored encrypted, shown masked' })
  @IsOptional()
  @IsString()
  @MaxLength(32)
  nationalId?: string;
}

export class UpdatePatientDto implements PatientUpdateRequest {
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 32) familyNameZh?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 32) givenNameZh?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^[a-zA-Z ]{1,128}$/) namePinyin?: string;
  @ApiPropertyOptional({ enum: SEXES }) @IsOptional() @IsIn(SEXES) sex?: Sex;
  @ApiPropertyOptional() @IsOptional() @IsCalendarDate() birthDate?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(/^[0-9+\- ]{5,20}$/) phone?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(32) nationalId?: string;
  @ApiProperty({ description: 'the version you read; a stale version is refused' })
  @IsBoundedInt({ min: 1 })
  version: number;
}

export class ReviewDuplicateDto {
  @ApiProperty({
    description: "whether this record and another centre's record with the same national ID are one person",
  })
  @IsBoolean()
  samePerson: boolean;
}

export class SearchPatientsDto {
  @ApiPropertyOptional({ description: 'Chinese name, pinyin (full or initials), MRN or national ID' })
  @IsOptional()
  @IsString()
  @Length(1, 64)
  q?: string;

  @ApiPropertyOptional({ description: 'hub staff: limit to one community centre' })
  @IsOptional()
  @IsUUID()
  facilityId?: string;

  @ApiPropertyOptional({
    enum: ['true', 'false'],
    description: 'coordinator: only records whose national ID another centre also holds',
  })
  @IsOptional()
  @IsIn(['true', 'false'])
  possibleDuplicate?: 'true' | 'false';

  @ApiPropertyOptional() @IsOptional() @IsBoundedInt({ min: 1, max: 100 }) limit?: number;
  @ApiPropertyOptional() @IsOptional() @IsBoundedInt({ min: 0 }) offset?: number;
}
