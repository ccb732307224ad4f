import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayUnique,
  IsArray,
  IsIn,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import {
  READING_CENTRE_NAME_MAX,
  type CreateFacilityRequest,
  type RenameReadingCentreRequest,
  type UpdateFacilityRequest,
} from '@zhiyin/contracts';
import { FACILITY_KINDS, SERVICES, type FacilityKind, type Service } from '@zhiyin/workflow';

const CODE = /^[A-Za-z0-9][A-Za-z0-9_-]{1,31}$/;
const PHONE = /^[0-9+\- ]{5,20}$/;

export class CreateFacilityDto implements CreateFacilityRequest {
  @ApiProperty({ example: 'CDZS', description: 'short code, unique in the network (letters, digits, - and _)' })
  @IsString()
  @Matches(CODE, { message: 'code must be 2 to 32 letters, digits, dashes or underscores' })
  code: string;

  @ApiProperty({ enum: FACILITY_KINDS }) @IsIn(FACILITY_KINDS) kind: FacilityKind;
  @ApiProperty({ example: '武汉市蔡甸区奓山街社区卫生服务中心' }) @IsString() @Length(1, 128) nameZh: string;
  @ApiProperty({ example: 'Dayu Community Health Service Centre, Mentougou' })
  @IsString()
  @Length(1, 128)
  nameEn: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) address?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Matches(PHONE) phone?: string;

  @ApiPropertyOptional({ description: 'a community centre: the hub whose reading centres read its studies' })
  @ValidateIf((o: CreateFacilityDto) => o.kind === 'community' || o.hubId !== undefined)
  @IsUUID()
  hubId?: string;

  @ApiPropertyOptional({ enum: SERVICES, isArray: true, description: 'a hub: the reading centres it runs' })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(SERVICES, { each: true })
  readingServices?: Service[];
}

export class UpdateFacilityDto implements UpdateFacilityRequest {
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @Matches(CODE, { message: 'code must be 2 to 32 letters, digits, dashes or underscores' })
  code?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) nameZh?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @Length(1, 128) nameEn?: string;
  /** an empty string clears it */
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(256) address?: string;
  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @ValidateIf((o: UpdateFacilityDto) => o.phone !== '')
  @Matches(PHONE)
  phone?: string;

  @ApiPropertyOptional() @IsOptional() @IsUUID() hubId?: string;

  @ApiPropertyOptional({ enum: SERVICES, isArray: true })
  @IsOptional()
  @IsArray()
  @ArrayUnique()
  @IsIn(SERVICES, { each: true })
  readingServices?: Service[];
}

export class RenameReadingCentreDto implements RenameReadingCentreRequest {
  @ApiPropertyOptional({ example: '心电诊断中心', maxLength: READING_CENTRE_NAME_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(READING_CENTRE_NAME_MAX)
  nameZh?: string;

  @ApiPropertyOptional({ example: 'ECG Diagnosis Centre', maxLength: READING_CENTRE_NAME_MAX })
  @IsOptional()
  @IsString()
  @MaxLength(READING_CENTRE_NAME_MAX)
  nameEn?: string;
}
